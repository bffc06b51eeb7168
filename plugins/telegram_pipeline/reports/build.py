"""The reports: who posts most, what the group talks about, when it is active, how its volume moves.

Each report is written once, in DuckDB SQL, in ``include/sql/reports/{name}.sql``; every report reads
``counted_messages`` (``counted_messages.sql``: the counting rule, in one place). The Athena text in
``include/sql/reports/athena/`` is generated from those files with sqlglot (``generated_athena_sql``),
committed, and checked by the tests to equal what the generator gives.

Engines (``REPORT_ENGINE``):
- ``duckdb``: the curated Parquet files of the range (local or on S3, through pyarrow's filesystem)
  are scanned as one Arrow dataset on the worker; ``counted_messages`` is materialised once.
- ``athena``: each report is one Athena query through the Amazon provider's ``AthenaHook``, with
  ``counted_messages`` inlined as a CTE and the parameters and word lists bound as literals.

Parameters of the SQL: ``$from_date``/``$to_date`` (the range, in TIMEZONE), ``$scan_from``/``$scan_to``
(the partitions read: one day of margin on each side), ``$timezone``, ``$include_bots``,
``$keyword_limit``; tables ``stopwords(word)`` and ``tracked_keywords(keyword)``.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.lake import consolidate, schema, storage
from telegram_pipeline.orchestration.defaults import CURATED_MESSAGES_ASSET
from telegram_pipeline.reports import html as report_html
from telegram_pipeline.reports import stopwords

log = logging.getLogger(__name__)

REPORTS: tuple[str, ...] = ("top_posters", "keywords", "activity_heatmap", "daily_volume")
COUNTED_MESSAGES = "counted_messages"
WINDOWS: dict[str, int] = {"1d": 1, "7d": 7, "30d": 30}
SCAN_MARGIN = timedelta(days=1)
KEYWORD_LIMIT = 100
HTML_FOLDER = "html"
HTML_FILE = "report.html"
DATA_FILE = "data.parquet"
ATHENA_POLL_SECONDS = 2
ATHENA_MAX_POLLS = 900  # 30 minutes


def output_schemas():
    """Arrow schema of each report table (also how Athena's text results are typed back)."""
    import pyarrow as pa

    return {
        "top_posters": pa.schema(
            [
                ("user_id", pa.int64()),
                ("user_name", pa.string()),
                ("messages", pa.int64()),
                ("share", pa.float64()),
                ("rank", pa.int64()),
            ]
        ),
        "keywords": pa.schema(
            [
                ("keyword", pa.string()),
                ("messages", pa.int64()),
                ("users", pa.int64()),
                ("rank", pa.int64()),
                ("tracked", pa.bool_()),
            ]
        ),
        "activity_heatmap": pa.schema([("weekday", pa.int32()), ("hour", pa.int32()), ("messages", pa.int64())]),
        "daily_volume": pa.schema(
            [("date", pa.date32()), ("messages", pa.int64()), ("active_users", pa.int64()), ("new_members", pa.int64())]
        ),
    }


@dataclass(frozen=True)
class ReportRange:
    """What one set of reports covers and how it counts."""

    first: date
    last: date
    timezone: str = "UTC"
    include_bots: bool = False
    tracked_keywords: tuple[str, ...] = ()
    keyword_limit: int = KEYWORD_LIMIT

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"the range ends ({self.last}) before it starts ({self.first})")

    @classmethod
    def from_settings(cls, first: date, last: date, settings: config.Settings, **overrides: Any) -> ReportRange:
        values = dict(
            timezone=settings.timezone, include_bots=settings.include_bots, tracked_keywords=settings.tracked_keywords
        )
        return cls(first, last, **{**values, **overrides})

    @property
    def scan_first(self) -> date:
        return self.first - SCAN_MARGIN

    @property
    def scan_last(self) -> date:
        return self.last + SCAN_MARGIN

    def params(self) -> dict[str, Any]:
        return {
            "from_date": self.first.isoformat(),
            "to_date": self.last.isoformat(),
            "scan_from": self.scan_first.isoformat(),
            "scan_to": self.scan_last.isoformat(),
            "timezone": self.timezone,
            "include_bots": self.include_bots,
            "keyword_limit": self.keyword_limit,
        }


# ---------------------------------------------------------------------------------------------- SQL


def source_sql(name: str) -> str:
    return config.read_sql(f"reports/{name}.sql")


