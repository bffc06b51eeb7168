"""The history state: what the reports need of the days before the ones they scan, kept small.

A member's first message, their first join, whom a username names, a group's migration and a forum
topic's name are looked for as far back as the curated zone goes. Rather than scan every partition for
them each day, consolidation writes beside each day's partition that day's state
(``history/context_date=D/<hash>.parquet``: the rows of include/sql/reports/history_state.sql and
migration_state.sql over that day alone), then rebuilds its month's own state
(``history_months/month=YYYY-MM/data.parquet``: the month's day states aggregated again by
include/sql/history_roll_up.sql) and the lake's state as of the end of that month and of each month after
it (``history_through/month=YYYY-MM/data.parquet``: the month before's with the month's own, aggregated
again). The reports read the latest state as of a month's end wholly before their scanned days, the
day states after it, and the scanned partitions themselves: one small file and at most a month of day
states, however many years the lake holds. Aggregating state rows again gives the same rows (a first
message is the least of the days' first messages, a username's user the one of its latest use), so any
mix gives one answer.

A day state's file is named by its content's hash; a month's own state records the names of its day
states (``history_sources``), a state as of a month's end a digest of the names of every day state up to
that end (``history_through``). So one made while another run rewrote a day is told apart: the reader
uses a state only when its record matches the day states listed now, one for each partition it covers;
otherwise it tries the month before, then reads each later month from its own state where that is
current, else from its day states (a day caught mid-rewrite, with two files, is computed from its
partition). A partition without a day state (consolidated before the state existed) has its state
computed from it by the reader, so the reports are right without it; ``python -m telegram_pipeline
history`` writes the missing states once (docs/consolidation.md).
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
MONTH_PREFIX = "history_months"  # a month's own state: its days' states rolled up
THROUGH_PREFIX = "history_through"  # the lake's state as of a month's end: every day state up to it
# The Parquet key-value metadata of a month's own state: {day: file name of its day state} it was made of
SOURCES = b"history_sources"
# … and of a state as of a month's end: {"days": how many day states it was made of, "sha256": the
# digest of their days and file names, in day order}
THROUGH = b"history_through"
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
# The stages whose rows are the state: grouped by day too when many days' states are made at once.
STATE_ROWS_SQL: tuple[str, ...] = ("migration_state", "history_state")
# The day states computed in one query hold at most about this many curated rows (a larger day alone).
ROWS_PER_QUERY = 250_000
_PARAMETER = re.compile(r"\$recent_from\b")
# What a day state's rows mean, in its file's name: one more whenever the state's SQL counts otherwise
# (2: a channel's automatic forwards into its discussion group are no sender). A day state made by other
# rules is read as none: its day is computed from its partition until consolidation or ``history`` writes
# it again (the names of the states before rules were numbered start with their hash).
STATE_RULES = 2
_RULES_MARK = f"r{STATE_RULES}-"


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
    """A day state's file name: the rules it was made by and its content's hash, so that a listing tells
    which state a day has (a month records the names it was made of), a rerun that gives the same bytes
    gives the same name, and a state made by other rules is told from one made by these."""
    return f"{_RULES_MARK}{hashlib.sha256(state).hexdigest()[:20]}.parquet"


def month_of(day: date) -> str:
    return day.strftime("%Y-%m")


def month_key(month: str) -> str:
    return f"{MONTH_PREFIX}/month={month}/{layout.DATA_FILE}"


def through_key(month: str) -> str:
    return f"{THROUGH_PREFIX}/month={month}/{layout.DATA_FILE}"


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


def key_month(key: str, prefix: str = MONTH_PREFIX) -> str | None:
    """The month of a month state's key under ``prefix``, else None."""
    month = key.removeprefix(f"{prefix}/month=").removesuffix(f"/{layout.DATA_FILE}")
    return month if key.startswith(f"{prefix}/") and re.fullmatch(r"\d{4}-\d{2}", month) else None


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


def _define_stages(con, before: date, by_day: bool = False) -> None:
    import pyarrow as pa

    con.register(
        "migration_markers",
        pa.table({"old_chat_id": pa.array([], pa.int64()), "new_chat_id": pa.array([], pa.int64())}),
    )
    recent_from = f"'{before.isoformat()}'"
    for stage in STATE_SQL:
        text = re.sub(r"--[^\n]*", "", config.read_sql(f"reports/{stage}.sql"))
        if by_day and stage in STATE_ROWS_SQL:
            text = _grouped_by_day(text)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {stage} AS {_PARAMETER.sub(recent_from, text)}")


