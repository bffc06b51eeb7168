"""The DuckDB engine: the curated partitions scanned on the worker; the stages of a span built once,
then every report of every range in it, for every group at once."""

from __future__ import annotations

import functools
import logging
import os
import queue
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.lake import history, layout, migrations, schema, storage, tokens
from telegram_pipeline.reports import local_time, macros
from telegram_pipeline.reports.definitions import (
    BOUND_TABLES,
    RANGE_REPORT_ORDER,
    RANGE_STAGES,
    REPORTS,
    STAGES,
    ReportRange,
    Span,
    output_schemas,
)
from telegram_pipeline.reports.sql import bound_rows, dependencies, source_sql

log = logging.getLogger(__name__)

# DuckDB's own memory (its temporary tables and operators); past it, it spills to a temporary folder. With
# Python, pyarrow and the results, the process stays under 1 GiB on 3 million messages.
MEMORY_LIMIT = "600MB"
# counted_messages is made in this many statements, each over as many of its partitions (_parts)
ROW_PARTS = 3
# The largest stages, each kept compressed in an in-memory database of its own (compressed when it is
# checkpointed, which a database that another cursor writes to at the same time would refuse): the
# counted messages of 3 million messages take 70 MiB rather than 480 MiB, so the build's tables stay
# under the memory limit instead of spilling to disk and being read back. Compressing costs about half a
# microsecond per row of counted_messages, so a stage is compressed only from COMPRESSED_FROM rows on:
# below that the tables fit the limit as they are. Read through a view of the same name.
COMPRESSED_STAGES = frozenset({"counted_messages", "keyword_uses"})
COMPRESSED_FROM = 1_000_000


def _store(stage: str) -> str:
    return f"{stage}_store"


def curated_files(
    store: storage.Store,
    last: date | None = None,
    first: date | None = None,
    days: Collection[date] | None = None,
    listed: Sequence[str] | None = None,
) -> tuple[Any, str, list[str]]:
    """(pyarrow filesystem, root, the Parquet file of every curated partition from ``first`` up to
    ``last``, or of ``days`` alone), as the store lists them (a denial, S3's 403, is an error, not an
    empty lake); from ``listed``, the partition keys a caller has listed already, rather than listing
    again (three years' partitions: 1,095 folders on disk, or a paginated listing on S3)."""
    filesystem, root = store.arrow_filesystem()
    keys = [
        key
        for key in (layout.partition_keys(store, last) if listed is None else listed)
        if (last is None or layout.partition_day(key) <= last)
        and (first is None or layout.partition_day(key) >= first)
        and (days is None or layout.partition_day(key) in days)
    ]
    return filesystem, root, [f"{root}/{key}" for key in keys]


