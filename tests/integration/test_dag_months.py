"""Months of a group through both DAGs the way Airflow users run a backfill on MWAA: one run of
telegram_consolidate with the months as its range, then telegram_reports over the days after the quiet weeks
(two batches of them). The partitions are those of the days consolidated one by one, and each day's reports
those of its windows built alone; the quiet days have no partition and count as zero. Four months hold every
case a year would (busy days, edits filed on their edit day, six quiet weeks, a 30-day window of quiet days,
more days to report than one task builds) at a third of a year's cost."""

from __future__ import annotations

import re
import runpy
from datetime import date, timedelta

import pyarrow.parquet as pq
import pytest
from telegram_pipeline.lake import consolidate, layout, storage
from telegram_pipeline.reports import build

from tests.support.dag_runs import asset_dates, task_states
from tests.support.paths import REPO
from tests.support.raw_updates import edit, message, put, unix

FIRST, LAST = date(2025, 1, 1), date(2025, 4, 30)
QUIET = (date(2025, 3, 1), date(2025, 4, 15))  # six weeks without a single update
# The reports of 32 days, two batches (31 days a task), from the quiet weeks to the first busy day after
# them (every day would take minutes: each day's three windows are built on their own), and the days
# compared with their windows built alone: a quiet day whose 30 days reach back to busy February, the last
# quiet day, the first day after them (still quiet: updates every fourth day), the first busy day again.
REPORTED = (date(2025, 3, 19), date(2025, 4, 19))
SAMPLED = [date(2025, 3, 19), date(2025, 4, 15), date(2025, 4, 16), date(2025, 4, 19)]


GENERATED = re.compile(rb"Generated \d{4}-\d\d-\d\d \d\d:\d\d UTC")


def seed_months() -> list[date]:
    """Three messages every fourth day but in the quiet weeks, an edit now and then (filed on its edit
    day), a reply; the days with updates."""
    busy = []
    for n in range((LAST - FIRST).days + 1):
        day = FIRST + timedelta(days=n)
        if n % 4 or QUIET[0] <= day <= QUIET[1]:
            continue
        busy.append(day)
        for i in range(3):
            update_id = 10 * n + i + 1
            extra = {"reply_to_message": {"message_id": update_id - 1}} if i == 2 else {}
            put(day, f"{update_id}.json", message(update_id, unix(day, 9 + i), "bom dia #corrida pessoal", **extra))
        if n % 20 == 0 and n:
            edited = day + timedelta(days=1)
            put(edited, f"{10 * n + 9}.json", edit(10 * n + 9, unix(day, 9), unix(edited, 8), message_id=10 * n + 1))
            busy.append(edited)
    return sorted(set(busy))


def files(uri: str, prefix: str = "") -> dict[str, bytes]:
    """Every file under ``prefix``; a page without the minute it was generated in."""
    store = storage.open_store(uri)
    return {key: GENERATED.sub(b"Generated", store.read(key)) for key in store.list(prefix)}


@pytest.fixture
def dags(airflow_db, monkeypatch):
    monkeypatch.setenv("START_DATE", FIRST.isoformat())
    return [runpy.run_path(str(REPO / "dags" / f"telegram_{name}.py"))["dag"] for name in ("consolidate", "reports")]


def test_months_through_both_dags_give_what_day_by_day_gives(dags, local_lake, monkeypatch):
    consolidate_dag, reports_dag = dags
    busy = seed_months()
    months = {"from": FIRST.isoformat(), "to": LAST.isoformat()}

    run = consolidate_dag.test(run_conf=months)
    assert set(task_states(run).values()) == {"success"}, task_states(run)
    [rewritten] = asset_dates(run)
    assert rewritten == [d.isoformat() for d in layout.days_between(FIRST, LAST)]  # each window once, below
    report_run = reports_dag.test(run_conf={"from": REPORTED[0].isoformat(), "to": REPORTED[1].isoformat()})
    built = [ti for ti in report_run.get_task_instances() if ti.task_id == "build_reports"]
    assert len(built) == 2 and {ti.state for ti in built} == {"success"}  # 32 days in batches of 31

    curated, reports = files(str(local_lake / "curated"), "messages"), files(str(local_lake / "reports"))
    assert sorted(curated) == [layout.partition_key(day) for day in busy]  # the quiet days: no file
    monkeypatch.setenv("CURATED_URI", str(local_lake / "by-day-curated"))
    monkeypatch.setenv("REPORTS_URI", str(local_lake / "by-day-reports"))
    for day in layout.days_between(FIRST, LAST):
        consolidate.consolidate_day(day)
    assert files(str(local_lake / "by-day-curated"), "messages") == curated
    for day in SAMPLED:
        build.build_day_windows(day)
    alone = files(str(local_lake / "by-day-reports"))
    assert len(alone) >= len(SAMPLED) * 3 * 12  # 11 tables and an index a window, and a page per group
    assert {key: data for key, data in reports.items() if key in alone} == alone

    volume = pq.read_table(local_lake / "reports" / "daily_volume/context_date=2025-04-16/window=30d/data.parquet")
    assert volume.num_rows == 30 and volume["messages"].to_pylist() == [0] * 30  # quiet days count as zero
