"""Which days a reports run builds: a manual run's from/to params, or the days named by the curated
Asset's triggering events."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from telegram_pipeline.lake import layout
from telegram_pipeline.orchestration.defaults import CURATED_MESSAGES_ASSET

log = logging.getLogger(__name__)


def _param_day(params: Mapping[str, Any], name: str) -> date | None:
    value = params.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(f"param {name!r} is {value!r}, not a day YYYY-MM-DD ({exc})") from None


def dates_to_report(params: Mapping[str, Any] | None, triggering_asset_events: Any) -> list[str]:
    """The days a reports DAG run builds: the params' from..to range when given (a manual run),
    else every date named in the ``extra["dates"]`` of the curated Asset's triggering events."""
    params = params or {}
    first, last = (_param_day(params, name) for name in ("from", "to"))
    if first or last:
        return [d.isoformat() for d in layout.days_between(first or last, last or first)]
    dates: set[str] = set()
    for asset, events in dict(triggering_asset_events or {}).items():
        if CURATED_MESSAGES_ASSET not in (getattr(asset, "name", None), getattr(asset, "uri", None), str(asset)):
            continue
        for event in events:
            for value in (getattr(event, "extra", None) or {}).get("dates", []):
                dates.add(date.fromisoformat(str(value)).isoformat())
    if not dates:
        log.warning(
            "no dates to report: no from/to params and no triggering %s event with dates", CURATED_MESSAGES_ASSET
        )
    return sorted(dates)
