"""The pipeline's settings: one place, read from environment variables with the same names
in the Lambda, the CLI and the DAGs.

With nothing set, every location defaults to a local lake under ``./data/`` at the repository's
root, so the embedded default needs no AWS at all.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

from telegram_pipeline.rules import settings as rules
from telegram_pipeline.rules.updates import is_chat_id

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_LAKE = rules.DEFAULT_LAKE

# name -> (default, description). The docs' Configuration page renders its table from this.
SETTINGS: dict[str, tuple[str, str]] = {
    "RAW_URI": (
        str(DEFAULT_LAKE / "raw"),
        "Raw zone: every update verbatim as JSON, `context_date=YYYY-MM-DD/{update_id}.json`; imported "
        "history as one JSON-lines object per chat and day in the same folders.",
    ),
    "CURATED_URI": (str(DEFAULT_LAKE / "curated"), "Curated zone: the date-partitioned Parquet `messages` table."),
    "REPORTS_URI": (str(DEFAULT_LAKE / "reports"), "Report tables (Parquet) and HTML pages."),
    "QUARANTINE_URI": ("", "Where bad raw objects go with their reason. Default: `{RAW_URI}/_quarantine`."),
    "TIMEZONE": ("UTC", "IANA time zone of the group: day boundaries, partitions, the activity heatmap."),
    "ALLOWED_CHAT_IDS": ("", "Comma-separated chat ids the webhook keeps; empty keeps none."),
    "WEBHOOK_SECRET": ("", "The `secret_token` given to Telegram's setWebhook; checked on every call."),
    "WEBHOOK_SECRET_PARAM": (
        "",
        "Instead of WEBHOOK_SECRET: an SSM parameter name, or a Secrets Manager ARN/name prefixed `secretsmanager:`.",
    ),
    "TELEGRAM_BOT_TOKEN": (
        "",
        "The bot's token, for `webhook set|info|delete` and `digest`. On Airflow, unset: the connection "
        "`telegram_default` (its password) is read instead, e.g. from Secrets Manager.",
    ),
    "TELEGRAM_API_URL": (
        "https://api.telegram.org",
        "Base URL of the Bot API for `webhook` and `digest` (a local stand-in in tests and the demo).",
    ),
    "DIGEST_CHAT_IDS": (
        "",
        "Comma-separated groups that get a digest: `group_id` (posted into the group) or "
        "`group_id:target` (posted to another chat id or `@channel`).",
    ),
    "DIGEST_SCHEDULE": (
        "0 9 * * 1",
        "Cron (in TIMEZONE) of the `telegram_digest` DAG; each run covers the whole days since the previous one.",
    ),
    "AWS_ENDPOINT_URL": (
        "",
        "Endpoint for every AWS client (S3, Glue, Athena, pyarrow's S3): MinIO or moto in development.",
    ),
    "AWS_REGION": ("us-east-1", "Region of the AWS clients (AWS_DEFAULT_REGION is honoured too)."),
    "CATALOG": ("auto", "`glue`, `duckdb` or `auto` (Glue when CURATED_URI is on S3, else a local DuckDB catalog)."),
    "CATALOG_DB_PATH": ("", "DuckDB catalog file of the local default. Default: `{CURATED_URI}/catalog.duckdb`."),
    "GLUE_DATABASE": ("telegram_analytics", "Glue database (and Athena schema) of the `messages` table."),
    "PARTITION_PROJECTION": ("false", "`true`: the Glue table uses partition projection; no per-day registration."),
    "REPORT_ENGINE": ("duckdb", "`duckdb` (local or on the worker) or `athena`."),
    "ATHENA_WORKGROUP": ("primary", "Athena workgroup for the reports."),
    "ATHENA_OUTPUT_URI": ("", "s3:// location for Athena query results (when the workgroup does not set one)."),
    "START_DATE": ("2026-01-01", "First day the consolidation DAG schedules (catchup starts here)."),
    "LATE_DAYS": ("2", "Days looked back on each run, so updates arriving up to 48 h late land in their day."),
    "MAX_BAD_SHARE": ("0.05", "Share of bad raw objects in a day above which consolidation fails."),
    "ALLOW_EMPTYING_DAYS": (
        "false",
        "`true` lets a day whose raw folder lists nothing replace a curated partition that has rows "
        "(its raw objects were removed on purpose); otherwise that day fails.",
    ),
    "CONSOLIDATE_PROCESSES": (
        "auto",
        "Processes a large day or a range is consolidated over: `auto`, one per core (at most 4) for "
        "20,000 updates or more and one below that; or a number, `1` for this process alone. A daemonic "
        "process (a Celery worker's task) always uses one.",
    ),
    "TRACKED_KEYWORDS": ("", "Comma-separated keywords always reported, even at zero."),
    "INCLUDE_BOTS": ("false", "`true` counts bots' messages in every report (left out by default)."),
    "CONVERSATION_GAP_MINUTES": (
        "30",
        "Minutes of silence after which a message opens a new conversation (1–1440; the conversations report).",
    ),
    "QUESTION_ANSWER_HOURS": (
        "24",
        "Hours a question may wait for a reply from another member before it counts as unanswered "
        "(the questions reports; 1 or more).",
    ),
    "SURGE_MIN_MESSAGES": (
        "5",
        "Messages a term needs on a day to surge (besides more than three times its mean per day over the "
        "28 days before; 1 or more).",
    ),
    "PSEUDONYMIZE_KEY": (
        "",
        "When set, senders become a keyed hash in curated and report layers, and names are dropped.",
    ),
}


class DigestTarget(NamedTuple):
    """A group whose digest is posted, and the chat it is posted to (the group itself, another chat, a @channel)."""

    group_id: int
    chat_id: int | str


CHANNEL_USERNAME = re.compile(r"^@[A-Za-z][A-Za-z0-9_]{3,31}$")


def digest_targets(value: str) -> tuple[DigestTarget, ...]:
    """DIGEST_CHAT_IDS: ``group_id`` or ``group_id:target`` items, comma-separated, each group once."""
    targets: dict[int, DigestTarget] = {}
    for item in rules.csv(value):
        group_text, _, target_text = (part.strip() for part in item.partition(":"))
        group = _chat_id(group_text)
        target = (
            (target_text if CHANNEL_USERNAME.match(target_text) else _chat_id(target_text)) if target_text else group
        )
        if group is None or target is None:
            raise ValueError(
                f"DIGEST_CHAT_IDS: {item!r} is not group_id or group_id:target (chat ids such as -1001234567890, "
                "or a @channel as the target)"
            )
        if group in targets:
            raise ValueError(f"DIGEST_CHAT_IDS: group {group} is listed twice")
        targets[group] = DigestTarget(group, target)
    return tuple(targets.values())


def _chat_id(text: str) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if is_chat_id(value) else None


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _minutes(value: str) -> int:
    try:
        minutes = int(value)
    except ValueError:
        raise ValueError(f"CONVERSATION_GAP_MINUTES: {value!r} is not a whole number of minutes") from None
    if not 1 <= minutes <= 24 * 60:
        raise ValueError(f"CONVERSATION_GAP_MINUTES: {minutes} must be 1 to 1440")
    return minutes


def _processes(value: str) -> int | None:
    return None if value.strip().lower() == "auto" else _at_least_one("CONSOLIDATE_PROCESSES", value)


def _at_least_one(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name}: {value!r} is not a whole number") from None
    if number < 1:
        raise ValueError(f"{name}: {number} must be 1 or more")
    return number


def _join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts)])


@dataclass(frozen=True)
class Settings:
    raw_uri: str
    curated_uri: str
    reports_uri: str
    quarantine_uri: str
    timezone: str
    allowed_chat_ids: frozenset[int]
    webhook_secret: str = field(repr=False)
    webhook_secret_param: str
    telegram_bot_token: str = field(repr=False)
    telegram_api_url: str
    digest_chat_ids: tuple[DigestTarget, ...]
    digest_schedule: str
    aws_endpoint_url: str | None
    aws_region: str
    catalog: str
    catalog_db_path: str
    glue_database: str
    partition_projection: bool
    report_engine: str
    athena_workgroup: str
    athena_output_uri: str
    start_date: str
    late_days: int
    max_bad_share: float
    allow_emptying_days: bool
    consolidate_processes: int | None  # None: one per core
    tracked_keywords: tuple[str, ...]
    include_bots: bool
    conversation_gap_minutes: int
    question_answer_hours: int
    surge_min_messages: int
    pseudonymize_key: str = field(repr=False)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str) -> str:
            return setting(name, env)

        raw_uri = get("RAW_URI")
        curated_uri = get("CURATED_URI")
        timezone = get("TIMEZONE")
        rules.time_zone(timezone)
        catalog = get("CATALOG").lower()
        if catalog not in {"auto", "glue", "duckdb"}:
            raise ValueError(f"CATALOG: {catalog!r} must be auto, glue or duckdb")
        report_engine = get("REPORT_ENGINE").lower()
        if report_engine not in {"duckdb", "athena"}:
            raise ValueError(f"REPORT_ENGINE: {report_engine!r} must be duckdb or athena")
        return cls(
            raw_uri=raw_uri,
            curated_uri=curated_uri,
            reports_uri=get("REPORTS_URI"),
            quarantine_uri=get("QUARANTINE_URI") or _join(raw_uri, "_quarantine"),
            timezone=timezone,
            allowed_chat_ids=rules.chat_ids(get("ALLOWED_CHAT_IDS")),
            webhook_secret=get("WEBHOOK_SECRET"),
            webhook_secret_param=get("WEBHOOK_SECRET_PARAM"),
            telegram_bot_token=get("TELEGRAM_BOT_TOKEN"),
            telegram_api_url=get("TELEGRAM_API_URL").rstrip("/"),
            digest_chat_ids=digest_targets(get("DIGEST_CHAT_IDS")),
            digest_schedule=get("DIGEST_SCHEDULE"),
            aws_endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
            aws_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or SETTINGS["AWS_REGION"][0],
            catalog=catalog,
            catalog_db_path=get("CATALOG_DB_PATH") or _join(curated_uri, "catalog.duckdb"),
            glue_database=get("GLUE_DATABASE"),
            partition_projection=_flag(get("PARTITION_PROJECTION")),
            report_engine=report_engine,
            athena_workgroup=get("ATHENA_WORKGROUP"),
            athena_output_uri=get("ATHENA_OUTPUT_URI"),
            start_date=get("START_DATE"),
            late_days=int(get("LATE_DAYS")),
            max_bad_share=float(get("MAX_BAD_SHARE")),
            allow_emptying_days=_flag(get("ALLOW_EMPTYING_DAYS")),
            consolidate_processes=_processes(get("CONSOLIDATE_PROCESSES")),
            tracked_keywords=tuple(k.lower() for k in rules.csv(get("TRACKED_KEYWORDS"))),
            include_bots=_flag(get("INCLUDE_BOTS")),
            conversation_gap_minutes=_minutes(get("CONVERSATION_GAP_MINUTES")),
            question_answer_hours=_at_least_one("QUESTION_ANSWER_HOURS", get("QUESTION_ANSWER_HOURS")),
            surge_min_messages=_at_least_one("SURGE_MIN_MESSAGES", get("SURGE_MIN_MESSAGES")),
            pseudonymize_key=get("PSEUDONYMIZE_KEY"),
        )


def setting(name: str, env: Mapping[str, str] | None = None) -> str:
    """One setting's text as the environment gives it, else its default; unchecked. For what must read a
    setting without building the whole ``Settings``: a DAG file at parse time."""
    return (os.environ if env is None else env).get(name) or SETTINGS[name][0]


def load() -> Settings:
    """The settings as the environment says now (read on every call: tests and tasks change it)."""
    return Settings.from_env()


def setting_names() -> list[str]:
    return list(SETTINGS)


def sql_dir() -> Path:
    """Where the SQL files are: ``include/sql`` in the repository, or under the DAGs folder on MWAA,
    which ships only the ``dags/`` prefix (the bundle puts ``include/`` there)."""
    candidates = [os.environ.get("SQL_DIR", ""), str(REPO_ROOT / "include" / "sql")]
    for dags in (
        os.environ.get("AIRFLOW__CORE__DAGS_FOLDER"),
        os.path.join(os.environ.get("AIRFLOW_HOME", ""), "dags"),
    ):
        if dags:
            candidates.append(os.path.join(dags, "include", "sql"))
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    raise FileNotFoundError(f"no include/sql folder found; looked in {[c for c in candidates if c]} (set SQL_DIR)")


def read_sql(name: str) -> str:
    return (sql_dir() / name).read_text(encoding="utf-8")


assert {f.name.upper() for f in fields(Settings)} == set(SETTINGS), "Settings and SETTINGS must list the same names"
