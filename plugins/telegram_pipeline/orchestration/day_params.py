"""The days a manual DAG run is given in its params form: ``from`` (First day) and ``to`` (Last day),
``YYYY-MM-DD``, the last defaulting to the first."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any


def param_day(params: Mapping[str, Any], name: str) -> date | None:
    value = params.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(f"param {name!r} is {value!r}, not a day YYYY-MM-DD ({exc})") from None


def day_range(params: Mapping[str, Any] | None) -> tuple[date, date] | None:
    """(first, last) of the params, None when neither is given; a ValueError for a bad day or a range
    that ends before it starts."""
    params = params or {}
    first, last = (param_day(params, name) for name in ("from", "to"))
    if not (first or last):
        return None
    first, last = first or last, last or first
    if last < first:
        raise ValueError(f"the range ends ({last}) before it starts ({first})")
    return first, last