def athena_sql(name: str) -> str:
    """The committed Athena (Trino) text of a report, with ``:name`` parameters."""
    return config.read_sql(f"reports/athena/{name}.sql")


def _athena_dialect():
    from sqlglot import exp
    from sqlglot.dialects.trino import Trino

    class Athena(Trino):
        class Generator(Trino.Generator):
            # Athena documents the standard AT TIME ZONE operator; sqlglot writes Trino's at_timezone().
            TRANSFORMS = {
                **Trino.Generator.TRANSFORMS,
                exp.AtTimeZone: lambda self, e: f"{self.sql(e, 'this')} AT TIME ZONE {self.sql(e, 'zone')}",
            }

    return Athena


ATHENA_HEADER = (
    "-- Generated from include/sql/reports/{name}.sql and counted_messages.sql by sqlglot (Trino dialect).\n"
    "-- Do not edit: run `python -m telegram_pipeline report --write-athena-sql` after changing the DuckDB SQL.\n"
    "-- Parameters (:name) and the tables stopwords(word) / tracked_keywords(keyword) are bound at run time.\n"
)


def _with_counted_messages(report: str):
    """The report's DuckDB SQL as one statement, ``counted_messages`` inlined as its first CTE."""
    import sqlglot
    from sqlglot import exp

    query = sqlglot.parse_one(source_sql(report), read="duckdb")
    counted = exp.CTE(
        this=sqlglot.parse_one(source_sql(COUNTED_MESSAGES), read="duckdb"),
        alias=exp.TableAlias(this=exp.to_identifier(COUNTED_MESSAGES)),
    )
    with_ = query.args.get("with_") or query.args.get("with")
    if with_ is None:
        query.set("with_" if "with_" in query.arg_types else "with", exp.With(expressions=[counted]))
    else:
        with_.set("expressions", [counted, *with_.expressions])
    return query


def generated_athena_sql(report: str) -> str:
    text = _with_counted_messages(report).sql(dialect=_athena_dialect(), pretty=True)
    return ATHENA_HEADER.format(name=report) + text + "\n"


def write_athena_sql() -> list[str]:
    folder = config.sql_dir() / "reports" / "athena"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for report in REPORTS:
        path = folder / f"{report}.sql"
        path.write_text(generated_athena_sql(report), encoding="utf-8")
        written.append(str(path))
    return written


def _words_subquery(column: str, words: Iterable[str]):
    """``(SELECT column FROM (VALUES ...))``, or an empty relation of one VARCHAR column."""
    import sqlglot
    from sqlglot import exp

    words = sorted(set(words))
    if not words:
        return sqlglot.parse_one(f"SELECT CAST(NULL AS VARCHAR) AS {column} WHERE FALSE", read="trino")
    values = exp.values([(w,) for w in words], alias="t", columns=[column])
    return exp.select(column).from_(values)


def rendered_athena_sql(report: str, rng: ReportRange, words: Iterable[str] | None = None) -> str:
    """The exact text sent to Athena: the committed SQL with its parameters and word lists bound."""
    import sqlglot
    from sqlglot import exp

    params = rng.params()
    query = sqlglot.parse_one(athena_sql(report), read="trino")

    def bind(node):
        if isinstance(node, exp.Placeholder) and node.name in params:
            value = params[node.name]
            if isinstance(value, bool):
                return exp.Boolean(this=value)
            if isinstance(value, int):
                return exp.Literal.number(value)
            return exp.Literal.string(value)
        if isinstance(node, exp.Table) and not node.args.get("db") and node.name in {"stopwords", "tracked_keywords"}:
            column, chosen = (
                ("word", stopwords.ALL if words is None else words)
                if node.name == "stopwords"
                else ("keyword", rng.tracked_keywords)
            )
            return exp.Subquery(
                this=_words_subquery(column, chosen), alias=exp.TableAlias(this=exp.to_identifier(node.alias_or_name))
            )
        return node

    bound = query.transform(bind)
    missing = sorted({p.name for p in bound.find_all(exp.Placeholder)})
    if missing:
        raise ValueError(f"{report}: unbound Athena parameters {missing}")
    return bound.sql(dialect=_athena_dialect())


# ------------------------------------------------------------------------------------------ DuckDB


