"""Faults: storage failing or hanging under the webhook, storage errors under consolidation and
report writing, the consolidation SIGKILLed mid-write, raw objects deleted or corrupted after the
fact. Each ends the same way: nothing acknowledged is missing, nothing is counted twice, a retry
gives exactly what a clean run gives, and no reader sees half a partition."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from telegram_pipeline import config
from telegram_pipeline.lake import consolidate, layout, storage
from telegram_pipeline.rules import raw_zone

from bench import loadtest
from tests.support.paths import REPO

DAY = loadtest.FIRST_DAY  # update ids divisible by loadtest.DAYS fall on this day


def day_ids(count: int, start: int = 0) -> list[int]:
    return [loadtest.DAYS * (start + n + 1) for n in range(count)]


def write_raw_day(ids: list[int]) -> None:
    raw = storage.raw_store(config.load())
    for update_id in ids:
        raw.write(f"{raw_zone.day_folder(DAY)}/{update_id}.json", loadtest.update_body(update_id))


def partition_bytes() -> bytes:
    return storage.curated_store(config.load()).read(layout.partition_key(DAY))


def partition_listing() -> list[str]:
    return list(storage.curated_store(config.load()).list(layout.partition_prefix(DAY)))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def clean_run_sha(ids: list[int], tmp_path, monkeypatch) -> str:
    """The partition a clean run makes of these updates, in a lake of its own."""
    with monkeypatch.context() as patch:
        lake = tmp_path / "clean-lake"
        for name in ("RAW_URI", "CURATED_URI", "REPORTS_URI"):
            patch.setenv(name, str(lake / name.split("_")[0].lower()))
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        write_raw_day(ids)
        consolidate.consolidate_day(DAY, config.load())
        return sha(partition_bytes())


# -- a storage endpoint that fails or hangs when told to -------------------------------------


@pytest.fixture
def faulty_s3(s3_lake, aws_standin):
    """The s3 lake, reached through the stand-in in front of moto (every AWS client of the test goes
    through it), told which requests to fail or hang by its ``rule``."""
    return aws_standin


# -- ingestion ---------------------------------------------------------------------------------


def _start_server():
    from telegram_pipeline.dev import server

    httpd = server.make_server("127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return httpd, thread


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_storage_failing_then_hanging_under_the_webhook_loses_nothing_and_doubles_nothing(
    backend, request, monkeypatch, capfd
):
    """Storage fails (5xx) for a while, then hangs longer than the sender waits (the write completes
    after the sender gave up on it): the sender retries as Telegram does, and in the end every
    update is stored exactly once, byte for byte, and consolidates into exactly one row each."""
    monkeypatch.setenv("WEBHOOK_SECRET", loadtest.SECRET)
    monkeypatch.setenv("ALLOWED_CHAT_IDS", str(loadtest.CHAT_ID))
    monkeypatch.setenv("MAX_BAD_SHARE", "0")
    fault = {"mode": None}
    timeout, hang = (1.0, 1.6) if backend == "local" else (2.5, 3.0)
    if backend == "s3":
        proxy = request.getfixturevalue("faulty_s3")
        proxy.rule = lambda method, path: fault["mode"] if method == "PUT" else None
    httpd, thread = _start_server()
    webhook = httpd.RequestHandlerClass.lambda_module
    if backend == "local":
        real_put = webhook.LocalRawStore.put

        def put(self, key, data):
            if fault["mode"] == "fail":
                raise webhook.StorageUnavailable("disk unavailable (injected)")
            if isinstance(fault["mode"], float):
                time.sleep(fault["mode"])
            return real_put(self, key, data)

        monkeypatch.setattr(webhook.LocalRawStore, "put", put)
    answered = {"storage_error": 0}
    real_log = webhook._write_log

    def write_log(record):
        if record.get("outcome") == "storage_error":
            answered["storage_error"] += 1
        real_log(record)

    monkeypatch.setattr(webhook, "_write_log", write_log)

    done = threading.Event()
    ids = itertools.count(1)
    lock = threading.Lock()

    class Ids:  # new updates until the fault schedule is over; those under way are then delivered
        def __next__(self):
            if done.is_set():
                raise StopIteration
            with lock:
                return next(ids)

    def until(condition, at_least: float, at_most: float = 60.0) -> None:
        began = time.monotonic()
        while time.monotonic() - began < at_least or (not condition() and time.monotonic() - began < at_most):
            time.sleep(0.05)

    tally = loadtest.Tally()
    threads = [
        threading.Thread(
            target=loadtest.send_until,
            args=(httpd.server_address[1], Ids(), time.monotonic() + 300, tally),
            kwargs={"timeout": timeout, "give_up_after": 90},
            daemon=True,
        )
        for _ in range(12)
    ]
    try:
        for each in threads:
            each.start()
        time.sleep(0.3)
        # Storage fails until the webhook has answered 503 a few times (botocore retries a failing
        # PUT for a few seconds before the handler sees the error).
        fault["mode"] = "fail"
        until(lambda: answered["storage_error"] >= 3, at_least=1.0)
        fault["mode"] = None
        time.sleep(0.3)
        # Storage hangs longer than the sender waits: the write lands after the sender gave up.
        fault["mode"] = hang
        hang_began = time.monotonic()
        until(lambda: tally.errors.get("TimeoutError", 0) >= 3, at_least=1.0)
        fault["mode"] = None
        time.sleep(0.3)
        done.set()
        for each in threads:
            each.join(150)
        time.sleep(max(0.0, hang_began + hang + 0.3 - time.monotonic()))  # the first hung writes land
    finally:
        done.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
    outcomes = [json.loads(line).get("outcome") for line in capfd.readouterr().out.splitlines() if line.startswith("{")]

    assert not tally.gave_up
    total = len(tally.acknowledged)
    assert sorted(tally.acknowledged) == list(range(1, total + 1))  # each update taken was acknowledged once
    assert outcomes.count("storage_error") > 0, "the failure window produced no 503"
    assert tally.errors.get("TimeoutError", 0) > 0, "the hang produced no timeout"
    assert outcomes.count("stored") > total  # some updates were written twice, to the same key
    raw = storage.raw_store(config.load())
    keys = [k for k in raw.list() if k.startswith("context_date=")]
    ids_stored = sorted(int(k.rsplit("/", 1)[1].removesuffix(".json")) for k in keys)
    assert ids_stored == list(range(1, total + 1))  # each once: a redelivery lands on the same key
    for key, data in raw.read_many(keys):
        assert data == loadtest.update_body(int(key.rsplit("/", 1)[1].removesuffix(".json")))
    if backend == "s3":
        return  # the local run and `make loadtest` take the raw zone on through consolidation
    curated = []
    for day in sorted({date.fromisoformat(k.split("/")[0].removeprefix("context_date=")) for k in keys}):
        consolidate.consolidate_day(day, config.load())
        curated += pq.read_table(pa.BufferReader(storage.curated_store().read(layout.partition_key(day))))[
            "update_id"
        ].to_pylist()
    assert sorted(curated) == list(range(1, total + 1))


# -- consolidation -----------------------------------------------------------------------------


def _fail_once(monkeypatch, method: str, when) -> dict:
    """Make LocalStore.<method> raise StorageError the first time ``when(key)`` holds."""
    real = getattr(storage.LocalStore, method)
    state = {"failed": False}

    def flaky(self, arg, *rest):
        keys = [arg] if isinstance(arg, str) else list(arg)
        if not state["failed"] and any(when(k) for k in keys):
            state["failed"] = True
            raise storage.StorageError(f"injected failure in {method}")
        return real(self, keys if method == "delete" else arg, *rest)

    monkeypatch.setattr(storage.LocalStore, method, flaky)
    return state


@pytest.mark.parametrize(
    "method, when",
    [
        ("read", lambda key: key.endswith("/150.json")),  # a raw read in the middle of the day
        ("write_many", lambda key: key.endswith("/data.parquet")),  # the partition's own write
        ("delete", lambda key: True),  # cleaning the folder after the write
        ("write_many", lambda key: key.startswith("_manifests/")),  # the manifest after the partition
    ],
    ids=["raw-read", "partition-write", "folder-cleanup", "manifest-write"],
)
def test_consolidation_retry_after_a_storage_error_equals_a_clean_run(method, when, tmp_path, monkeypatch):
    ids = day_ids(120)
    reference = clean_run_sha(ids, tmp_path, monkeypatch)
    write_raw_day(ids)
    # A stale file from an older layout: the cleanup step has something to delete.
    storage.curated_store().write(f"{layout.partition_prefix(DAY)}/part-0.parquet", b"old")
    with monkeypatch.context() as patch:
        state = _fail_once(patch, method, when)
        with pytest.raises(storage.StorageError):
            consolidate.consolidate_day(DAY, config.load())
        assert state["failed"]
        for key in partition_listing():  # whatever a reader finds after the failure is whole
            if key.endswith("data.parquet"):
                assert sha(partition_bytes()) == reference
    result = consolidate.consolidate_day(DAY, config.load())  # the retry
    assert result.rows == len(ids)
    assert sha(partition_bytes()) == reference
    assert partition_listing() == [layout.partition_key(DAY)]


def test_consolidation_retry_after_s3_refuses_writes_equals_a_clean_run(faulty_s3, tmp_path, monkeypatch):
    from botocore.config import Config
    from telegram_pipeline.lake import aws

    ids = day_ids(40)
    write_raw_day(ids)
    reference = clean_run_sha(ids, tmp_path, monkeypatch)
    # Fewer retries than production's 5, so that the test does not sit through their backoff.
    import boto3

    impatient = boto3.session.Session().client(
        "s3", endpoint_url=faulty_s3.url, config=Config(retries={"mode": "standard", "max_attempts": 2})
    )
    real_client = aws.client
    monkeypatch.setattr(
        aws, "client", lambda service, *a, **k: impatient if service == "s3" else real_client(service, *a, **k)
    )
    faulty_s3.rule = lambda method, path: "fail" if method == "PUT" and "data.parquet" in path else None
    with pytest.raises(storage.StorageError):
        consolidate.consolidate_day(DAY, config.load())
    assert partition_listing() == []
    assert sum(1 for m, p, a in faulty_s3.seen if a == "fail") >= 2  # botocore retried before giving up
    faulty_s3.rule = lambda method, path: None
    consolidate.consolidate_day(DAY, config.load())
    assert sha(partition_bytes()) == reference


def test_a_reader_never_sees_half_a_partition(lake, monkeypatch):
    """Rewrites of a growing day while a reader reads the partition in a loop: every read is a
    whole Parquet file holding one of the row counts written."""
    first, more = (200, 40) if lake["backend"] == "local" else (60, 20)
    write_raw_day(day_ids(first))
    consolidate.consolidate_day(DAY, config.load())
    counts = {first}
    stop = threading.Event()
    seen, problems = [], []

    def reader():
        store = storage.curated_store(config.load())
        while not stop.is_set():
            try:
                table = pq.read_table(pa.BufferReader(store.read(layout.partition_key(DAY))))
                seen.append(table.num_rows)
            except storage.ObjectNotFound:
                problems.append("the partition was missing for a moment")
            except Exception as exc:
                problems.append(f"{type(exc).__name__}: {exc}")

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    try:
        for round_ in range(1, 5 if lake["backend"] == "local" else 3):
            write_raw_day(day_ids(more, start=first + more * (round_ - 1)))
            counts.add(first + more * round_)
            consolidate.consolidate_day(DAY, config.load())
    finally:
        stop.set()
        thread.join(10)
    assert not problems, problems[:3]
    assert seen and set(seen) <= counts


def _reports_files() -> dict[str, bytes]:
    import re

    store = storage.reports_store(config.load())
    files = {key: store.read(key) for key in store.list()}
    # The page says when it was generated; everything else must be byte for byte the same.
    return {k: re.sub(rb"Generated [0-9: -]+UTC", b"Generated (time)", v) for k, v in files.items()}


def test_report_writing_retry_after_a_storage_error_equals_a_clean_run(local_lake, monkeypatch):
    from telegram_pipeline.reports import build as reports

    write_raw_day(day_ids(150))
    consolidate.consolidate_day(DAY, config.load())
    reports.build_day_windows(DAY, config.load())
    clean = _reports_files()
    assert any(k.endswith("data.parquet") for k in clean) and any(k.endswith(".html") for k in clean)
    with monkeypatch.context() as patch:
        state = _fail_once(patch, "write_many", lambda key: "window=7d" in key)  # half of the windows written
        with pytest.raises(storage.StorageError):
            reports.build_day_windows(DAY, config.load())
        assert state["failed"]
        for key, data in _reports_files().items():  # what a reader finds meanwhile is whole
            assert data == clean[key], key
    reports.build_day_windows(DAY, config.load())  # the retry
    assert _reports_files() == clean


# -- the consolidation killed mid-write ---------------------------------------------------------

KILLABLE = """
import os, sys, time
real_replace = os.replace
def replace(src, dst, *args, **kwargs):
    if str(dst).endswith("data.parquet"):
        print("WRITTEN-NOT-RENAMED", flush=True)  # the new file is whole on disk, not yet in place
        time.sleep(120)
    return real_replace(src, dst, *args, **kwargs)
