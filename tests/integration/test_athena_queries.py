"""Athena as Airflow does it: idempotency tokens and a deferred wait. moto runs Athena's API but never
SQL and ignores ClientRequestToken, so these run against the stand-in of tests/support/aws_standin.py, which
answers a repeated token as Athena does (the same execution, nothing started) and can make a query
fail; moto's state manager keeps queries RUNNING for a few polls. What the SQL computes is proved on
DuckDB (tests/unit/test_report_sql_athena.py); here: what is submitted, how often, and how it is waited on."""

from __future__ import annotations

import inspect
import io
import runpy
from datetime import date, timedelta

import pyarrow.parquet as pq
import pytest
import requests
from telegram_pipeline import config
from telegram_pipeline.lake import layout, storage
from telegram_pipeline.orchestration.athena_queries import AthenaReportQueries
from telegram_pipeline.reports import athena_engine, definitions
from telegram_pipeline.reports import build as reports

from tests.support.athena_results import athena_rows
from tests.support.curated_scenario import write_scenario
from tests.support.paths import REPO

DAY = date(2026, 3, 11)
QUERIES_PER_DAY = len(definitions.REPORTS) * len(definitions.WINDOWS)  # every report x 3 windows


@pytest.fixture
def athena_lake(s3_lake, aws_standin, monkeypatch):
    """The reports' scenario in the S3 lake, Athena settings, and moto behind the stand-in."""
    write_scenario(monkeypatch)
    monkeypatch.setenv("GLUE_DATABASE", "telegram_test")
    monkeypatch.setenv("ATHENA_WORKGROUP", "primary")
    monkeypatch.setenv("ATHENA_OUTPUT_URI", f"s3://{s3_lake['bucket']}/athena-results/")
    return aws_standin


@pytest.fixture
def queries_take_a_while(moto_server):
    """Each Athena query moves QUEUED -> RUNNING -> SUCCEEDED one step per two GetQueryExecution calls."""
    api = f"{moto_server}/moto-api/state-manager"
    transition = {"model_name": "athena::execution", "transition": {"progression": "manual", "times": 2}}
    assert requests.post(f"{api}/set-transition", json=transition).status_code == 201
    yield
    requests.post(f"{api}/unset-transition", json={"model_name": "athena::execution"})


def ids(submitted: dict) -> list[str]:
    return [query_id for reports_ in submitted["windows"].values() for query_id in reports_.values()]


def rewrite_partition(day: date, rows: int) -> None:
    """The curated partition of ``day`` rewritten (late data): the first ``rows`` rows of DAY's."""
    store = storage.curated_store()
    table = pq.read_table(io.BytesIO(store.read(layout.partition_key(DAY)))).slice(0, rows)
    store.write(layout.partition_key(day), layout.parquet_bytes(table))


# -- submitted once, again only what changed -----------------------------------------------------


def test_a_retry_runs_nothing_again_and_a_rewritten_partition_only_the_queries_that_read_it(athena_lake):
    first = athena_engine.submit_day_windows(DAY)
    assert len(set(ids(first))) == QUERIES_PER_DAY == len(athena_lake.athena_started)
    assert athena_engine.submit_day_windows(DAY) == first  # a retry of the task: the same executions
    assert len(athena_lake.athena_started) == QUERIES_PER_DAY

    # Every window reads the whole history up to its day (migrations, first messages, usernames): a
    # partition rewritten before the day runs every query again; one after it, none.
    rewrite_partition(DAY - timedelta(days=20), rows=2)
    late = athena_engine.submit_day_windows(DAY)
    assert set(ids(late)).isdisjoint(ids(first))
    assert len(athena_lake.athena_started) == 2 * QUERIES_PER_DAY
    rewrite_partition(DAY + timedelta(days=5), rows=1)
    assert athena_engine.submit_day_windows(DAY) == late
    assert len(athena_lake.athena_started) == 2 * QUERIES_PER_DAY


def test_a_failed_query_is_submitted_anew_on_retry_and_the_others_are_not(athena_lake):
    first = athena_engine.submit_day_windows(DAY)
    failed = first["windows"]["7d"]["keywords"]
    athena_lake.athena_failing.add(failed)
    hook = athena_engine.athena_hook(config.load())
    with pytest.raises(athena_engine.AthenaQueryFailed, match=f"{failed} FAILED: injected by the stand-in"):
        athena_engine.raise_for_failures(athena_engine.states(ids(first), hook), hook)
    retry = athena_engine.submit_day_windows(DAY)
    assert retry["windows"]["7d"]["keywords"] != failed
    assert set(ids(retry)) - {retry["windows"]["7d"]["keywords"]} == set(ids(first)) - {failed}
    assert len(athena_lake.athena_started) == QUERIES_PER_DAY + 1
    assert athena_engine.submit_day_windows(DAY) == retry  # and the chained token is stable too