def _grouped_by_day(sql: str) -> str:
    """``sql`` with the day (the partition column) first in each of its grouped selects' columns and
    groups: each day's rows are then those of the SQL over that day alone (the stages under the state
    group nothing across rows but by the chat ids, which the state keeps as sent)."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="duckdb")
    for select in tree.find_all(exp.Select):
        if select.args.get("group"):
            select.set("expressions", [exp.column(schema.PARTITION_COLUMN), *select.expressions])
            group = select.args["group"]
            group.set("expressions", [exp.column(schema.PARTITION_COLUMN), *group.expressions])
    return tree.sql(dialect="duckdb")


_STATE_QUERY = "SELECT * FROM migration_state UNION ALL SELECT * FROM history_state"


def _state_of(con):
    return con.execute(_STATE_QUERY + " ORDER BY ALL").to_arrow_table().cast(state_schema())


@functools.cache
def _days_connection():
    """One connection per process for the day states, its stages defined once (grouped by day): a range
    consolidation computes a state for each of its days (1,124 for a three-year export), and defining
    and planning the stages cost as much as a small day's state. Every row of a partition is before the
    day after it, so one bound after any day serves them all. ``messages`` is a view over ``state_rows``,
    which holds the columns the stages read (the others NULL): the stages scan ``messages`` a dozen
    times, and DuckDB scans a table of its own several times faster than an Arrow table."""
    con = connection()
    empty = _with_day(schema.arrow_schema().empty_table(), date.min)
    con.register("messages", empty)
    _define_stages(con, date.max, by_day=True)
    read = _columns_read(con, empty.column_names)
    con.execute(f"CREATE TEMP TABLE state_rows AS SELECT {', '.join(read)} FROM messages")
    con.unregister("messages")
    unread = [f"CAST(NULL AS {schema.DUCKDB_TYPES[c.type]}) AS {c.name}" for c in schema.COLUMNS if c.name not in read]
    con.execute(f"CREATE TEMP VIEW messages AS SELECT {', '.join(['*', *unread])} FROM state_rows")
    return con, threading.Lock(), read


def prepare() -> None:
    """This process's connection for the day states made now (``_days_connection``: 0.3-0.6 s of CPU,
    most of it DuckDB defining and planning the stages, ~0.12 s importing sqlglot), where the caller has
    a moment: consolidation, while its other processes finish their last runs."""
    _days_connection()


def _columns_read(con, columns: list[str]) -> list[str]:
    """The columns of ``messages`` the state's query reads, by DuckDB's plan: what its scans project and
    what their filters name (a column a scan only filters on is not among its projections); all of
    them when a scan does not say."""
    plan = json.loads(con.execute(f"EXPLAIN (FORMAT json) {_STATE_QUERY}").fetchall()[0][1])
    read: set[str] = set()
    nodes = list(plan)
    while nodes:
        node = nodes.pop()
        nodes += node.get("children", [])
        if node.get("name", "").endswith("_SCAN") and node.get("name") != "CTE_SCAN":
            info = node.get("extra_info", {})
            if not info.get("Projections"):
                return columns
            for said in ("Projections", "Filters"):
                text = json.dumps(info.get(said, []))
                read.update(column for column in columns if re.search(rf"\b{column}\b", text))
    return [column for column in columns if column in read]


def _with_day(table, day: date):
    import pyarrow as pa

    return table.append_column(schema.PARTITION_COLUMN, pa.repeat(day.isoformat(), table.num_rows).cast(pa.string()))


def rows_read(table):
    """The columns of a day's curated rows that its state reads (those a partition written before them
    lacks as NULL), one chunk each: what ``of_days`` needs of them, and all it keeps while a range's
    states wait to be computed together."""
    import pyarrow as pa

    _, _, read = _days_connection()
    full = schema.arrow_schema()
    names = [column for column in read if column != schema.PARTITION_COLUMN]
    columns = [
        table[name] if name in table.column_names else pa.nulls(table.num_rows, full.field(name).type) for name in names
    ]
    return pa.Table.from_arrays(columns, names=names).combine_chunks()


def of_day(table, day: date):
    """The state of one day's curated rows (``table``: the partition's columns)."""
    return of_days({day: table})[day]


def of_days(tables: Mapping[date, Any]) -> dict[date, Any]:
    """{day: its state} of each day's curated rows (``tables``: {day: the partition's columns, or what
    ``rows_read`` keeps of them}), a few days to a query (about ROWS_PER_QUERY rows)."""
    states: dict[date, Any] = {}
    batch: list[date] = []
    rows = 0
    for day in sorted(tables):
        if batch and rows + tables[day].num_rows > ROWS_PER_QUERY:
            states.update(_of_batch({d: tables[d] for d in batch}))
            batch, rows = [], 0
        batch.append(day)
        rows += tables[day].num_rows
    if batch:
        states.update(_of_batch({d: tables[d] for d in batch}))
    return states


def _of_batch(tables: Mapping[date, Any]) -> dict[date, Any]:
    import pyarrow as pa

    con, lock, read = _days_connection()
    rows = pa.concat_tables([_with_day(rows_read(table), day) for day, table in tables.items()])
    with lock:
        con.register("batch_rows", rows)
        try:
            con.execute("CREATE OR REPLACE TEMP TABLE state_rows AS SELECT * FROM batch_rows")
            found = con.execute(_STATE_QUERY + " ORDER BY ALL").to_arrow_table()
        finally:
            con.unregister("batch_rows")
            con.execute("DELETE FROM state_rows")
    days = found.column(0).to_pylist()
    found = found.drop_columns([found.column_names[0]]).cast(state_schema())
    states = {day: state_schema().empty_table() for day in tables}
    start = 0
    for name, group in itertools.groupby(days):
        count = sum(1 for _ in group)
        states[date.fromisoformat(name)] = found.slice(start, count)
        start += count
    return states


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


def parquet_bytes(state, record: Mapping[str, Any] | None = None, key: bytes = SOURCES) -> bytes:
    """A state's file; a month's records what it was made of (``record`` under ``key``: SOURCES or THROUGH)."""
    if record is not None:
        metadata = dict(state.schema.metadata or {})
        metadata[key] = json.dumps(dict(sorted(record.items()))).encode()
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


def usable_day_states(store: storage.Store, before: date | None = None) -> dict[date, str]:
    """{day: the key of its day state} for the days with one state, made by the current rules."""
    return {
        day: keys[0]
        for day, keys in sorted(day_states(store, before).items())
        if len(keys) == 1 and _name(keys[0]).startswith(_RULES_MARK)
    }


def _name(key: str) -> str:
    return key.rpartition("/")[2]


def _through_records(names: Mapping[date, str]) -> dict[str, dict[str, Any]]:
    """{month: what a state as of its end is made of} for each month of ``names`` ({day: its day state's
    file name}, every day up to the last one's month's end): the number of days and their digest."""
    digest = hashlib.sha256()
    records = {}
    for count, day in enumerate(sorted(names), start=1):
        digest.update(f"{day.isoformat()}={names[day]}\n".encode())
        records[month_of(day)] = {"days": count, "sha256": digest.hexdigest()}
    return records


def _sources(names: Mapping[date, str], month: str) -> dict[str, str]:
    """What a month's own state is made of: {day: its day state's file name} of the month's days."""
    return {day.isoformat(): name for day, name in names.items() if month_of(day) == month}


