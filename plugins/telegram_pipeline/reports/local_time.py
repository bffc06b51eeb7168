"""The local time of a UTC instant in the reports' time zone: ``local_time_of(ts, timezone)`` in the
report SQL, which means ``ts AT TIME ZONE timezone``.

DuckDB answers ``AT TIME ZONE`` through ICU's calendar, row by row: over a second of CPU for the 3
million messages of a 30-day report. A zone's offset only changes at its transitions, so for the
instants of the span being built the DuckDB engine defines the macro as the instant plus the offset
in force, the offsets and transitions taken from Python's zoneinfo; any other instant, or another
zone, goes to ``AT TIME ZONE`` itself. Athena has no macros: ``reports/sql.py`` writes the call as
``AT TIME ZONE``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MACRO = "local_time_of"
# Transitions are searched for in steps this long (no zone has had two within one), then to the second.
STEP = timedelta(minutes=15)
MARGIN = timedelta(days=2)


def _offset(zone: ZoneInfo, instant: datetime) -> int:
    return int(instant.astimezone(zone).utcoffset().total_seconds())


def _transition(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The first second at which the offset differs from the one at ``before`` (it does at ``after``)."""
    offset = _offset(zone, before)
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        middle = middle.replace(microsecond=0)
        if _offset(zone, middle) == offset:
            before = middle
        else:
            after = middle
    return after


def offsets(timezone: str, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """The offset in force at ``start`` and at each transition up to ``end``: [(from, seconds)]."""
    zone = ZoneInfo(timezone)
    found = [(start, _offset(zone, start))]
    at = start
    while at < end:
        step = min(at + STEP, end)
        if _offset(zone, step) != found[-1][1]:
            moment = _transition(zone, at, step)
            found.append((moment, _offset(zone, moment)))
        at = step
    return found


def _epoch_us(instant: datetime) -> int:
    return round(instant.timestamp()) * 1_000_000


def macro_sql(timezone: str, first: date, last: date) -> str:
    """DuckDB's ``local_time_of``, exact for every instant and zone, fast for instants from ``first``
    to ``last`` (days, with a margin) in ``timezone``."""
    start = datetime.combine(first, time(), UTC) - MARGIN
    end = datetime.combine(last, time(), UTC) + MARGIN
    spans = offsets(timezone, start, end)
    shift = " ".join(
        f"WHEN epoch_us(ts) < {_epoch_us(until)} THEN {seconds * 1_000_000}"
        for (_, seconds), (until, _) in zip(spans, spans[1:], strict=False)
    )
    last_offset = spans[-1][1] * 1_000_000
    offset = f"CASE {shift} ELSE {last_offset} END" if shift else str(last_offset)
    quoted = "'" + timezone.replace("'", "''") + "'"
    return (
        f"CREATE OR REPLACE TEMP MACRO {MACRO}(ts, tz) AS CASE "
        f"WHEN tz = {quoted} AND epoch_us(ts) >= {_epoch_us(start)} AND epoch_us(ts) < {_epoch_us(end)} "
        f"THEN make_timestamp(epoch_us(ts) + {offset}) "
        "ELSE ts AT TIME ZONE tz END"
    )