def curated_files(first: date, last: date, store: storage.Store) -> tuple[Any, str, list[str]]:
    """(pyarrow filesystem, root, the Parquet files of the partitions first..last that exist)."""
    from pyarrow import fs as pafs

    filesystem, root = store.arrow_filesystem()
    candidates = [f"{root}/{consolidate.partition_key(day)}" for day in consolidate.days_between(first, last)]
    found = [info.path for info in filesystem.get_file_info(candidates) if info.type == pafs.FileType.File]
    return filesystem, root, found


def messages_dataset(first: date, last: date, settings: config.Settings):
    """The curated partitions first..last that exist, as one pyarrow dataset with ``context_date``.
    Columns missing from older files read as NULL (the schema is given, not inferred)."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    filesystem, root, found = curated_files(first, last, storage.curated_store(settings))
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


def register_messages(con, first: date, last: date, settings: config.Settings) -> None:
    """``messages`` in DuckDB over the curated partitions first..last: local files through DuckDB's own
    Parquet reader (leaner and faster), S3 through pyarrow's filesystem (no extension to download)."""
    store = storage.curated_store(settings)
    found = curated_files(first, last, store)[2] if isinstance(store, storage.LocalStore) else []
    if not found:
        con.register("messages", messages_dataset(first, last, settings))
        return
    files = "[" + ", ".join(_quote(path) for path in found) + "]"
    source = f"read_parquet({files}, hive_partitioning = true, union_by_name = true, hive_types = {{'context_date': VARCHAR}})"
    present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    columns = [
        c.name if c.name in present else f"CAST(NULL AS {schema.DUCKDB_TYPES[c.type]}) AS {c.name}"
        for c in schema.COLUMNS
    ]
    con.execute(f"CREATE OR REPLACE TEMP VIEW messages AS SELECT {', '.join(columns)}, context_date FROM {source}")


def _words_table(column: str, words: Iterable[str]):
    import pyarrow as pa

    return pa.table({column: pa.array(sorted(set(words)), pa.string())})


class DuckDBReports:
    """One DuckDB connection over a span of curated partitions; builds the reports of any range in it."""

    def __init__(self, first: date, last: date, settings: config.Settings, threads: int | None = None) -> None:
        import duckdb

        self.settings = settings
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        register_messages(self.con, first, last, settings)
        self.con.register("stopwords", _words_table("word", stopwords.ALL))

    def _execute(self, sql: str, params: Mapping[str, Any]):
        import re

        used = set(re.findall(r"\$(\w+)", re.sub(r"--[^\n]*", "", sql)))
        return self.con.execute(sql, {k: v for k, v in params.items() if k in used})

    def build(self, rng: ReportRange) -> dict[str, Any]:
        params = rng.params()
        self.con.register("tracked_keywords", _words_table("keyword", rng.tracked_keywords))
        self._execute(f"CREATE OR REPLACE TEMP TABLE {COUNTED_MESSAGES} AS {source_sql(COUNTED_MESSAGES)}", params)
        schemas = output_schemas()
        tables = {}
        for report in REPORTS:
            table = self._execute(source_sql(report), params).fetch_arrow_table()
            tables[report] = table.cast(schemas[report])
        self.con.execute(f"DROP TABLE {COUNTED_MESSAGES}")
        return tables

    def close(self) -> None:
        self.con.close()


# ------------------------------------------------------------------------------------------ Athena


def run_athena_query(sql: str, settings: config.Settings, hook=None) -> tuple[str, list[list[str | None]]]:
    """Submit one query, wait for it, return (query id, rows as strings without the header row)."""
    if hook is None:
        from airflow.providers.amazon.aws.hooks.athena import AthenaHook

        hook = AthenaHook(aws_conn_id=None, region_name=settings.aws_region, log_query=False)
    result_configuration = {"OutputLocation": settings.athena_output_uri} if settings.athena_output_uri else {}
    query_id = hook.run_query(
        sql,
        query_context={"Database": settings.glue_database},
        result_configuration=result_configuration,
        workgroup=settings.athena_workgroup,
    )
    state = hook.poll_query_status(query_id, max_polling_attempts=ATHENA_MAX_POLLS, sleep_time=ATHENA_POLL_SECONDS)
    if state != "SUCCEEDED":
        reason = hook.get_state_change_reason(query_id)
        raise RuntimeError(f"Athena query {query_id} ended {state}: {reason}")
    rows: list[list[str | None]] = []
    paginator = hook.get_conn().get_paginator("get_query_results")
    for page_number, page in enumerate(paginator.paginate(QueryExecutionId=query_id)):
        page_rows = page["ResultSet"]["Rows"]
        if page_number == 0:
            page_rows = page_rows[1:]  # a SELECT's first row holds the column names
        rows.extend([cell.get("VarCharValue") for cell in row["Data"]] for row in page_rows)
    return query_id, rows


