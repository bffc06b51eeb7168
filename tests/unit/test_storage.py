"""The local store on its own: atomic writes, keys that would escape it, URIs it does not know
(tests/integration/test_storage.py: the store against a local folder and moto's S3 alike)."""

from __future__ import annotations

import threading

import pytest
from telegram_pipeline.lake import storage


def test_local_write_is_atomic_for_concurrent_readers(local_lake):
    store = storage.open_store(str(local_lake / "raw"))
    store.write("f.bin", b"a" * 1_000_000)
    torn, stop = [], threading.Event()

    def reader():
        while not stop.is_set():
            data = store.read("f.bin")
            if len(data) != 1_000_000 or len(set(data)) != 1:
                torn.append(len(data))

    thread = threading.Thread(target=reader)
    thread.start()
    for fill in (b"b", b"c", b"d") * 5:
        store.write("f.bin", fill * 1_000_000)
    stop.set()
    thread.join()
    assert not torn, "a reader saw a file mixing two writes or cut short"
    assert list(store.list()) == ["f.bin"], "no temporary file may be left or listed"


def test_local_store_refuses_keys_that_escape_it(local_lake):
    store = storage.open_store(str(local_lake / "raw"))
    with pytest.raises(ValueError):
        store.write("../outside.json", b"x")


def test_unsupported_uri():
    with pytest.raises(ValueError, match="unsupported storage URI"):
        storage.open_store("gs://bucket/x")
