"""telegram_reports: every group's reports (top posters, keywords, activity heatmap, daily volume, …) and
HTML pages, for the day, the 7 and the 30 days ending on each day to rebuild.

Runs when telegram_consolidate updates the Asset "telegram_curated_messages" (its extra names the
days it rewrote: {"dates": [...]}) and rebuilds every window containing one of them, each once: the
day's own, and those of the following 29 days that were already built. Or on demand: **Trigger** with
the form's *First day* and *Last day* (params `from`, `to`, `YYYY-MM-DD`) to rebuild every day of a
range; a range that ends before it starts fails at once, without retries. Output, per window W (1d,
7d, 30d): {REPORTS_URI}/{report}/context_date=D/window=W/data.parquet (every group, a chat_id column)
and {REPORTS_URI}/html/context_date=D/window=W/chat_id=<id>/report.html with index.html beside them,
each folder replaced whole, so reruns leave the same files. REPORT_ENGINE duckdb: each mapped task
builds up to 31 consecutive days in one session, named by its days; athena: each day's queries are
submitted with idempotency tokens and waited on deferred (no worker slot held, up to 30 minutes), then
written, each mapped task named by its day.
"""

from __future__ import annotations

from datetime import date

from airflow.sdk import DAG, Asset, Param, task
from telegram_pipeline import config
from telegram_pipeline.orchestration.defaults import CURATED_MESSAGES_ASSET, DAY_PARAM, DAYS_MAP_INDEX, DEFAULT_ARGS

CURATED_MESSAGES = Asset(CURATED_MESSAGES_ASSET)
REPORT_ENGINE = config.setting("REPORT_ENGINE").lower()

with DAG(
    dag_id="telegram_reports",
    description="daily, 7-day and 30-day reports (Parquet + HTML) for each consolidated day",
    doc_md=__doc__,
    schedule=[CURATED_MESSAGES],
    catchup=False,
    max_active_runs=1,
    params={
        "from": Param(
            None,
            **DAY_PARAM,
            title="First day",
            description="First day to rebuild, YYYY-MM-DD (a manual run). Empty: the days of the triggering "
            "Asset events. Given, it overrides them.",
        ),
        "to": Param(
            None,
            **DAY_PARAM,
            title="Last day",
            description="Last day to rebuild, YYYY-MM-DD, on or after the first. Empty: the first day alone.",
        ),
    },
    default_args=DEFAULT_ARGS,
    tags=["telegram", "reports"],
) as dag:

    @task
    def days_to_report(params=None, triggering_asset_events=None) -> list:
        from telegram_pipeline.orchestration import asset_events
        from telegram_pipeline.orchestration.defaults import input_errors_fail_at_once
        from telegram_pipeline.orchestration.task_logs import log_days

        with input_errors_fail_at_once():
            days = log_days(asset_events.dates_to_report(params, triggering_asset_events))
        return days if REPORT_ENGINE == "athena" else asset_events.in_batches(days)

    # Two batches at a time: each day's windows hold up to 32 days of curated data in DuckDB on the worker.
    @task(multiple_outputs=False, max_active_tis_per_dagrun=2, map_index_template=DAYS_MAP_INDEX)
    def build_reports(days: list[str]) -> list:
        from telegram_pipeline.orchestration.task_logs import log_reports
        from telegram_pipeline.reports import build

        return [log_reports(built) for built in build.build_days_windows([date.fromisoformat(d) for d in days])]

    @task(multiple_outputs=False, map_index_template="{{ task.op_kwargs['queries']['day'] }}")
    def write_athena_reports(queries: dict) -> dict:
        from telegram_pipeline.orchestration.task_logs import log_reports
        from telegram_pipeline.reports import build

        day = date.fromisoformat(queries["day"])
        return log_reports(build.build_day_windows(day, athena_queries=queries["windows"]))

    if REPORT_ENGINE == "athena":
        from telegram_pipeline.orchestration.athena_queries import AthenaReportQueries

        queries = AthenaReportQueries.partial(task_id="run_athena_queries", map_index_template="{{ task.day }}").expand(
            day=days_to_report()
        )
        write_athena_reports.expand(queries=queries.output)
    else:
        build_reports.expand(days=days_to_report())
