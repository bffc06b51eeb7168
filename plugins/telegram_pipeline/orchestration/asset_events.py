"""Which days a reports run builds: a manual run's from/to params, or every window that contains a day
the curated Asset's triggering events name as rewritten."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.lake import layout, storage
from telegram_pipeline.orchestration.defaults import CURATED_MESSAGES_ASSET
from telegram_pipeline.reports.definitions import WINDOWS

log = logging.getLogger(__name__)


def rewritten_dates(triggering_asset_events: Any) -> list[date]:
    """Every date named in the ``extra["dates"]`` of the curated Asset's triggering events."""
    dates: set[date] = set()
    for asset, events in dict(triggering_asset_events or {}).items():
        if CURATED_MESSAGES_ASSET not in (getattr(asset, "name", None), getattr(asset, "uri", None), str(asset)):
            continue
        for event in events:
            for value in (getattr(event, "extra", None) or {}).get("dates", []):
                dates.add(date.fromisoformat(str(value)))
    return sorted(dates)


def _reported(day: date, reports: storage.Store) -> bool:
    # The first file a day's build writes (build_day_windows: window 1d first).
    return reports.exists(f"daily_volume/context_date={day.isoformat()}/window=1d/{layout.DATA_FILE}")


def _param_day(params: Mapping[str, Any], name: str) -> date | None:
    value = params.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(f"param {name!r} is {value!r}, not a day YYYY-MM-DD ({exc})") from None


def days_containing(rewritten: Iterable[date], settings: config.Settings | None = None) -> list[date]:
    """The days whose windows contain a rewritten day D: D itself, and every day after it within the
    longest window (D+1 .. D+29) whose reports already exist and whose partition is consolidated. A late
    or rerun day changes the 7- and 30-day reports of the days after it, not only its own."""
    settings = settings or config.load()
    rewritten = set(rewritten)
    reports, curated = storage.reports_store(settings), storage.curated_store(settings)
    later = {day + timedelta(days=n) for day in rewritten for n in range(1, max(WINDOWS.values()))} - rewritten
    kept = {day for day in later if _reported(day, reports) and curated.exists(layout.partition_key(day))}
    return sorted(rewritten | kept)


def dates_to_report(
    params: Mapping[str, Any] | None, triggering_asset_events: Any, settings: config.Settings | None = None
) -> list[str]:
    """The days a reports DAG run builds: the params' from..to range when given (a manual run), else
    every day whose windows contain a date named by the curated Asset's triggering events."""
    params = params or {}
    first, last = (_param_day(params, name) for name in ("from", "to"))
    if first or last:
        return [d.isoformat() for d in layout.days_between(first or last, last or first)]
    rewritten = rewritten_dates(triggering_asset_events)
    if not rewritten:
        log.warning(
            "no dates to report: no from/to params and no triggering %s event with dates", CURATED_MESSAGES_ASSET
        )
        return []
    days = days_containing(rewritten, settings)
    log.info("rewritten days %s: rebuilding the windows of %s", [d.isoformat() for d in rewritten], len(days))
    return [d.isoformat() for d in days]