def _typed_table(rows: list[list[str | None]], arrow_schema):
    import pyarrow as pa

    def convert(value: str | None, type_):
        if value is None or value == "":
            return None
        if pa.types.is_integer(type_):
            return int(value)
        if pa.types.is_floating(type_):
            return float(value)
        if pa.types.is_boolean(type_):
            return value.lower() == "true"
        if pa.types.is_date(type_):
            return date.fromisoformat(value[:10])
        return value

    columns = {f.name: pa.array([convert(row[i], f.type) for row in rows], f.type) for i, f in enumerate(arrow_schema)}
    return pa.table(columns, schema=arrow_schema)


def build_athena(rng: ReportRange, settings: config.Settings, hook=None) -> dict[str, Any]:
    schemas = output_schemas()
    tables = {}
    for report in REPORTS:
        query_id, rows = run_athena_query(rendered_athena_sql(report, rng), settings, hook=hook)
        log.info("Athena %s: query %s, %d rows", report, query_id, len(rows))
        tables[report] = _typed_table(rows, schemas[report])
    return tables


# --------------------------------------------------------------------------------------- Building


def build(rng: ReportRange, settings: config.Settings | None = None, engine: str | None = None) -> dict[str, Any]:
    """The four report tables of ``rng`` (name -> pyarrow Table)."""
    settings = settings or config.load()
    engine = engine or settings.report_engine
    if engine == "athena":
        return build_athena(rng, settings)
    reports = DuckDBReports(rng.scan_first, rng.scan_last, settings)
    try:
        return reports.build(rng)
    finally:
        reports.close()


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass
class Summary:
    first: date
    last: date
    timezone: str
    messages: int
    active_users: int
    new_members: int
    busiest_weekday: str | None
    busiest_hour: int | None
    top_posters: list[tuple[str, int]] = field(default_factory=list)
    top_keywords: list[tuple[str, int]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "first": self.first.isoformat(), "last": self.last.isoformat()}


def summarize(tables: Mapping[str, Any], rng: ReportRange) -> Summary:
    posters = tables["top_posters"].to_pylist()
    keywords = [k for k in tables["keywords"].to_pylist() if k["messages"] > 0]
    volume = tables["daily_volume"].to_pylist()
    heatmap = tables["activity_heatmap"].to_pylist()
    by_weekday = {d: sum(c["messages"] for c in heatmap if c["weekday"] == d) for d in range(1, 8)}
    by_hour = {h: sum(c["messages"] for c in heatmap if c["hour"] == h) for h in range(24)}
    any_messages = any(by_hour.values())
    return Summary(
        first=rng.first,
        last=rng.last,
        timezone=rng.timezone,
        messages=sum(row["messages"] for row in volume),
        active_users=len(posters),
        new_members=sum(row["new_members"] for row in volume),
        busiest_weekday=WEEKDAYS[max(by_weekday, key=by_weekday.get) - 1] if any_messages else None,
        busiest_hour=max(by_hour, key=by_hour.get) if any_messages else None,
        top_posters=[(p["user_name"], p["messages"]) for p in posters[:5]],
        top_keywords=[(k["keyword"], k["messages"]) for k in keywords[:10]],
    )


def render_html(tables: Mapping[str, Any], rng: ReportRange, title: str | None = None) -> str:
    return report_html.render(tables, summarize(tables, rng), title=title)


def write_range(tables: Mapping[str, Any], rng: ReportRange, out: str) -> list[str]:
    """``out/{report}.parquet`` and ``out/report.html`` (out: a local folder or s3://)."""
    store = storage.open_store(out)
    for report in REPORTS:
        store.write(f"{report}.parquet", consolidate.parquet_bytes(tables[report]))
    store.write(HTML_FILE, render_html(tables, rng).encode("utf-8"))
    return [store.url(f"{report}.parquet") for report in REPORTS] + [store.url(HTML_FILE)]


def window_prefix(report: str, day: date, window: str) -> str:
    return f"{report}/{schema.PARTITION_COLUMN}={day.isoformat()}/window={window}"


