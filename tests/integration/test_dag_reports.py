"""The telegram_reports DAG run for real with dag.test(): a manual range, no dates at all, and the
dates taken from the consolidation's Asset events."""

from __future__ import annotations

import runpy

import pyarrow.parquet as pq
import pytest
from telegram_pipeline.lake import storage
from telegram_pipeline.reports import definitions

from tests.support.curated_scenario import CHAT, write_scenario
from tests.support.paths import REPO

DAG_FILE = REPO / "dags" / "telegram_reports.py"


@pytest.fixture
def reports_dag(airflow_db):
    return runpy.run_path(str(DAG_FILE))["dag"]


def states(run) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for ti in run.get_task_instances():
        found.setdefault(ti.task_id, []).append(ti.state)
    return found


def test_schedule_params_and_retries(reports_dag):
    assert "telegram_curated_messages" in repr(reports_dag.timetable.asset_condition)
    assert set(reports_dag.params) == {"from", "to"}
    assert all(t.retries == 3 for t in reports_dag.tasks)


def test_manual_range_writes_every_day_and_window(reports_dag, monkeypatch):
    write_scenario(monkeypatch)
    run = reports_dag.test(run_conf={"from": "2026-03-10", "to": "2026-03-11"})
    assert states(run) == {"days_to_report": ["success"], "build_reports": ["success"]}  # one batch of both days
    store = storage.reports_store()
    keys = set(store.list())
    for day in ("2026-03-10", "2026-03-11"):
        for window in definitions.WINDOWS:
            assert f"html/context_date={day}/window={window}/index.html" in keys
            assert f"html/context_date={day}/window={window}/chat_id={CHAT}/report.html" in keys
            for report in definitions.REPORTS:
                assert f"{report}/context_date={day}/window={window}/data.parquet" in keys
    assert len(keys) == 2 * 3 * (len(definitions.REPORTS) + 2)
    volume = pq.read_table(store.url("daily_volume/context_date=2026-03-11/window=30d/data.parquet"))
    assert volume.num_rows == 30 and sum(volume.column("messages").to_pylist()) == 10
    day = pq.read_table(store.url("top_posters/context_date=2026-03-10/window=1d/data.parquet")).to_pylist()
    assert [(p["user_name"], p["messages"]) for p in day] == [("Alice Souza", 2), ("Grupo Python", 1)]

    again = reports_dag.test(run_conf={"from": "2026-03-10", "to": "2026-03-11"})
    assert states(again)["build_reports"] == ["success"]
    assert set(store.list()) == keys


def test_a_run_without_dates_builds_nothing(reports_dag):
    run = reports_dag.test()
    assert states(run)["days_to_report"] == ["success"]
    assert list(storage.reports_store().list()) == []


def test_asset_triggered_dates_come_from_the_events(reports_dag):
    """dag.test() makes no asset event, so the task gets the accessor Airflow builds for a real one."""
    from types import SimpleNamespace

    from airflow.sdk.execution_time.context import TriggeringAssetEventsAccessor

    def event(name: str, dates: list[str]):
        return SimpleNamespace(asset=SimpleNamespace(name=name, uri=name), source_aliases=[], extra={"dates": dates})

    accessor = TriggeringAssetEventsAccessor.build(
        [
            event("telegram_curated_messages", ["2026-03-11", "2026-03-10"]),
            event("telegram_curated_messages", ["2026-03-11"]),
            event("some_other_asset", ["2020-01-01"]),
        ]
    )
    task = reports_dag.get_task("days_to_report")
    chosen = task.python_callable(params={"from": None, "to": None}, triggering_asset_events=accessor)
    assert chosen == [["2026-03-10", "2026-03-11"]]  # one batch of consecutive days (DuckDB)
    manual = task.python_callable(params={"from": "2026-03-01", "to": "2026-03-02"}, triggering_asset_events=accessor)
    assert manual == [["2026-03-01", "2026-03-02"]]