def _listed(store: storage.Store, prefix: str) -> dict[str, str]:
    """{month: key} of the month states under ``prefix``, from one listing."""
    return {month: key for key in store.list(prefix) if (month := key_month(key, prefix)) is not None}


def _current(store: storage.Store, key: str, record_key: bytes, record: Mapping[str, Any] | None):
    """The state at ``key`` when it records ``record`` (it was made of exactly those day states), else None."""
    if record is None:
        return None
    try:
        state = _read_parquet(store.read(key))
    except storage.ObjectNotFound:
        return None
    recorded = (state.schema.metadata or {}).get(record_key)
    return state if recorded is not None and json.loads(recorded) == dict(record) else None


def write_months(store: storage.Store, months: Iterable[str] = ()) -> list[str]:
    """Rebuild the own state of each of ``months`` from its day states, then the state as of each month's
    end from the earliest of them on (with no month given, from the first one not current): the month
    before's and the month's own. Returns the keys written. A month without any day state has neither
    (one left is removed); a day whose state changes meanwhile leaves what it is part of to be read past."""
    states = usable_day_states(store)
    names = {day: _name(key) for day, key in states.items()}
    by_month = {month: list(days) for month, days in itertools.groupby(states, month_of)}
    months = {month for month in months if month in by_month}
    throughs = _through_records(names)
    listed = _listed(store, THROUGH_PREFIX)
    start = min(months, default=None)
    base_month, base = None, state_schema().empty_table()
    for month in sorted(listed, reverse=True):
        if start is None or month < start:
            current = _current(store, through_key(month), THROUGH, throughs.get(month))
            if current is not None:
                base_month, base = month, current
                break
    written: dict[str, bytes] = {}
    for month in sorted(by_month):
        if base_month is not None and month <= base_month:
            continue
        sources = _sources(names, month)
        own = None if month in months else _current(store, month_key(month), SOURCES, sources)
        if own is None:
            try:
                own = roll_up(_read_parquet(data) for _, data in store.read_many(states[d] for d in by_month[month]))
            except storage.ObjectNotFound:
                break  # a day rewritten meanwhile: this month and those after it are left to be read past
            written[month_key(month)] = parquet_bytes(own, sources, SOURCES)
        base = roll_up([base, own])
        written[through_key(month)] = parquet_bytes(base, throughs[month], THROUGH)
    store.write_many(written)
    gone = [
        key
        for prefix in (MONTH_PREFIX, THROUGH_PREFIX)
        for month, key in (listed if prefix == THROUGH_PREFIX else _listed(store, prefix)).items()
        if month not in by_month
    ]
    store.delete(gone)
    return sorted(written)