def build_day_windows(day: date, settings: config.Settings | None = None) -> dict[str, Any]:
    """For the DAG: the reports of the day and of the 7 and 30 days ending on it, each written to
    ``{REPORTS_URI}/{report}/context_date=D/window=W/data.parquet`` and the page to
    ``{REPORTS_URI}/html/context_date=D/window=W/report.html``, one file per folder, replaced whole."""
    settings = settings or config.load()
    store = storage.reports_store(settings)
    longest = max(WINDOWS.values())
    ranges = {w: ReportRange.from_settings(day - timedelta(days=n - 1), day, settings) for w, n in WINDOWS.items()}
    duck = None
    if settings.report_engine == "duckdb":
        duck = DuckDBReports(day - timedelta(days=longest - 1) - SCAN_MARGIN, day + SCAN_MARGIN, settings)
    written: dict[str, Any] = {}
    try:
        for window, rng in ranges.items():
            tables = duck.build(rng) if duck else build_athena(rng, settings)
            for report in REPORTS:
                store.replace_folder(
                    window_prefix(report, day, window), {DATA_FILE: consolidate.parquet_bytes(tables[report])}
                )
            summary = summarize(tables, rng)
            title = f"Last {WINDOWS[window]} days" if WINDOWS[window] > 1 else None
            html = report_html.render(tables, summary, title=title).encode("utf-8")
            store.replace_folder(window_prefix(HTML_FOLDER, day, window), {HTML_FILE: html})
            written[window] = {"messages": summary.messages, "active_users": summary.active_users}
    finally:
        if duck:
            duck.close()
    log.info("reports for %s (%s): %s", day, settings.timezone, json.dumps(written))
    return {"day": day.isoformat(), "windows": written}


def dates_to_report(params: Mapping[str, Any] | None, triggering_asset_events: Any) -> list[str]:
    """The days a reports DAG run builds: the params' from..to range when given (a manual run),
    else every date named in the ``extra["dates"]`` of the curated Asset's triggering events."""
    params = params or {}
    first, last = params.get("from"), params.get("to")
    if first or last:
        first, last = first or last, last or first
        return [
            d.isoformat()
            for d in consolidate.days_between(date.fromisoformat(str(first)), date.fromisoformat(str(last)))
        ]
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


# ------------------------------------------------------------------------------------------------ CLI


def _day(value: str) -> date:
    # Not argparse type=: its error raises SystemExit, while cli.main turns a ValueError into status 2.
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def add_arguments(parser) -> None:
    parser.add_argument("--from", dest="first", help="first day, YYYY-MM-DD (in TIMEZONE)")
    parser.add_argument("--to", dest="last", help="last day, YYYY-MM-DD (default: the first)")
    parser.add_argument("--out", help="folder (or s3:// location) for the four .parquet tables and report.html")
    parser.add_argument("--engine", choices=["duckdb", "athena"], help="default: REPORT_ENGINE")
    parser.add_argument(
        "--write-athena-sql", action="store_true", help="regenerate include/sql/reports/athena/ and exit"
    )


def print_summary(summary: Summary, files: list[str], stream=None) -> None:
    stream = stream or sys.stdout
    days = (summary.last - summary.first).days + 1
    print(f"Reports {summary.first} .. {summary.last} ({days} days, {summary.timezone})", file=stream)
    print(
        f"  {summary.messages} messages from {summary.active_users} senders; {summary.new_members} new members",
        file=stream,
    )
    if summary.busiest_weekday is not None:
        print(f"  busiest: {summary.busiest_weekday}s, {summary.busiest_hour:02d}:00", file=stream)
    if summary.top_posters:
        print("  top posters: " + ", ".join(f"{n} ({c})" for n, c in summary.top_posters), file=stream)
    if summary.top_keywords:
        print("  top keywords: " + ", ".join(f"{k} ({c})" for k, c in summary.top_keywords), file=stream)
    for path in files:
        print(f"  wrote {path}", file=stream)


def run(args) -> int:
    if args.write_athena_sql:
        for path in write_athena_sql():
            print(f"wrote {path}")
        return 0
    if not args.first or not args.out:
        raise ValueError("report needs --from YYYY-MM-DD and --out DIR (and optionally --to)")
    settings = config.load()
    first = _day(args.first)
    last = _day(args.last) if args.last else first
    rng = ReportRange.from_settings(first, last, settings)
    started = datetime.now()
    tables = build(rng, settings, engine=args.engine)
    files = write_range(tables, rng, args.out)
    print_summary(summarize(tables, rng), files)
    log.info("report built in %.1f s", (datetime.now() - started).total_seconds())
    return 0
