"""The telegram_consolidate DAG run for real with dag.test(), against a local lake and against moto (S3 + Glue)."""

from __future__ import annotations

import runpy
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from telegram_pipeline.lake import aws, consolidate, layout, quality, storage

from tests.support.dag_runs import asset_dates, task_states
from tests.support.paths import REPO
from tests.support.raw_updates import message, put, read_partition, unix

DAG_FILE = REPO / "dags" / "telegram_consolidate.py"
FIRST = date(2026, 1, 1)


@pytest.fixture
def consolidate_dag(airflow_db, monkeypatch):
    monkeypatch.setenv("START_DATE", FIRST.isoformat())
    return runpy.run_path(str(DAG_FILE))["dag"]


def dag_in_zone(monkeypatch, zone: str):
    """The DAG file parsed with TIMEZONE set, as the scheduler parses it with the group's zone."""
    monkeypatch.setenv("TIMEZONE", zone)
    monkeypatch.setenv("START_DATE", FIRST.isoformat())
    return runpy.run_path(str(DAG_FILE))["dag"]


def retry_at_once(dag, retries: int) -> None:
    """dag.test() waits out each retry's delay: make retries immediate (or none) for the failure tests."""
    for task in dag.tasks:
        task.retries, task.retry_delay, task.retry_exponential_backoff = retries, timedelta(0), False


def run_day(dag, day: date, tz: str = "UTC"):
    """dag.test() of the run whose data interval starts at ``day`` 00:00 in ``tz``."""
    # For a manual run the interval is the last whole one before the date given.
    following = day + timedelta(days=1)
    run = dag.test(logical_date=datetime(following.year, following.month, following.day, tzinfo=ZoneInfo(tz)))
    assert run.data_interval_start.astimezone(ZoneInfo(tz)).date() == day
    return run


def seed(days: list[date], per_day: int = 5) -> None:
    for n, day in enumerate(days):
        for i in range(per_day):
            update_id = 1000 * (n + 1) + i
            put(day, f"{update_id}.json", message(update_id, unix(day, 9) + i * 60))


def test_several_days_on_a_local_lake_then_a_rerun_changes_nothing(consolidate_dag):
    days = [FIRST, FIRST + timedelta(1), FIRST + timedelta(2)]
    seed(days)
    runs = [run_day(consolidate_dag, day) for day in days]
    for run in runs:
        assert set(task_states(run).values()) == {"success"}, task_states(run)
    assert asset_dates(runs[0]) == [["2026-01-01"]]
    assert asset_dates(runs[2]) == [["2026-01-03"]]  # the days before it had not changed
    curated = storage.curated_store()
    files = {key: curated.read(key) for key in curated.list("messages")}
    assert sorted(files) == [f"messages/context_date={d}/data.parquet" for d in days]

    rerun = run_day(consolidate_dag, days[1])
    assert set(task_states(rerun).values()) == {"success"}
    assert {key: curated.read(key) for key in curated.list("messages")} == files

    import duckdb

    with duckdb.connect(str(curated.root / "catalog.duckdb"), read_only=True) as db:
        assert db.sql("select count(*) from messages").fetchone()[0] == 15


def test_late_data_reaches_its_day_in_the_next_run(consolidate_dag):
    days = [FIRST, FIRST + timedelta(1)]
    seed(days, per_day=2)
    run_day(consolidate_dag, days[0])
    run_day(consolidate_dag, days[1])
    put(days[0], "777.json", message(777, unix(days[0], 23, 50)))  # arrives the day after next
    late = run_day(consolidate_dag, days[1] + timedelta(1))
    assert asset_dates(late) == [["2026-01-01", "2026-01-03"]]
    ids = read_partition(days[0])["update_id"].to_pylist()
    assert ids.count(777) == 1 and len(ids) == 3


def test_a_failed_quality_check_fails_the_run_before_the_catalog(consolidate_dag, monkeypatch):
    seed([FIRST])

    def wrong(expected_rows, settings=None):
        day, rows = next(iter(expected_rows.items()))
        raise quality.QualityCheckFailed(f"context_date={day}: 4 rows written, {rows} read")

    monkeypatch.setattr(quality, "check_days", wrong)
    retry_at_once(consolidate_dag, retries=0)
    run = run_day(consolidate_dag, FIRST)
    states = task_states(run)
    assert (states["consolidate"], states["check_quality"]) == ("success", "failed")
    assert states["register_in_catalog"] == "upstream_failed"
    assert asset_dates(run) == []


