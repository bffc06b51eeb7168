"""The history state: what the reports need of the days before the ones they scan, kept small.

A member's first message, their first join, whom a username names, a group's migration and a forum
topic's name are looked for as far back as the curated zone goes. Rather than scan every partition for
them each day, consolidation writes beside each day's partition that day's state
(``history/context_date=D/data.parquet``: the rows of include/sql/reports/history_state.sql and
migration_state.sql over that day alone) and rebuilds the state of the day's month
(``history_months/month=YYYY-MM/data.parquet``, its days' rows aggregated again by
include/sql/history_roll_up.sql). The reports read the months wholly before their scanned days, the day
states of the rest, and the scanned partitions themselves: O(months) small files, not O(days) of messages.
Aggregating state rows again gives the same rows (a first message is the least of the days' first
messages, a username's user the one of its latest use), so any mix of months and days gives one answer.

A day state's file is named by its content's hash, and a month's state records the names of the day
states it was made of, so one made while another run rewrote a day of that month is told apart: the
reader uses a month only when its record matches the day states listed now, one for each partition of
that month; otherwise it reads that month's day states (a day caught mid-rewrite, with two files, is
computed from its partition). A partition without a day state (consolidated before the state
existed) has its state computed from it by the reader, so the reports are right without it; ``python -m
telegram_pipeline history`` writes the missing states once (docs/consolidation.md).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import logging
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.lake import layout, schema, storage, tokens

log = logging.getLogger(__name__)

DAY_PREFIX = "history"
MONTH_PREFIX = "history_months"
# the Parquet key-value metadata of a month's state: {day: file name of its day state} it was made of
SOURCES = b"history_sources"
# The stages of include/sql/reports/ that compute the state from ``messages``, in the order they read
# each other (tests/unit/test_history.py checks it against the reports' dependencies).
STATE_SQL: tuple[str, ...] = (
    "migration_messages",
    "migration_state",
    "chat_migrations",
    "group_updates",
    "message_versions",
    "membership_updates",
    "history_state",
)
_PARAMETER = re.compile(r"\$scan_from\b")


def state_schema():
    import pyarrow as pa

    timestamp = pa.timestamp("us", tz="UTC")
    return pa.schema(
        [
            ("kind", pa.string()),
            ("chat_id", pa.int64()),
            ("id", pa.int64()),
            ("is_bot", pa.bool_()),
            ("name", pa.string()),
            ("first_at", timestamp),
            ("last_at", timestamp),
        ]
    )


def day_prefix(day: date) -> str:
    return f"{DAY_PREFIX}/{schema.PARTITION_COLUMN}={day.isoformat()}"


def day_file(state: bytes) -> str:
    """A day state's file name: its content's hash, so that a listing tells which state a day has (a
    month records the names it was made of) and a rerun that gives the same bytes gives the same name."""
    return f"{hashlib.sha256(state).hexdigest()[:20]}.parquet"


def month_of(day: date) -> str:
    return day.strftime("%Y-%m")


def month_key(month: str) -> str:
    return f"{MONTH_PREFIX}/month={month}/{layout.DATA_FILE}"


def last_day_of(month: str) -> date:
    first = date.fromisoformat(f"{month}-01")
    return (first + timedelta(days=31)).replace(day=1) - timedelta(days=1)


def state_day(key: str) -> date | None:
    """The day of a day state's key, else None."""
    prefix, _, name = key.rpartition("/")
    day = prefix.removeprefix(f"{DAY_PREFIX}/{schema.PARTITION_COLUMN}=")
    if not name.endswith(".parquet") or day == prefix:
        return None
    try:
        return date.fromisoformat(day)
    except ValueError:
        return None


# -- computing it ---------------------------------------------------------------------------------