os.replace = replace
from telegram_pipeline.cli import main
sys.exit(main(["consolidate", "--date", sys.argv[1]]))
"""


def _consolidate_and_kill() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", KILLABLE, DAY.isoformat()],
        env={**os.environ, "PYTHONPATH": str(REPO / "plugins")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.strip() == "WRITTEN-NOT-RENAMED", process.stderr.read()
        process.send_signal(signal.SIGKILL)
        assert process.wait(30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)


def _readers_see(curated_root) -> list[int]:
    """Row counts the usual readers find in the table: pyarrow's dataset and DuckDB's glob."""
    import duckdb
    import pyarrow.dataset as ds

    table = ds.dataset(str(curated_root / "messages"), format="parquet", partitioning="hive").to_table()
    glob = str(curated_root / "messages" / "*" / "*.parquet")
    duck = duckdb.connect()
    if not duck.execute(f"SELECT count(*) FROM glob('{glob}')").fetchone()[0]:
        return [table.num_rows, 0]
    (count,) = duck.execute(f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning = true)").fetchone()
    return [table.num_rows, count]


def test_consolidation_killed_mid_write_then_rerun_equals_a_clean_run(local_lake, tmp_path, monkeypatch):
    first, late = day_ids(600), day_ids(100, start=600)
    reference = clean_run_sha(first + late, tmp_path, monkeypatch)
    curated_root = local_lake / "curated"
    write_raw_day(first)
    consolidate.consolidate_day(DAY, config.load())
    before = partition_bytes()

    write_raw_day(late)  # late data arrives; the rerun that would take it in is killed mid-write
    _consolidate_and_kill()
    folder = curated_root / layout.partition_prefix(DAY)
    leftovers = [p.name for p in folder.iterdir() if p.name != "data.parquet"]
    assert leftovers and all(name.startswith(".") for name in leftovers), leftovers
    assert partition_bytes() == before  # readers still get the old partition, whole
    assert _readers_see(curated_root) == [600, 600]  # the hidden leftover is read by nobody

    rerun = subprocess.run(
        [sys.executable, "-m", "telegram_pipeline", "consolidate", "--date", DAY.isoformat()],
        env={**os.environ, "PYTHONPATH": str(REPO / "plugins")},
        capture_output=True,
        text=True,
    )
    assert rerun.returncode == 0, rerun.stderr  # (a native crash's stacks are in it: cli/__init__.py)
    assert sha(partition_bytes()) == reference
    assert sorted(p.name for p in folder.iterdir()) == ["data.parquet"]  # the leftover is gone
    assert _readers_see(curated_root) == [700, 700]


def test_short_processes_that_read_a_partition_exit_cleanly(local_lake):
    """A command's last read is often a partition's bytes (the quality checks). An Arrow thread that let
    go of Python's bytes after the read returned aborted a process exiting then (layout.read_parquet_bytes).
    Each process also reads with pq.read_table, which did so in ~3.5 % of such processes two at a time on
    the 2-core VM when handed the bytes themselves, not layout.arrow_owned's copy. Fifty processes."""
    ids = day_ids(50)
    write_raw_day(ids)
    consolidate.consolidate_day(DAY, config.load())
    partition = local_lake / "curated" / layout.partition_key(DAY)
    read_and_exit = (
        "import sys; import pyarrow.parquet as pq; from telegram_pipeline.lake import layout; "
        "data = open(sys.argv[1], 'rb').read(); "
        "print(layout.read_parquet_bytes(data, ['update_id']).num_rows, pq.read_table(layout.arrow_owned(data)).num_rows)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "plugins")}
    command = [sys.executable, "-c", read_and_exit, str(partition)]
    for _ in range(25):
        pair = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        for process in pair:
            out, err = process.communicate(timeout=60)
            assert (process.returncode, out.split()) == (0, [str(len(ids))] * 2), err


def test_consolidation_killed_on_its_first_write_leaves_no_partition_then_rerun_is_clean(
    local_lake, tmp_path, monkeypatch
):
    ids = day_ids(300)
    reference = clean_run_sha(ids, tmp_path, monkeypatch)
    write_raw_day(ids)
    _consolidate_and_kill()
    assert partition_listing() == []  # listings skip the hidden temporary file
    assert _readers_see(local_lake / "curated") == [0, 0]
    consolidate.consolidate_day(DAY, config.load())
    assert sha(partition_bytes()) == reference
    assert sorted(p.name for p in (local_lake / "curated" / layout.partition_prefix(DAY)).iterdir()) == ["data.parquet"]


# -- raw objects damaged after they were written -------------------------------------------------


def test_raw_objects_deleted_or_corrupted_after_writing_are_quarantined_and_reported(lake, monkeypatch, capsys):
    ids = day_ids(200)
    write_raw_day(ids)
    raw = storage.raw_store(config.load())
    prefix = raw_zone.day_folder(DAY)
    cut, garbage, vanishing = ids[10], ids[20], ids[30]
    raw.write(f"{prefix}/{cut}.json", loadtest.update_body(cut)[:37])  # cut short
    raw.write(f"{prefix}/{garbage}.json", b"\x00\x17binary rubbish\xff")
    real_list = type(raw).list

    def list_then_lose_one(self, prefix_=""):
        keys = list(real_list(self, prefix_))
        if prefix_ == prefix:
            self.delete([f"{prefix}/{vanishing}.json"])  # deleted between the listing and the read
        yield from keys

    monkeypatch.setattr(type(raw), "list", list_then_lose_one)
    monkeypatch.setenv("MAX_BAD_SHARE", "0.05")
    from telegram_pipeline import cli

    assert cli.main(["consolidate", "--date", DAY.isoformat()]) == 0
    said = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert said["quarantined"] == 3 and said["rows"] == 197
    assert sum(said["reasons"].values()) == 3 and "missing" in said["reasons"]
    rows = pq.read_table(pa.BufferReader(partition_bytes()))["update_id"].to_pylist()
    assert sorted(rows) == sorted(set(ids) - {cut, garbage, vanishing})
    quarantine = storage.quarantine_store(config.load())
    names = sorted(k.rsplit("/", 1)[1] for k in quarantine.list(prefix))
    assert names == sorted(
        [f"{cut}.json", f"{cut}.json.reason.json", f"{garbage}.json", f"{garbage}.json.reason.json"]
        + [f"{vanishing}.json.reason.json"]
    )
    assert quarantine.read(f"{prefix}/{garbage}.json") == b"\x00\x17binary rubbish\xff"


def test_too_many_damaged_objects_fail_the_day_loudly_and_keep_the_old_partition(local_lake, monkeypatch):
    ids = day_ids(40)
    write_raw_day(ids)
    consolidate.consolidate_day(DAY, config.load())
    before = partition_bytes()
    raw = storage.raw_store(config.load())
    for update_id in ids[:10]:
        raw.write(f"{raw_zone.day_folder(DAY)}/{update_id}.json", b"{")
    with pytest.raises(consolidate.TooManyBadObjects, match="10 of 40"):
        consolidate.consolidate_day(DAY, config.load())
    assert partition_bytes() == before


def test_ids_used_here_fall_on_the_day():
    assert all(json.loads(loadtest.update_body(i)).get("message", {}).get("date", 0) for i in day_ids(9) if i % 10 < 8)
    assert list(itertools.islice((i % loadtest.DAYS for i in day_ids(5)), 5)) == [0] * 5
