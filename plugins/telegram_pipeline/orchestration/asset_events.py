"""Which days a reports run builds: a manual run's from/to params, or every window that contains a day
the curated Asset's triggering events name as rewritten."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.lake import layout, storage
from telegram_pipeline.orchestration.day_params import day_range
from telegram_pipeline.orchestration.defaults import CURATED_MESSAGES_ASSET
from telegram_pipeline.reports.definitions import WINDOWS

log = logging.getLogger(__name__)
# Days whose windows one task of the reports DAG builds, one after another in one DuckDB session.
DAYS_PER_TASK = 31


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


def _first_report_key(day: date) -> str:
    # A file every build of a day writes (build_day_windows: its 1-day volume).
    return f"daily_volume/context_date={day.isoformat()}/window=1d/{layout.DATA_FILE}"


def days_containing(rewritten: Iterable[date], settings: config.Settings | None = None) -> list[date]:
    """The days whose windows contain a rewritten day D: D itself, and every day after it within the
    longest window (D+1 .. D+29) whose reports already exist, a day without updates (no partition)
    included. A late or rerun day changes the 7- and 30-day reports of the days after it, not only its own."""
    settings = settings or config.load()
    rewritten = set(rewritten)
    reports = storage.reports_store(settings)
    later = sorted({day + timedelta(days=n) for day in rewritten for n in range(1, max(WINDOWS.values()))} - rewritten)
    reported = reports.existing([_first_report_key(day) for day in later])
    return sorted(rewritten | {date.fromisoformat(key.split("context_date=")[1][:10]) for key in reported})


def in_batches(days: list[str], size: int | None = None) -> list[list[str]]:
    """The days, in order, in batches of up to DAYS_PER_TASK, each built by one task (one DuckDB session)."""
    size = size or DAYS_PER_TASK
    return [days[i : i + size] for i in range(0, len(days), size)]


def dates_to_report(
    params: Mapping[str, Any] | None, triggering_asset_events: Any, settings: config.Settings | None = None
) -> list[str]:
    """The days a reports DAG run builds: the params' from..to range when given (a manual run), else
    every day whose windows contain a date named by the curated Asset's triggering events."""
    given = day_range(params)
    if given is not None:
        return [d.isoformat() for d in layout.days_between(*given)]
    rewritten = rewritten_dates(triggering_asset_events)
    if not rewritten:
        log.warning(
            "no dates to report: no from/to params and no triggering %s event with dates", CURATED_MESSAGES_ASSET
        )
        return []
    days = days_containing(rewritten, settings)
    log.info("rewritten days %s: rebuilding the windows of %s", [d.isoformat() for d in rewritten], len(days))
    return [d.isoformat() for d in days]