def _read_parquet(data: bytes | Exception):
    """A state or partition as ``store.read_many`` gives it: its table, or the error reading it raised."""
    if isinstance(data, Exception):
        raise data
    return layout.read_parquet_bytes(data)


# -- reading it -----------------------------------------------------------------------------------


@dataclass
class Before:
    """The state of the partitions before a day: as read (``state``: the lake's as of the end of the
    month ``through``, the own states of ``months`` after it, the day states of ``days``) and the partition
    days that have none (``missing``: to be computed from the partitions); ``stale_months``: the months
    whose states were not made of the day states listed now, read past."""

    state: Any
    through: str | None = None
    months: list[str] = field(default_factory=list)
    days: list[date] = field(default_factory=list)
    missing: list[date] = field(default_factory=list)
    stale_months: list[str] = field(default_factory=list)


def read_before(store: storage.Store, partition_days: Iterable[date], before: date) -> Before:
    """The state of the curated partitions of ``partition_days`` before ``before``: the latest state as
    of a month's end wholly before it that is current, then each month after it wholly before ``before``
    from its own state where that is current, and the other days from their day states."""
    import pyarrow as pa

    wanted = sorted(day for day in partition_days if day < before)
    found = Before(state_schema().empty_table())
    if not wanted:
        return found
    states = usable_day_states(store, before)
    names = {day: _name(states[day]) for day in wanted if day in states}
    # a state as of a month's end can be current only when every partition up to that end has a day state
    complete = min((day for day in wanted if day not in states), default=before)
    throughs = _through_records({day: name for day, name in names.items() if day < complete})
    tables, after = [], date.min
    for month in sorted(_listed(store, THROUGH_PREFIX), reverse=True):
        if last_day_of(month) < complete:
            through = _current(store, through_key(month), THROUGH, throughs.get(month))
            if through is not None:
                tables.append(through)
                found.through, after = month, last_day_of(month)
                break
            found.stale_months.insert(0, month)
    day_keys = []
    for month, days in itertools.groupby((day for day in wanted if day > after), month_of):
        days = list(days)
        if last_day_of(month) < before and all(day in states for day in days):
            own = _current(store, month_key(month), SOURCES, _sources(names, month))
            if own is not None:
                tables.append(own)
                found.months.append(month)
                continue
            if month not in found.stale_months:
                found.stale_months.append(month)
        for day in days:
            if day in states:
                day_keys.append(states[day])
                found.days.append(day)
            else:
                found.missing.append(day)
    tables += [_read_parquet(data) for _, data in store.read_many(day_keys)]
    if tables:
        found.state = pa.concat_tables([t.cast(state_schema()) for t in tables])
    if found.stale_months:
        log.info("history state of %s not made of the day states now: read past", found.stale_months)
    return found


# -- the one-time build ---------------------------------------------------------------------------


def build_missing(settings: config.Settings | None = None, rebuild: bool = False) -> dict[str, Any]:
    """Write the day state of every curated partition that has none made by the current rules (every one
    with ``rebuild``), then the month states from the first month with a day written (or the first not
    current): what a lake consolidated before the state existed, or before its rules changed, needs once.
    Returns {"days": days written, "months": months written}."""
    settings = settings or config.load()
    store = storage.curated_store(settings)
    partitions = {layout.partition_day(key): key for key in layout.partition_keys(store)}
    have = usable_day_states(store)
    days = sorted(day for day in partitions if rebuild or day not in have)
    for batch in itertools.batched(days, 32):
        tables = {}
        for day, (_, data) in zip(batch, store.read_many(partitions[day] for day in batch), strict=True):
            tables[day] = _read_parquet(data)
        files = {}
        for day, state in of_days(tables).items():
            body = parquet_bytes(state)
            files[day_prefix(day)] = {day_file(body): body}
        store.replace_folders(files)
    written = write_months(store, {month_of(day) for day in days})
    months = {key_month(key, THROUGH_PREFIX) for key in written}
    return {"days": [day.isoformat() for day in days], "months": sorted(months - {None})}
