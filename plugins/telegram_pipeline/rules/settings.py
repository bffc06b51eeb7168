"""Settings read the same way by the webhook Lambda and the pipeline (both raise ValueError, saying what is wrong)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram_pipeline.rules.updates import is_chat_id

# The local default lake: ./data/ at the repository's root (plugins/telegram_pipeline/rules/ is three below).
DEFAULT_LAKE = Path(__file__).resolve().parents[3] / "data"

# How AWS clients retry: botocore's standard mode (throttling, 5xx and dropped connections, with
# backoff). A pipeline task can wait: five attempts, so a passing S3 or Glue error does not fail it.
# The webhook answers Telegram while it waits: three attempts with short timeouts, then a 503, and
# Telegram delivers the update again later. AWS_MAX_ATTEMPTS (botocore's own variable) overrides both.
# Attempts count the first try: botocore's "total_max_attempts" (its "max_attempts" counts retries).
TASK_MAX_ATTEMPTS = 5
WEBHOOK_MAX_ATTEMPTS = 3
WEBHOOK_TIMEOUTS = {"connect_timeout": 3, "read_timeout": 10}


def aws_retries(default_attempts: int, env: Mapping[str, str] = os.environ) -> dict:
    return {"mode": "standard", "total_max_attempts": int(env.get("AWS_MAX_ATTEMPTS") or default_attempts)}


def csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def chat_ids(value: str, name: str = "ALLOWED_CHAT_IDS") -> frozenset[int]:
    """A comma-separated list of Bot API chat ids."""
    ids = set()
    for part in csv(value):
        try:
            chat_id = int(part)
        except ValueError:
            chat_id = None
        if chat_id is None or not is_chat_id(chat_id):
            raise ValueError(f"{name}: {part!r} is not a chat id (an integer such as -1001234567890)")
        ids.add(chat_id)
    return frozenset(ids)


def time_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except Exception:
        raise ValueError(f"TIMEZONE: {name!r} is not an IANA time zone name (e.g. America/Sao_Paulo)") from None