def messages_dataset(
    last: date | None,
    settings: config.Settings,
    first: date | None = None,
    days: Collection[date] | None = None,
    listed: Sequence[str] | None = None,
):
    """The curated partitions up to ``last`` (from ``first``, or ``days`` alone), as one pyarrow dataset with ``context_date``.
    Columns missing from older files read as NULL (the schema is given, not inferred)."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    filesystem, root, found = curated_files(storage.curated_store(settings), last, first, days, listed)
    partitioning = pa.schema([(schema.PARTITION_COLUMN, pa.string())])
    full_schema = pa.unify_schemas([schema.arrow_schema(), partitioning])
    if not found:
        return ds.dataset(full_schema.empty_table())
    return ds.dataset(
        found,
        filesystem=filesystem,
        format="parquet",
        schema=full_schema,
        partitioning=ds.partitioning(partitioning, flavor="hive"),
        partition_base_dir=f"{root}/{schema.TABLE_NAME}",
    )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def register_messages(
    con,
    last: date | None,
    settings: config.Settings,
    first: date | None = None,
    days: Collection[date] | None = None,
    texts_from: date | None = None,
    listed: Sequence[str] | None = None,
) -> Callable[[Any], None]:
    """``messages`` in DuckDB over every curated partition from ``first`` up to ``last`` (or of ``days``
    alone; the stages name their days, and DuckDB opens only those files): local
    files through DuckDB's own Parquet reader (leaner and faster), S3 through pyarrow's filesystem (no
    extension to download). Its ``emojis`` are complete: computed by their rule for the partitions
    written before the column existed (lake/tokens.py), read as stored from the others. Its ``terms``
    and ``language`` are as stored: a partition written before them is logged, to be consolidated
    again. With ``texts_from`` (local files), the partitions before that day are read without the texts
    and terms of the messages sent before it (LIGHT_COLUMNS; _light_select): the days the reports only
    count; a file whose statistics say all its rows were sent before (or all after) is read one way.
    ``listed``: the curated partitions' keys, listed already. Returns the same registration for another
    cursor of the database, without listing again."""
    store = storage.curated_store(settings)
    found = curated_files(store, last, first, days, listed)[2] if store.local_root() is not None else []
    derived = frozenset(rule.column for rule in tokens.RULES)
    if not found:
        return _register_dataset(con, messages_dataset(last, settings, first, days, listed), derived)
    guard = _guard(texts_from) if texts_from is not None else "NULL"
    footers = _footers(con, found, derived, guard)
    _warn_without_terms(footers.without_terms())
    layouts = _file_layouts(con, found)
    groups: dict[frozenset[str], list[str]] = {}
    for path in found:
        groups.setdefault(derived - footers.stored[path], []).append(path)
    parts = []
    for missing, files in groups.items():
        light = [
            path
            for path in files
            if texts_from is not None and _path_day(path) < texts_from and path not in footers.all_after
        ]
        full = [path for path in files if path not in light]
        if full:
            parts.append(_computed(missing, f"({_messages_select(con, full, layouts)})"))
        if light:
            parts.append(_light_select(con, light, texts_from, layouts))
            later = [path for path in light if path not in footers.all_before]
            if later:
                light_rows = f"({_messages_select(con, later, layouts)} WHERE sent_at >= {guard})"
                parts.append(_computed(missing, light_rows))
    view = f"CREATE OR REPLACE TEMP VIEW messages AS {' UNION ALL '.join(parts)}"
    con.execute(view)
    return lambda on: on.execute(view)


def _register_dataset(con, dataset, derived: frozenset[str]) -> Callable[[Any], None]:
    """``messages`` over a pyarrow dataset (the curated zone on S3), its derived columns computed where a
    file lacks them."""
    view = f"CREATE OR REPLACE TEMP VIEW messages AS {_computed(derived, 'stored_messages')}"

    def register(on) -> None:
        on.register("stored_messages", dataset)
        on.execute(view)

    register(con)
    return register


@dataclass(frozen=True)
class _Footers:
    """What the curated files' footers say, per file: which derived columns (and text, terms) hold a value
    at all (``stored``; a file consolidated before a column existed, or written without it, has it computed
    instead) and which it has, values or not (``written``: a day whose texts all are filler has a terms
    column without a term); whether it holds no row sent from the guard on (``all_before``), or only such
    rows (``all_after``). Such a file is read one way only, and DuckDB opens it once per statement, not
    twice (~0.5 ms a file for every stage that reads the 31 days before the windows). Unknown (no
    statistics): both ways."""

    stored: dict[str, set[str]]
    written: dict[str, set[str]]
    all_before: set[str]
    all_after: set[str]

    def without_terms(self) -> list[str]:
        """The files with texts written before the terms column existed (PARSER_VERSION 5)."""
        return [
            path for path, columns in self.stored.items() if "text" in columns and "terms" not in self.written[path]
        ]


def _footers(con, found: Sequence[str], derived: frozenset[str], guard: str) -> _Footers:
    footers = _Footers({path: set() for path in found}, {path: set() for path in found}, set(), set())
    for path, column, has_values, before, after in con.execute(
        f"SELECT file_name, STRING_SPLIT(path_in_schema, ',')[1] AS name, BOOL_OR(stats_null_count < num_values), "
        f"BOOL_AND(COALESCE(stats_null_count = num_values OR TRY_CAST(stats_max_value AS TIMESTAMPTZ) < {guard}, FALSE)), "
        f"BOOL_AND(COALESCE(stats_null_count = 0 AND TRY_CAST(stats_min_value AS TIMESTAMPTZ) >= {guard}, FALSE)) "
        f"FROM parquet_metadata({_file_list(found)}) "
        f"WHERE name IN ({', '.join(map(_quote, sorted(derived | {'text', 'terms', 'sent_at'})))}) GROUP BY ALL"
    ).fetchall():
        if column != "sent_at":
            footers.written[path].add(column)
            if has_values:
                footers.stored[path].add(column)
        elif before:
            footers.all_before.add(path)
        elif after:
            footers.all_after.add(path)
    return footers


# What the reports read of a message only from terms_from on: its texts and terms (counted_messages,
# keyword_uses, the examples), the widest columns, two thirds of a partition's bytes; and what
# counted_messages keeps only from text_from on (mentions, link domains), the languages report counts on the
# ranges' own days, and forwarded_messages reads of the partitions from text_from on. Left unread on the
# days before (their rows reach the readers through message_versions, which needs a sent_at: a row without
# one loses nothing a reader wants).
LIGHT_COLUMNS = frozenset(
    {
        "text",
        "terms",
        "term_forms",
        *(rule.column for rule in tokens.RULES),
        "mentions",
        "link_domains",
        "language",
        "forward_origin_type",
        "forward_source_id",
        "forward_source_name",
    }
)


def _path_day(path: str) -> date:
    return layout.partition_day(f"{schema.TABLE_NAME}/" + path.split(f"/{schema.TABLE_NAME}/", 1)[-1])


def _guard(texts_from: date) -> str:
    """The earliest UTC instant a message of local day ``texts_from`` can be sent at in any time zone
    (UTC+14 at most), with room to spare: from it on, a row keeps its texts wherever it is stored."""
    return f"TIMESTAMP '{texts_from - timedelta(days=1)} 00:00:00'"


def _light_select(con, files: Sequence[str], texts_from: date, layouts: Mapping[str, str]) -> str:
    """The rows of ``files`` sent before ``texts_from`` (or with no sent_at), with LIGHT_COLUMNS as NULL,
    so DuckDB never reads them there. The rows sent later (an import, a clock off by a day) are read in
    full beside it (register_messages), so what a report counts is the same."""
    full = _messages_select(con, files, layouts)
    nulls = ", ".join(
        f"CAST(NULL AS {schema.DUCKDB_TYPES[c.type]}) AS {c.name}" for c in schema.COLUMNS if c.name in LIGHT_COLUMNS
    )
    return f"SELECT * REPLACE ({nulls}) FROM ({full}) WHERE sent_at < {_guard(texts_from)} OR sent_at IS NULL"


def _warn_without_terms(paths: Sequence[str]) -> None:
    """Partitions with texts but no terms were consolidated before the word rule: their topics and
    languages are missing from the reports until they are consolidated again."""
    if paths:
        days = sorted(map(_path_day, paths))
        log.warning(
            "%d partitions (%s to %s) were consolidated before terms and languages were stored: the reports "
            "count no topics or languages there until they are consolidated again (consolidate --date %s --to %s)",
            len(days), days[0], days[-1], days[0], days[-1],
        )  # fmt: skip


def _computed(columns: Iterable[str], relation: str) -> str:
    """``relation`` with the derived ``columns`` computed by their rules where they are NULL."""
    replaced = [
        f"COALESCE({rule.column}, {rule.macro}({rule.source})) AS {rule.column}"
        for rule in tokens.RULES
        if rule.column in columns
    ]
    return f"SELECT * REPLACE ({', '.join(replaced)}) FROM {relation}" if replaced else f"SELECT * FROM {relation}"


def _file_list(paths: Sequence[str]) -> str:
    return "[" + ", ".join(_quote(path) for path in paths) + "]"


def _file_layouts(con, paths: Sequence[str]) -> dict[str, str]:
    """Each file's columns and their types, in order, as one string: the files of one layout are read
    together (_messages_select)."""
    return dict(
        con.execute(
            f"SELECT file_name, STRING_AGG(name || ' ' || COALESCE(duckdb_type, ''), ', ' ORDER BY column_id) "
            f"FROM parquet_schema({_file_list(paths)}) GROUP BY file_name"
        ).fetchall()
    )


def _messages_select(con, files: Sequence[str], layouts: Mapping[str, str]) -> str:
    """The curated columns of ``files``, those missing from all of them as NULL (the schema is given).
    The files of each layout are read by one read_parquet and the layouts put together by UNION ALL:
    ``union_by_name`` would do the same, but keeps every file's reader for each statement that reads
    them (most of a build's memory beyond DuckDB's limit with a thousand partitions)."""
    by_layout: dict[str, list[str]] = {}
    for path in files:
        by_layout.setdefault(layouts[path], []).append(path)
    selects = [_layout_select(con, same) for same in by_layout.values()]
    if len(selects) == 1:
        return selects[0]
    return "SELECT * FROM (" + " UNION ALL ".join(selects) + ")"


def _layout_select(con, files: Sequence[str]) -> str:
    """The curated columns of ``files`` (of one layout), those missing from them as NULL."""
    source = f"read_parquet({_file_list(files)}, hive_partitioning = true, hive_types = {{'context_date': VARCHAR}})"
    present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    columns = [
        c.name if c.name in present else f"CAST(NULL AS {schema.DUCKDB_TYPES[c.type]}) AS {c.name}"
        for c in schema.COLUMNS
    ]
    return f"SELECT {', '.join(columns)}, context_date FROM {source}"


_PARAMETER = re.compile(r"\$(\w+)")


def _without_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


@functools.cache
def _reads(name: str, candidates: tuple[str, ...]) -> frozenset[str]:
    """The ``candidates`` (stages built before ``name``) its SQL names: what it waits for. A word that
    only looks like a stage (a column called replies) makes it wait longer, never too little; found
    with a pattern, since parsing every stage's SQL cost half a second of each build."""
    sql = _without_comments(source_sql(name))
    return frozenset(stage for stage in candidates if re.search(rf"\b{stage}\b", sql))


