"""The day an update belongs to: the one partition rule of the raw zone and the curated table.

An update belongs to the day, in the group's TIMEZONE, of its event time: ``edit_date`` for an edit,
``date`` for everything else. A time that is not a real Telegram time (missing, not an integer, 0,
or from 2100 on) is no time at all: the parser keeps NULL, and the webhook files the update by the
moment it received it. The webhook files, the consolidation checks and the quality check verify with
these same functions, so a day's folder and its partition always agree.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram_pipeline.rules.updates import EDIT_TYPES

# 2100-01-01T00:00:00Z: Telegram dates are Unix seconds after 1970 and before this.
MAX_UNIX_TIME = 4_102_444_800


def unix_time(value: Any) -> int | None:
    """``value`` when it is a real Telegram time (Unix seconds), else None."""
    return value if type(value) is int and 0 < value < MAX_UNIX_TIME else None


def event_time(update_type: str | None, sent: Any, edited: Any) -> int | None:
    """The time an update is filed by: ``edited`` (its ``edit_date``) for an edit, else ``sent`` (its ``date``)."""
    if update_type in EDIT_TYPES and (moment := unix_time(edited)) is not None:
        return moment
    return unix_time(sent)


def day_of(moment: float, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(moment, tz).date()


def filed_day(update_type: str | None, sent: Any, edited: Any, tz: ZoneInfo, received: float) -> date:
    """The day the webhook files an update under: its event time's, or, without one, its receive time's."""
    moment = event_time(update_type, sent, edited)
    return day_of(received if moment is None else moment, tz)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[int, int]:
    """[start, end) of ``day`` in ``tz`` as Unix seconds (23 or 25 hours long on DST days)."""
    following = day + timedelta(days=1)
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    end = datetime(following.year, following.month, following.day, tzinfo=tz)
    return int(start.timestamp()), int(end.timestamp())


def interval_day(data_interval_start: datetime, tz: ZoneInfo) -> date:
    """The day a daily DAG run covers: its data interval's start (Airflow gives it in UTC) in ``tz``."""
    return data_interval_start.astimezone(tz).date()