def test_a_storage_failure_on_the_first_try_then_the_retry_gives_the_clean_partition(consolidate_dag, monkeypatch):
    seed([FIRST], per_day=20)
    run_day(consolidate_dag, FIRST)
    clean = storage.curated_store().read(layout.partition_key(FIRST))
    put(FIRST, "999.json", message(999, unix(FIRST, 22)))

    # The first try of the next run dies mid-way, after it has read half the day.
    real_read = storage.LocalStore.read
    calls = {"n": 0}

    def failing_once(self, key):
        calls["n"] += 1
        if calls["n"] == 10:
            raise storage.StorageError("S3 get_object: InternalError")
        return real_read(self, key)

    monkeypatch.setattr(storage.LocalStore, "read", failing_once)
    retry_at_once(consolidate_dag, retries=0)
    failed = run_day(consolidate_dag, FIRST)
    assert task_states(failed)["consolidate"] == "failed"
    assert storage.curated_store().read(layout.partition_key(FIRST)) == clean  # the old partition, whole

    # Now a real Airflow retry within one run: the first try fails, the second writes the partition.
    calls["n"] = 0
    retry_at_once(consolidate_dag, retries=3)
    retried = run_day(consolidate_dag, FIRST)
    assert set(task_states(retried).values()) == {"success"}
    tries = {ti.task_id: ti.try_number for ti in retried.get_task_instances()}
    assert tries["consolidate"] == 2, tries
    after_retry = storage.curated_store().read(layout.partition_key(FIRST))
    monkeypatch.setattr(storage.LocalStore, "read", real_read)
    consolidate.consolidate_day(FIRST)
    assert storage.curated_store().read(layout.partition_key(FIRST)) == after_retry
    assert 999 in read_partition(FIRST)["update_id"].to_pylist()


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/Sao_Paulo"])
def test_each_run_consolidates_its_own_day_in_the_groups_zone(zone, airflow_db, monkeypatch):
    """East of UTC the interval [D 00:00, D+1 00:00) starts on D-1 in UTC, west of it on D: either way
    the run consolidates D, the day of its interval's start in TIMEZONE."""
    dag = dag_in_zone(monkeypatch, zone)
    day = FIRST + timedelta(days=3)
    for update_id, (hour, minute) in enumerate([(0, 5), (9, 0), (23, 55)], start=1):
        put(day, f"{update_id}.json", message(update_id, unix(day, hour, minute, zone)))
    run = run_day(dag, day, tz=zone)
    assert set(task_states(run).values()) == {"success"}, task_states(run)
    # the day; the LATE_DAYS before it had nothing and have nothing: no file, nothing rewritten
    assert asset_dates(run) == [[day.isoformat()]]
    assert read_partition(day)["update_id"].to_pylist() == [1, 2, 3]


def test_on_moto_s3_and_glue(consolidate_dag, s3_lake, monkeypatch):
    monkeypatch.setenv("CATALOG", "glue")
    monkeypatch.setenv("GLUE_DATABASE", f"db_{s3_lake['bucket'].replace('-', '_')}")
    days = [FIRST, FIRST + timedelta(1)]
    seed(days, per_day=3)
    put(days[1], "bad.json", b"garbage")
    monkeypatch.setenv("MAX_BAD_SHARE", "0.5")
    for day in days:
        assert set(task_states(run_day(consolidate_dag, day)).values()) == {"success"}
    curated = storage.curated_store()
    before = {key: curated.read(key) for key in curated.list("messages")}
    assert len(before) == 2
    assert storage.quarantine_store().exists(f"context_date={days[1]}/bad.json.reason.json")
    glue = aws.client("glue")
    database = f"db_{s3_lake['bucket'].replace('-', '_')}"
    partitions = glue.get_partitions(DatabaseName=database, TableName="messages")["Partitions"]
    assert sorted(p["Values"][0] for p in partitions) == ["2026-01-01", "2026-01-02"]
    assert all(p["StorageDescriptor"]["Location"].startswith(s3_lake["CURATED_URI"]) for p in partitions)

    assert set(task_states(run_day(consolidate_dag, days[1])).values()) == {"success"}
    assert {key: curated.read(key) for key in curated.list("messages")} == before
    assert len(glue.get_partitions(DatabaseName=database, TableName="messages")["Partitions"]) == 2