@functools.cache
def _waiting_chain() -> dict[str, int]:
    """Of each step of a range's build (the stages, the range stages, then the reports, each waiting on
    what its SQL reads), the longest chain of steps that wait on it, itself included."""
    stages = [*STAGES, *RANGE_STAGES]
    readers: dict[str, set[str]] = {stage: set() for stage in stages}
    for n, stage in enumerate(stages):
        for read in _reads(stage, tuple(stages[:n])):
            readers[read].add(stage)
    for report in REPORTS:  # a report that is a range stage reads its table
        for read in _reads(report, tuple(stages)) | ({report} & readers.keys()):
            readers[read].add(f"report {report}")
    chain = {f"report {report}": 1 for report in REPORTS}
    for stage in reversed(stages):
        chain[stage] = 1 + max((chain[reader] for reader in readers[stage]), default=0)
    return chain


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    return _quote(str(value))


def _bound_table(columns: Sequence[str], rows: Iterable[Sequence]):
    import pyarrow as pa

    rows = sorted(set(map(tuple, rows)))
    return pa.table(
        {
            column: pa.array([row[i] for row in rows], pa.int64() if column.endswith("_id") else pa.string())
            for i, column in enumerate(columns)
        }
    )


# The stages read from the history state (definitions.STATE_STAGES), and which of its rows each holds.
STATE_ROWS: dict[str, str] = {"migration_state": "kind = 'migration'", "history_state": "kind <> 'migration'"}


