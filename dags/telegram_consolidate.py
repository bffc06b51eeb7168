"""telegram_consolidate: each day's raw Telegram updates → one Parquet partition, checked, catalogued.

The run for the interval [D 00:00, D+1 00:00) in TIMEZONE (the schedule says which zone) consolidates
day D and re-consolidates the LATE_DAYS days before it whose raw folders changed (updates that arrived
late), then checks every rewritten day and registers it in the catalog. It publishes the Asset the
reports schedule on, with the rewritten days in its extra: {"dates": ["YYYY-MM-DD", ...]}. A day
without updates gets no file (the reports count it as zero).

A range in one run (imported history, a backfill): **Trigger** with the form's *First day* and *Last
day* (params `from`, `to`): its days are consolidated in one pass, and the reports DAG builds each
window once. A range that ends before it starts fails at once, without retries.

Runs go one at a time, oldest first: each rewrites the days before its own. A failed task is retried
3 times (1, 2, 4 minutes apart); its last failure logs the task, the run, the error and the log's URL.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from airflow.sdk import DAG, Asset, Param, task
from telegram_pipeline import config
from telegram_pipeline.orchestration.defaults import CURATED_MESSAGES_ASSET, DAY_PARAM, DEFAULT_ARGS
from telegram_pipeline.orchestration.timetables import ZonedCronDataIntervalTimetable
from telegram_pipeline.rules.days import interval_day

TIMEZONE = config.setting("TIMEZONE")
START_DATE = date.fromisoformat(config.setting("START_DATE"))
CURATED_MESSAGES = Asset(CURATED_MESSAGES_ASSET)


with DAG(
    dag_id="telegram_consolidate",
    description=f"raw Telegram updates → daily Parquet partition, quality checks, catalog (days in {TIMEZONE})",
    doc_md=__doc__,
    schedule=ZonedCronDataIntervalTimetable("0 0 * * *", TIMEZONE),
    start_date=datetime(START_DATE.year, START_DATE.month, START_DATE.day, tzinfo=ZoneInfo(TIMEZONE)),
    catchup=True,
    # One run at a time: each run rewrites the LATE_DAYS days before its own, so neighbouring runs
    # touch the same partitions and manifests, and a run must see the manifests its predecessor left.
    max_active_runs=1,
    params={
        "from": Param(
            None,
            **DAY_PARAM,
            title="First day",
            description="First day of a range to consolidate in one run, YYYY-MM-DD (a manual run). Empty: the "
            "day of the run's interval.",
        ),
        "to": Param(
            None,
            **DAY_PARAM,
            title="Last day",
            description="Last day of the range, YYYY-MM-DD, on or after the first. Empty: the first day alone.",
        ),
    },
    default_args=DEFAULT_ARGS,
    tags=["telegram", "consolidation"],
) as dag:

    @task(multiple_outputs=False)
    def consolidate(data_interval_start=None, params=None) -> dict:
        from telegram_pipeline.lake import consolidate
        from telegram_pipeline.orchestration.day_params import day_range
        from telegram_pipeline.orchestration.defaults import input_errors_fail_at_once
        from telegram_pipeline.orchestration.task_logs import log_consolidation

        with input_errors_fail_at_once():
            first, last = day_range(params) or (interval_day(data_interval_start, ZoneInfo(TIMEZONE)),) * 2
        return log_consolidation(consolidate.consolidate_with_late_days(first, last=last))

    @task(multiple_outputs=False)
    def check_quality(consolidated: dict) -> list:
        from telegram_pipeline.lake import quality
        from telegram_pipeline.orchestration.task_logs import log_quality

        rewritten = {date.fromisoformat(r["day"]): r["rows"] for r in consolidated["results"] if not r["skipped"]}
        return log_quality(quality.check_days(rewritten))

    @task(multiple_outputs=False, outlets=[CURATED_MESSAGES])
    def register_in_catalog(consolidated: dict, *, outlet_events=None) -> dict:
        from telegram_pipeline.lake import catalog
        from telegram_pipeline.orchestration.task_logs import log_catalog

        registered = catalog.register_days([date.fromisoformat(d) for d in consolidated["dates"]])
        outlet_events[CURATED_MESSAGES].extra = {"dates": consolidated["dates"]}
        return log_catalog(registered)

    consolidated = consolidate()
    check_quality(consolidated) >> register_in_catalog(consolidated)
