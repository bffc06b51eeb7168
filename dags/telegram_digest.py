"""telegram_digest: each group's digest, posted into Telegram by the bot on a schedule.

For every group of DIGEST_CHAT_IDS (`group_id`, or `group_id:target` to post to an admin chat or a
channel), one mapped task posts the digest of the whole days since the previous run: a message with
the period's messages and active members against the period before, the top posters, the top keywords,
a forum's busiest topics and the best time to post; then the group's report page (report.html) and a PNG
chart.

Schedule: DIGEST_SCHEDULE, cron in TIMEZONE (default Mondays 09:00: the week Monday..Sunday before).
Exactly once: each group, day and window has a delivery record under {REPORTS_URI}/digest/, written
after each send, so a retry or a rerun sends only what is missing; param "force" posts anew. A 429 is
waited out; a refusal (403 bot is not a member, 400 chat not found) fails the task at once, unretried.
Token: TELEGRAM_BOT_TOKEN, or the Airflow connection telegram_default (its password).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from airflow.sdk import DAG, Param, get_current_context, task
from telegram_pipeline import config
from telegram_pipeline.orchestration.defaults import DEFAULT_ARGS
from telegram_pipeline.orchestration.timetables import ZonedCronDataIntervalTimetable

TIMEZONE = config.setting("TIMEZONE")
SCHEDULE = config.setting("DIGEST_SCHEDULE")
START_DATE = date.fromisoformat(config.setting("START_DATE"))

with DAG(
    dag_id="telegram_digest",
    description="each group's digest (message, report page, chart) posted into Telegram, once",
    doc_md=__doc__,
    schedule=ZonedCronDataIntervalTimetable(SCHEDULE, TIMEZONE),
    start_date=datetime(START_DATE.year, START_DATE.month, START_DATE.day, tzinfo=ZoneInfo(TIMEZONE)),
    catchup=False,
    max_active_runs=1,
    params={
        "date": Param(None, type=["null", "string"], format="date", description="last day (manual runs)"),
        "days": Param(None, type=["null", "integer"], minimum=1, description="days ending on date (default 7)"),
        "force": Param(False, type="boolean", description="post again what was already delivered"),
    },
    default_args=DEFAULT_ARGS,
    tags=["telegram", "digest"],
) as dag:

    @task
    def groups_to_digest() -> list[int]:
        return [target.group_id for target in config.load().digest_chat_ids]

    @task(multiple_outputs=False, map_index_template="{{ digest_group }}")
    def post_digest(group: int, params=None, data_interval_start=None, data_interval_end=None) -> dict:
        from airflow.sdk.exceptions import AirflowFailException
        from telegram_pipeline.delivery import digest_posts
        from telegram_pipeline.orchestration.digest_window import digest_window

        get_current_context()["digest_group"] = str(group)
        last, days = digest_window(data_interval_start, data_interval_end, params, TIMEZONE)
        ((_, outcome),) = digest_posts.post_digests(last, days, groups=[group], force=bool(params.get("force")))
        if isinstance(outcome, digest_posts.NEVER_RETRIED):  # a refusal or a bad setting: retrying cannot help
            raise AirflowFailException(str(outcome))
        if isinstance(outcome, Exception):
            raise outcome
        return {"group": group, "status": outcome.status, "message_ids": outcome.message_ids}

    post_digest.expand(group=groups_to_digest())