class DuckDBReports:
    """One DuckDB connection over the curated partitions up to ``last`` (default: all of them); builds
    the reports of any span of ranges ending on or before it. Each span reads the partitions it scans
    (``messages``), and the history state of the days before them (lake/history.py)."""

    def __init__(
        self,
        settings: config.Settings,
        last: date | None = None,
        markers: Iterable[tuple[int, int]] | None = None,
        threads: int | None = None,
    ) -> None:
        import duckdb

        self.settings = settings
        self.markers = migrations.markers(storage.raw_store(settings)) if markers is None else list(markers)
        self.spill = tempfile.mkdtemp(prefix="telegram-reports-duckdb-")
        self.con = duckdb.connect()
        self.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        self.con.execute("SET parquet_metadata_cache = true")
        self.con.execute(f"SET temp_directory = {_quote(self.spill)}")
        # A build's statements run side by side, each on a cursor of its own and one thread, as soon as
        # the stages they read are built (_Steps): two stages at once on one thread each do the same work
        # in a fifth less CPU time than each in turn on two threads, whose hash tables are partitioned and
        # merged (the 17 million terms of keyword_uses: 7 s of CPU on one thread, 9-11 s on two). Any
        # other statement (the search's) has every thread.
        self.workers = threads or os.cpu_count() or 1
        # What each connection of the engine holds for itself (DuckDB keeps temporary macros, views and
        # registered tables per connection; the stages are in the database, which they all share): run on
        # this one now, and on each cursor that builds stages beside it (_session).
        self._session_steps: dict[str, Callable[[Any], Any]] = {}
        self._in_session("time zone", lambda con: con.execute("SET TimeZone = 'UTC'"))
        self._in_session("progress", lambda con: con.execute("SET enable_progress_bar = false"))  # not into the log
        self._in_session("emoji", lambda con: con.execute(tokens.macro_sql()))  # partitions from before the column
        # messages has them filled in already (register_messages): the texts are read only where needed
        for rule in tokens.RULES:
            filled = f"CREATE OR REPLACE TEMP MACRO {rule.filled_macro}(stored, source) AS stored"
            self._in_session(rule.filled_macro, lambda con, filled=filled: con.execute(filled))
        self.last = last
        self.curated = storage.curated_store(settings)
        # listed once: the history state and the messages of every span read this listing
        self.partition_keys = layout.partition_keys(self.curated, last)
        self.partition_days = [layout.partition_day(key) for key in self.partition_keys]
        self.messages_from: tuple[date, date | None] | None = None

    def _in_session(self, name: str, step: Callable[[Any], Any]) -> None:
        """Run ``step`` on this connection, and on every cursor opened for a build from now on (in place
        of the step of the same name before it)."""
        step(self.con)
        self._session_steps[name] = step

    def _session(self):
        cursor = self.con.cursor()
        for step in self._session_steps.values():
            step(cursor)
        return cursor

    def _execute(self, sql: str, params: Mapping[str, Any], con=None):
        used = set(_PARAMETER.findall(_without_comments(sql)))
        return (con or self.con).execute(sql, {k: v for k, v in params.items() if k in used})

    def _create_stage(self, stage: str, kind: str, params: Mapping[str, Any], con=None) -> None:
        """The stage as a table or view of the database (not a temporary one: every cursor reads it)."""
        con = con or self.con
        if kind == "state":
            con.execute(f"CREATE OR REPLACE TABLE {stage} AS SELECT * FROM stored_history WHERE {STATE_ROWS[stage]}")
            return
        sql = source_sql(stage)
        if kind == "view":  # a view keeps its SQL, so it cannot hold prepared parameters: they are written in
            sql = _PARAMETER.sub(lambda m: _literal(params[m.group(1)]), _without_comments(sql))
        store = _store(stage) if stage in COMPRESSED_STAGES else None
        table = f"{store}.{stage}" if store else stage
        if store:
            con.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {store} (COMPRESS)")
        for n, part in enumerate(self._parts(stage, params, con)):
            statement = f"CREATE OR REPLACE {kind.upper()} {table} AS {sql}" if n == 0 else f"INSERT INTO {table} {sql}"
            self._execute(statement, {**params, **part}, con)
            if store and con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] >= COMPRESSED_FROM:
                con.execute(f"CHECKPOINT {store}")
        if store:
            con.execute(f"CREATE OR REPLACE VIEW {stage} AS SELECT * FROM {table}")

    def _drop_stage(self, stage: str, kind: str) -> None:
        if stage in COMPRESSED_STAGES:
            self.con.execute(f"DROP VIEW IF EXISTS {stage}")
            self.con.execute(f"DROP TABLE IF EXISTS {_store(stage)}.{stage}")
        else:
            self.con.execute(f"DROP {'VIEW' if kind == 'view' else 'TABLE'} IF EXISTS {stage}")

    def _parts(self, stage: str, params: Mapping[str, Any], con) -> list[dict[str, str]]:
        """The statements a stage is made in, each adding the rows of its part: keyword_uses one bucket of
        text_days at a time, the largest first (one bucket's groups in memory at once, and the partitions
        of the other buckets left unread); counted_messages a few of its partitions at a time (compressed
        as they come rather than all at once at the end); any other stage in one."""
        if stage == "keyword_uses":
            buckets = con.execute(
                "SELECT MIN(CAST(day AS DATE)), MAX(CAST(day AS DATE)) FROM text_days GROUP BY bucket "
                "ORDER BY COUNT(*) DESC, 1"
            ).fetchall()
            return [{"terms_from": str(first), "terms_to": str(last)} for first, last in buckets] or [{}]
        if stage == "counted_messages":
            first, last = date.fromisoformat(params["scan_from"]), date.fromisoformat(params["scan_to"])
            days = [day for day in self.partition_days if first < day <= last]
            if len(days) < ROW_PARTS:
                return [{"rows_from": str(first), "rows_to": str(last)}]
            starts = [first, *(days[len(days) * n // ROW_PARTS] for n in range(1, ROW_PARTS))]
            ends = [*(start - timedelta(days=1) for start in starts[1:]), last]
            return [{"rows_from": str(a), "rows_to": str(b)} for a, b in zip(starts, ends, strict=True) if a <= b]
        return [{}]

    def _prepare(self, span: Span) -> None:
        """What the span's SQL reads besides the lake: the bound tables, the macros that read them, and
        local_time_of for its days."""
        rng = span.ranges[0]
        for table, rows in bound_rows(span, markers=self.markers).items():
            bound = _bound_table(BOUND_TABLES[table], rows)
            self._in_session(table, lambda con, table=table, bound=bound: con.register(table, bound))
        for macro in macros.MACROS:
            self._in_session(macro.name, lambda con, macro=macro: con.execute(macro.sql()))
        local = local_time.macro_sql(rng.timezone, span.scan_first, span.scan_last)
        self._in_session(local_time.MACRO, lambda con: con.execute(local))
        self._register_scan(span.scan_first, span.recent_first, span.terms_first)

    def _register_scan(self, scan_first: date, recent_first: date, texts_from: date | None = None) -> None:
        """``messages`` over the partitions from ``scan_first`` on (those before ``texts_from``, the first
        day whose terms the span counts, without the texts: register_messages), and ``stored_history``: the
        history state of those before ``recent_first`` (the stages it stands in for scan from there; the
        days between are only counted), computed from the partitions where a day has none (a lake
        consolidated before the state existed: ``python -m telegram_pipeline history`` writes it once)."""
        if self.messages_from != (scan_first, texts_from):
            # the cursors get the same view, and the dataset it reads where it reads one (S3)
            self._session_steps["messages"] = register_messages(
                self.con, self.last, self.settings, first=scan_first, texts_from=texts_from, listed=self.partition_keys
            )
            self.messages_from = (scan_first, texts_from)
        before = history.read_before(self.curated, self.partition_days, recent_first)
        state = before.state
        if before.missing:
            log.warning(
                "%d partitions before %s (%s to %s) have no history state of the current rules: computed from "
                "the partitions; `python -m telegram_pipeline history` (on MWAA, the range consolidated again) "
                "writes it once",
                len(before.missing), recent_first, before.missing[0], before.missing[-1],
            )  # fmt: skip
            con = history.connection()
            try:
                register_messages(con, self.last, self.settings, days=set(before.missing), listed=self.partition_keys)
                computed = history.compute(con, recent_first)
            finally:
                con.close()
            import pyarrow as pa

            state = pa.concat_tables([state, computed])
        self._in_session("stored_history", lambda con: con.register("stored_history", state))

    def create_stages(self, rng: ReportRange, names: Sequence[str]) -> None:
        """The stages ``names`` of ``rng`` and those they read, for a caller that reads them itself (the
        search reads chosen_topics); they stay until the connection closes."""
        span = Span([rng])
        self._prepare(span)
        wanted = set(names) | set(dependencies(names))
        for stage, kind in STAGES.items():
            if stage in wanted:
                self._create_stage(stage, kind, span.params())

    def build_span(self, ranges: Sequence[ReportRange]) -> list[dict[str, Any]]:
        """The tables of each range (in the order given), the stages built once for all of them."""
        span = Span(ranges)
        self._prepare(span)
        threads = self.con.execute("SELECT current_setting('threads')").fetchone()[0]
        self.con.execute("SET threads = 1")
        with _Steps(self, self.workers) as steps:
            try:
                # every stage (the reports read them all: tests/unit/test_report_sql_athena.py)
                params = span.params()
                for stage, kind in STAGES.items():
                    steps.add(stage, functools.partial(self._create_stage, stage, kind, params))
                return [self._build_range(rng, steps) for rng in ranges]
            finally:
                steps.settle()
                for stage, kind in reversed(STAGES.items()):
                    self._drop_stage(stage, kind)
                self.con.execute(f"SET threads = {int(threads)}")

    def _build_range(self, rng: ReportRange, steps: _Steps) -> dict[str, Any]:
        params = rng.params()
        for stage in RANGE_STAGES:
            sql = f"CREATE OR REPLACE TABLE {stage} AS {source_sql(stage)}"
            steps.add(stage, lambda con, sql=sql: self._execute(sql, params, con))
        schemas = output_schemas()

        def table(report: str, con):
            order = RANGE_REPORT_ORDER.get(report, "chat_id")
            sql = f"SELECT * FROM {report} ORDER BY {order}" if report in RANGE_STAGES else source_sql(report)
            return self._execute(sql, params, con).to_arrow_table().cast(schemas[report])

        built = {report: steps.add(f"report {report}", functools.partial(table, report), report) for report in REPORTS}
        tables = {report: result.result() for report, result in built.items()}
        steps.wait()
        for stage in RANGE_STAGES:
            self.con.execute(f"DROP TABLE {stage}")
        steps.forget(RANGE_STAGES)
        return tables

    def build(self, rng: ReportRange) -> dict[str, Any]:
        return self.build_span([rng])[0]

    def close(self) -> None:
        self.con.close()
        shutil.rmtree(self.spill, ignore_errors=True)


class _Steps:
    """The statements of a build, each run on one of ``workers`` cursors as soon as the stages it reads
    are built (they are added in build order, so what a step reads was added before it). A step never
    holds a cursor while it waits. Of the steps ready to run, the one with the longest chain of steps
    waiting on it runs first (_waiting_chain; a tie: the one added first), so the other cursor is not
    left idle at the end waiting on a chain that started late: counted_messages and what reads it start
    as soon as message_reactions, which they wait on, is built, beside keyword_uses rather than after the
    stages that come before it in STAGES but that little waits on."""

    def __init__(self, engine: DuckDBReports, workers: int) -> None:
        self.engine = engine
        self.ready: queue.PriorityQueue = queue.PriorityQueue()
        self.lock = threading.Lock()
        self.built: dict[str, Future] = {}
        self.order: list[str] = []
        self.added = 0
        self.workers = [threading.Thread(target=self._work, name=f"reports-{n}", daemon=True) for n in range(workers)]
        for worker in self.workers:
            worker.start()

    def __enter__(self) -> _Steps:
        return self

    def __exit__(self, *exc) -> None:
        for n, _ in enumerate(self.workers):  # after every step added (ranks are unique: no tie to break)
            self.ready.put(((0, self.added + n), None, None))
        for worker in self.workers:
            worker.join()

    def _work(self) -> None:
        cursor = None
        try:
            while True:
                _, run, done = self.ready.get()
                if run is None:
                    return
                try:
                    cursor = cursor or self.engine._session()
                    done.set_result(run(cursor))
                except BaseException as error:  # the build raises it
                    done.set_exception(error)
        finally:
            if cursor is not None:
                cursor.close()

    def add(self, name: str, run: Callable[[Any], Any], sql_name: str | None = None) -> Future:
        """Run ``run(cursor)`` once what the SQL of ``sql_name`` (default: ``name``) reads is built;
        a step whose stage failed fails with its error."""
        sql_name = sql_name or name
        waits = {self.built[stage] for stage in _reads(sql_name, tuple(self.order))}
        if sql_name != name and sql_name in self.built:  # a report that is a range stage: its table
            waits.add(self.built[sql_name])
        done: Future = Future()
        rank, pending = (-_waiting_chain().get(name, 1), self.added), [len(waits)]
        self.added += 1

        def one_built(_: Future) -> None:
            with self.lock:
                pending[0] -= 1
                if pending[0]:
                    return
            failed = next((w.exception() for w in waits if w.exception() is not None), None)
            if failed is not None:
                done.set_exception(failed)
            else:
                self.ready.put((rank, run, done))

        if waits:
            for future in waits:
                future.add_done_callback(one_built)
        else:
            self.ready.put((rank, run, done))
        if not name.startswith("report "):
            self.built[name] = done
            self.order.append(name)
        return done

    def wait(self) -> None:
        for future in list(self.built.values()):
            future.result()

    def settle(self) -> None:
        """Wait for every step, failed or not (the first failure is what the build raises)."""
        wait(list(self.built.values()))

    def forget(self, names: Iterable[str]) -> None:
        for name in names:
            self.built.pop(name, None)
            if name in self.order:
                self.order.remove(name)
