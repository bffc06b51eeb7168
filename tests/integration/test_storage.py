"""The storage layer, against a local folder and against moto's S3 server alike."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from telegram_pipeline.lake import storage


@pytest.fixture
def store(lake) -> storage.Store:
    return storage.open_store(lake["RAW_URI"])


def test_write_read_exists(store):
    store.write("context_date=2026-01-02/1.json", b'{"update_id": 1}')
    assert store.read("context_date=2026-01-02/1.json") == b'{"update_id": 1}'
    assert store.exists("context_date=2026-01-02/1.json")
    assert not store.exists("context_date=2026-01-02/2.json")


def test_read_missing_raises_not_found(store):
    with pytest.raises(storage.ObjectNotFound):
        store.read("nope/1.json")


@pytest.mark.parametrize("size", [0, 1, 65_535, 65_536, 65_537, 300_001])
def test_objects_of_any_size_read_back_whole(store, size):
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    store.write(f"sizes/{size}.json", data)
    assert store.read(f"sizes/{size}.json") == data
    assert dict(store.read_many([f"sizes/{size}.json"])) == {f"sizes/{size}.json": data}


def test_list_is_recursive_sorted_and_scoped_to_the_folder(store):
    for key in ["b/2.json", "b/1.json", "a/9.json", "bb/3.json", "b/sub/4.json"]:
        store.write(key, b"x")
    assert list(store.list("b")) == ["b/1.json", "b/2.json", "b/sub/4.json"]
    assert list(store.list()) == ["a/9.json", "b/1.json", "b/2.json", "b/sub/4.json", "bb/3.json"]
    assert list(store.list("missing")) == []


def test_list_pages_past_a_thousand_keys(store):
    keys = [f"day/{i:05d}.json" for i in range(1234)]
    assert list(store.read_many([])) == []
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: store.write(k, b"{}"), keys))
    assert list(store.list("day")) == keys


def test_read_many_returns_errors_in_place(store):
    store.write("d/1.json", b"one")
    store.write("d/3.json", b"three")
    got = dict(store.read_many(["d/1.json", "d/2.json", "d/3.json"]))
    assert got["d/1.json"] == b"one" and got["d/3.json"] == b"three"
    assert isinstance(got["d/2.json"], storage.ObjectNotFound)


def test_replace_folder_leaves_exactly_the_new_files(store):
    store.write("messages/context_date=2026-01-01/old-part.parquet", b"old")
    store.write("messages/context_date=2026-01-01/data.parquet", b"v1")
    store.write("messages/context_date=2026-01-02/data.parquet", b"other day")
    store.replace_folder("messages/context_date=2026-01-01", {"data.parquet": b"v2"})
    assert list(store.list("messages/context_date=2026-01-01")) == ["messages/context_date=2026-01-01/data.parquet"]
    assert store.read("messages/context_date=2026-01-01/data.parquet") == b"v2"
    assert store.read("messages/context_date=2026-01-02/data.parquet") == b"other day"


def test_delete(store):
    store.write("x/1", b"1")
    store.write("x/2", b"2")
    store.delete(["x/1", "x/never-existed"])
    assert list(store.list("x")) == ["x/2"]


def test_arrow_filesystem_reads_what_the_store_wrote(store):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"n": [1, 2, 3]})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    store.write("t/data.parquet", sink.getvalue().to_pybytes())
    fs, root = store.arrow_filesystem()
    assert pq.read_table(f"{root}/t/data.parquet", filesystem=fs).equals(table)


def test_s3_errors_become_storage_errors(s3_lake):
    store = storage.open_store("s3://no-such-bucket-here/raw")
    with pytest.raises(storage.StorageError):
        store.write("k", b"x")


@pytest.mark.parametrize("concurrency", [1, 3])
def test_read_many_keeps_the_order_given_inline_or_threaded(store, concurrency):
    keys = [f"o/{i:04d}" for i in range(300)]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: store.write(k, k.encode()), keys))
    shuffled = keys[::-1]
    assert [(k, d) for k, d in store.read_many(shuffled, concurrency=concurrency)] == [
        (k, k.encode()) for k in shuffled
    ]