# -- waited on deferred --------------------------------------------------------------------------


def test_the_wait_is_deferred_to_the_providers_trigger_and_resumes_until_all_succeeded(
    athena_lake, queries_take_a_while
):
    from airflow.sdk.exceptions import TaskDeferred

    operator = AthenaReportQueries(task_id="run_athena_queries", day=DAY.isoformat())
    deferrals, done = [], None
    try:
        operator.execute({})
    except TaskDeferred as first:
        deferred = first
    while done is None:
        deferrals.append(deferred)
        classpath, kwargs = deferred.trigger.serialize()
        assert classpath == "airflow.providers.amazon.aws.triggers.athena.AthenaTrigger"
        assert kwargs["query_execution_id"] in ids(deferred.kwargs["submitted"])
        assert kwargs["waiter_delay"] == 30 and kwargs["waiter_max_attempts"] == 60  # 30 minutes
        assert kwargs["botocore_config"] == {"retries": {"mode": "standard", "total_max_attempts": 5}}
        assert timedelta(minutes=29) < deferred.timeout <= timedelta(minutes=30)
        assert deferred.method_name == "resume"
        event = {"status": "success", "value": kwargs["query_execution_id"]}
        try:
            done = operator.resume({}, event=event, **deferred.kwargs)
        except TaskDeferred as again:
            deferred = again
    assert len(deferrals) == 2  # RUNNING at the first two checks, SUCCEEDED at the third
    assert done == deferrals[0].kwargs["submitted"] and len(ids(done)) == QUERIES_PER_DAY
    assert len(athena_lake.athena_started) == QUERIES_PER_DAY


def test_a_query_that_fails_or_outlasts_the_wait_fails_the_task(athena_lake, queries_take_a_while):
    from airflow.sdk.exceptions import TaskDeferred

    operator = AthenaReportQueries(task_id="run_athena_queries", day=DAY.isoformat())
    with pytest.raises(TaskDeferred) as deferred:
        operator.execute({})
    submitted, deadline = deferred.value.kwargs["submitted"], deferred.value.kwargs["deadline"]
    with pytest.raises(athena_engine.AthenaQueryFailed, match="still running at the deadline"):
        operator.resume({}, event={"status": "error"}, submitted=submitted, deadline=0.0)
    athena_lake.athena_failing.add(ids(submitted)[0])
    with pytest.raises(athena_engine.AthenaQueryFailed, match="injected by the stand-in"):
        operator.resume({}, event={"status": "error"}, submitted=submitted, deadline=deadline)


def test_the_reports_dag_on_athena_submits_waits_deferred_and_writes_what_duckdb_writes(
    athena_lake, queries_take_a_while, airflow_db, monkeypatch, moto_server
):
    settings = config.load()
    expected = {}  # window -> report -> table, as DuckDB builds it
    results = []  # what moto answers the queries with, in the order they are submitted
    for window, days in definitions.WINDOWS.items():
        rng = definitions.ReportRange.from_settings(DAY - timedelta(days=days - 1), DAY, settings)
        expected[window] = reports.build(rng, settings, engine="duckdb")
        results += [{"rows": athena_rows(expected[window][r]), "column_info": []} for r in definitions.REPORTS]
    assert requests.post(f"{moto_server}/moto-api/static/athena/query-results", json={"results": results}).ok

    monkeypatch.setenv("REPORT_ENGINE", "athena")
    # The trigger waits poll_seconds between its checks (30 in production): 1 here, the same states seen.
    monkeypatch.setitem(inspect.unwrap(AthenaReportQueries.__init__).__kwdefaults__, "poll_seconds", 1)
    dag = runpy.run_path(str(REPO / "dags" / "telegram_reports.py"))["dag"]
    assert {t.task_id for t in dag.tasks} == {"days_to_report", "run_athena_queries", "write_athena_reports"}
    run = dag.test(run_conf={"from": DAY.isoformat(), "to": DAY.isoformat()})
    assert {ti.task_id: ti.state for ti in run.get_task_instances()} == dict.fromkeys(
        ("days_to_report", "run_athena_queries", "write_athena_reports"), "success"
    )
    assert len(athena_lake.athena_started) == QUERIES_PER_DAY  # resumed without running a query twice
    store = storage.reports_store(settings)
    for window in definitions.WINDOWS:
        for report in definitions.REPORTS:
            written = pq.read_table(
                io.BytesIO(store.read(reports.window_prefix(report, DAY, window) + "/data.parquet"))
            )
            assert written.to_pylist() == expected[window][report].to_pylist(), (window, report)
