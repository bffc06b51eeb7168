"""Which days a telegram_digest run covers: a manual run's date/days params, or the whole days (in
TIMEZONE) between the previous scheduled run and this one: a weekly run on Monday 09:00 covers Monday
to Sunday of the week before, a daily run the day before, a weekday run on Monday Friday to Sunday."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo


def digest_window(
    data_interval_start: datetime, data_interval_end: datetime, params: Mapping[str, Any] | None, timezone: str
) -> tuple[date, int]:
    """(last day, number of days) of the digest a run posts."""
    params = params or {}
    if params.get("date"):
        return date.fromisoformat(str(params["date"])), int(params.get("days") or 7)
    tz = ZoneInfo(timezone)
    first = data_interval_start.astimezone(tz).date()
    end = data_interval_end.astimezone(tz).date()
    return end - timedelta(days=1), max(1, (end - first).days)