def connection():
    """A DuckDB connection with what the state's SQL calls (the emoji rule's macros)."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    con.execute(tokens.macro_sql())
    for rule in tokens.RULES:
        con.execute(
            f"CREATE OR REPLACE TEMP MACRO {rule.filled_macro}(stored, source) AS COALESCE(stored, {rule.macro}(source))"
        )
    return con


def compute(con, before: date):
    """The state of the partitions ``messages`` holds in ``con`` before ``before`` (an Arrow table)."""
    _define_stages(con, before)
    return _state_of(con)


def _define_stages(con, before: date) -> None:
    import pyarrow as pa

    con.register(
        "migration_markers",
        pa.table({"old_chat_id": pa.array([], pa.int64()), "new_chat_id": pa.array([], pa.int64())}),
    )
    scan_from = f"'{before.isoformat()}'"
    for stage in STATE_SQL:
        text = re.sub(r"--[^\n]*", "", config.read_sql(f"reports/{stage}.sql"))
        con.execute(f"CREATE OR REPLACE TEMP VIEW {stage} AS {_PARAMETER.sub(scan_from, text)}")


def _state_of(con):
    state = con.execute(
        "SELECT * FROM migration_state UNION ALL SELECT * FROM history_state ORDER BY ALL"
    ).to_arrow_table()
    return state.cast(state_schema())


@functools.cache
def _day_connection():
    """One connection per process for the day states, its stages defined once: a range consolidation
    computes a state for each of its days (1,124 for a three-year export), and defining the stages cost
    as much as a small day's state. Every row of one day's partition is before the next day, so one
    bound after any day serves them all."""
    con = connection()
    con.register("messages", schema.arrow_schema().empty_table().append_column(_DAY_COLUMN, _no_days()))
    _define_stages(con, date.max)
    return con, threading.Lock()


_DAY_COLUMN = schema.PARTITION_COLUMN


def _no_days():
    import pyarrow as pa

    return pa.array([], pa.string())


def of_day(table, day: date):
    """The state of one day's curated rows (``table``: the partition's columns, as consolidation has them)."""
    import pyarrow as pa

    # one chunk per column: DuckDB scans a table whose columns are chunked unalike twenty times slower
    table = conformed(table).combine_chunks()
    day_table = table.append_column(_DAY_COLUMN, pa.repeat(day.isoformat(), table.num_rows).cast(pa.string()))
    con, lock = _day_connection()
    with lock:
        con.register("messages", day_table)
        try:
            return _state_of(con)
        finally:
            con.unregister("messages")  # the day's rows are not kept alive by the connection


def conformed(table):
    """``table`` with every curated column, those a partition written before them lacks as NULL."""
    import pyarrow as pa

    full = schema.arrow_schema()
    columns = [table[f.name] if f.name in table.column_names else pa.nulls(table.num_rows, f.type) for f in full]
    return pa.Table.from_arrays(columns, schema=full) if table.schema != full else table


def roll_up(tables: Iterable[Any]):
    """Day (or month) states as one, each key once (include/sql/history_roll_up.sql)."""
    import duckdb
    import pyarrow as pa

    states = pa.concat_tables([t.cast(state_schema()) for t in tables] or [state_schema().empty_table()])
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.register("day_states", states)
        return con.execute(config.read_sql("history_roll_up.sql")).to_arrow_table().cast(state_schema())
    finally:
        con.close()


# -- writing it -----------------------------------------------------------------------------------


def parquet_bytes(state, sources: Mapping[str, str] | None = None) -> bytes:
    if sources is not None:
        metadata = dict(state.schema.metadata or {})
        metadata[SOURCES] = json.dumps(dict(sorted(sources.items()))).encode()
        state = state.replace_schema_metadata(metadata)
    return layout.parquet_bytes(state)


def day_states(store: storage.Store, before: date | None = None) -> dict[date, list[str]]:
    """{day: the keys of its day state} (one, but for the moment a rewrite has written the new file and not
    yet removed the old one), from one listing."""
    found: dict[date, list[str]] = {}
    for key in store.list(DAY_PREFIX):
        day = state_day(key)
        if day is not None and (before is None or day < before):
            found.setdefault(day, []).append(key)
    return found


def _name(key: str) -> str:
    return key.rpartition("/")[2]


def write_months(store: storage.Store, months: Iterable[str]) -> list[str]:
    """Rebuild the state of each of ``months`` from its day states; the keys written (a month without
    any day state has its state removed; one whose days change while it is read is left as it was, to
    be read past as stale)."""
    months = sorted(set(months))
    if not months:
        return []
    by_month: dict[str, list[tuple[date, str]]] = {}
    for day, keys in day_states(store).items():
        if month_of(day) in months and len(keys) == 1:
            by_month.setdefault(month_of(day), []).append((day, keys[0]))
    written, removed = {}, []
    for month in months:
        days = sorted(by_month.get(month, []))
        if not days:
            removed.append(month_key(month))
            continue
        try:
            tables = [_read_parquet(data, key) for key, data in store.read_many(key for _, key in days)]
        except storage.ObjectNotFound:
            continue
        sources = {day.isoformat(): _name(key) for day, key in days}
        written[month_key(month)] = parquet_bytes(roll_up(tables), sources)
    store.write_many(written)
    store.delete([key for key in removed if store.exists(key)])
    return sorted(written)


def _read_parquet(data: bytes | Exception, key: str):
    import pyarrow as pa
    import pyarrow.parquet as pq

    if isinstance(data, Exception):
        raise data
    return pq.read_table(pa.BufferReader(data))


# -- reading it -----------------------------------------------------------------------------------


@dataclass
class Before:
    """The state of the partitions before a day: as read (``state``, with the months and days it came
    from) and the partition days that have none (``missing``: to be computed from the partitions)."""

    state: Any
    months: list[str] = field(default_factory=list)
    days: list[date] = field(default_factory=list)
    missing: list[date] = field(default_factory=list)
    stale_months: list[str] = field(default_factory=list)


def read_before(store: storage.Store, partition_days: Iterable[date], before: date) -> Before:
    """The state of the curated partitions of ``partition_days`` before ``before``: each month wholly
    before it from its month state where that is current, the other days from their day states."""
    import pyarrow as pa

    wanted = sorted(day for day in partition_days if day < before)
    found = Before(state_schema().empty_table())
    if not wanted:
        return found
    states = {day: keys[0] for day, keys in day_states(store, before).items() if len(keys) == 1}
    tables, day_keys = [], []
    for month, days in itertools.groupby(wanted, month_of):
        days = list(days)
        if last_day_of(month) < before and all(day in states for day in days):
            expected = {day.isoformat(): _name(states[day]) for day in days}
            month_state = _current_month(store, month, expected)
            if month_state is not None:
                tables.append(month_state)
                found.months.append(month)
                continue
            found.stale_months.append(month)
        for day in days:
            if day in states:
                day_keys.append(states[day])
                found.days.append(day)
            else:
                found.missing.append(day)
    tables += [_read_parquet(data, key) for key, data in store.read_many(day_keys)]
    if tables:
        found.state = pa.concat_tables([t.cast(state_schema()) for t in tables])
    if found.stale_months:
        log.info("history state of %s not made of its days' states now: read from the days", found.stale_months)
    return found


def _current_month(store: storage.Store, month: str, expected: Mapping[str, str]):
    """The month's state when it was made of exactly the day states ``expected`` ({day: file name}), else None."""
    try:
        state = _read_parquet(store.read(month_key(month)), month_key(month))
    except storage.ObjectNotFound:
        return None
    recorded = json.loads((state.schema.metadata or {}).get(SOURCES, b"{}"))
    return state if recorded == dict(expected) else None


# -- the one-time build ---------------------------------------------------------------------------


def build_missing(settings: config.Settings | None = None, rebuild: bool = False) -> dict[str, Any]:
    """Write the day state of every curated partition that has none (every one with ``rebuild``), then
    the state of each month with a day written: what a lake consolidated before the state existed needs
    once. Returns {"days": days written, "months": months written}."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    settings = settings or config.load()
    store = storage.curated_store(settings)
    partitions = {layout.partition_day(key): key for key in layout.partition_keys(store)}
    have = day_states(store)
    days = sorted(day for day in partitions if rebuild or len(have.get(day, [])) != 1)
    for batch in itertools.batched(days, 32):
        files = {}
        for day, (_, data) in zip(batch, store.read_many(partitions[day] for day in batch), strict=True):
            if isinstance(data, Exception):
                raise data
            state = parquet_bytes(of_day(pq.read_table(pa.BufferReader(data)), day))
            files[day_prefix(day)] = {day_file(state): state}
        store.replace_folders(files)
    months = write_months(store, {month_of(day) for day in days})
    return {"days": [day.isoformat() for day in days], "months": [key.split("month=")[1][:7] for key in months]}
