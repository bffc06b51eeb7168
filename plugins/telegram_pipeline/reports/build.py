"""Building reports: the tables of a range for every group with the chosen engine, written as Parquet
(one file per table, a ``chat_id`` column telling the groups apart) with one HTML page per group and an
index of them; for the DAG, the 1-, 7- and 30-day windows ending on a day, built from one scan."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.lake import layout, schema, storage
from telegram_pipeline.reports import athena_engine, html
from telegram_pipeline.reports.definitions import REPORTS, WINDOWS, ReportRange
from telegram_pipeline.reports.duckdb_engine import DuckDBReports
from telegram_pipeline.reports.summary import Summary, chat_ids, for_chat, summarize

HTML_FOLDER = "html"
HTML_FILE = "report.html"
INDEX_FILE = "index.html"
DATA_FILE = "data.parquet"


def only_chats(tables: Mapping[str, Any], wanted: Collection[int] | None) -> dict[str, Any]:
    """The tables' rows of the groups in ``wanted`` (all of them when None)."""
    if wanted is None:
        return dict(tables)
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = pa.array(sorted(wanted), pa.int64())
    return {name: table.filter(pc.is_in(table["chat_id"], ids)) for name, table in tables.items()}


def build(
    rng: ReportRange,
    settings: config.Settings | None = None,
    engine: str | None = None,
    chat_ids: Collection[int] | None = None,
) -> dict[str, Any]:
    """Every report table of ``rng`` (name -> pyarrow Table), for every group of the range or only
    ``chat_ids``; a group that became a supergroup under its current id."""
    settings = settings or config.load()
    engine = engine or settings.report_engine
    if engine == "athena":
        tables = athena_engine.build_athena(rng, settings)
    else:
        reports = DuckDBReports(settings, rng.scan_last)
        try:
            tables = reports.build(rng)
        finally:
            reports.close()
    return only_chats(tables, chat_ids)


def page_key(chat_id: int) -> str:
    return f"chat_id={chat_id}/{HTML_FILE}"


def pages(
    tables: Mapping[str, Any], rng: ReportRange, title: str | None = None
) -> tuple[dict[str, bytes], list[Summary]]:
    """({file name: bytes} of every group's page and the index linking them, the groups' summaries)."""
    summaries, files = [], {}
    for chat_id in chat_ids(tables):
        summary = summarize(tables, rng, chat_id)
        files[page_key(chat_id)] = html.render(for_chat(tables, chat_id), summary, title=title).encode("utf-8")
        summaries.append(summary)
    files[INDEX_FILE] = html.render_index([(s, page_key(s.chat_id)) for s in summaries], rng, title=title).encode(
        "utf-8"
    )
    return files, summaries


def render_html(tables: Mapping[str, Any], rng: ReportRange, chat_id: int, title: str | None = None) -> str:
    """One group's page."""
    return html.render(for_chat(tables, chat_id), summarize(tables, rng, chat_id), title=title)


def write_range(tables: Mapping[str, Any], rng: ReportRange, out: str) -> tuple[list[str], list[Summary]]:
    """``out/{report}.parquet`` (every group, told apart by ``chat_id``), ``out/chat_id=<id>/report.html``
    for each group and ``out/index.html`` (out: a local folder or s3://); the files and the summaries."""
    store = storage.open_store(out)
    for report in REPORTS:
        store.write(f"{report}.parquet", layout.parquet_bytes(tables[report]))
    files, summaries = pages(tables, rng)
    for name, data in files.items():
        store.write(name, data)
    return [store.url(f"{report}.parquet") for report in REPORTS] + [store.url(name) for name in files], summaries


def window_prefix(report: str, day: date, window: str) -> str:
    return f"{report}/{schema.PARTITION_COLUMN}={day.isoformat()}/window={window}"


def window_ranges(day: date, settings: config.Settings) -> dict[str, ReportRange]:
    return {w: ReportRange.from_settings(day - timedelta(days=n - 1), day, settings) for w, n in WINDOWS.items()}


def build_windows(
    day: date, settings: config.Settings, athena_queries: Mapping[str, Mapping[str, str]] | None = None
) -> dict[str, dict[str, Any]]:
    """The tables of the 1-, 7- and 30-day windows ending on ``day``, for every group. DuckDB builds the
    shared work (one scan of the partitions, the counted messages, the replies, …) once for all three.
    ``athena_queries`` ({window: {report: execution id}}, succeeded): the tables are those results."""
    ranges = window_ranges(day, settings)
    if athena_queries is not None:
        return {window: athena_engine.fetch_tables(athena_queries[window], settings) for window in ranges}
    if settings.report_engine == "athena":
        return {window: athena_engine.build_athena(rng, settings) for window, rng in ranges.items()}
    reports = DuckDBReports(settings, max(rng.scan_last for rng in ranges.values()))
    try:
        return dict(zip(ranges, reports.build_span(list(ranges.values())), strict=True))
    finally:
        reports.close()


def build_day_windows(
    day: date, settings: config.Settings | None = None, athena_queries: Mapping[str, Mapping[str, str]] | None = None
) -> dict[str, Any]:
    """For the DAG: the reports of the day and of the 7 and 30 days ending on it, for every group: each
    table to ``{REPORTS_URI}/{report}/context_date=D/window=W/data.parquet`` (a ``chat_id`` column tells the
    groups apart), each group's page to ``{REPORTS_URI}/html/context_date=D/window=W/chat_id=<id>/report.html``
    with ``index.html`` beside them; every folder replaced whole. ``athena_queries``: as in build_windows."""
    settings = settings or config.load()
    return _write_windows(day, build_windows(day, settings, athena_queries), settings)


def build_days_windows(days: Sequence[date], settings: config.Settings | None = None) -> list[dict[str, Any]]:
    """``build_day_windows`` for each of ``days``, one after another; with DuckDB in one session, whose
    view of the lake is made once for all of them (the partitions up to the last day's scan: each day's
    stages read only the days they name)."""
    settings = settings or config.load()
    if settings.report_engine == "athena":
        return [build_day_windows(day, settings) for day in days]
    ranges = {day: window_ranges(day, settings) for day in days}
    reports = DuckDBReports(settings, max(rng.scan_last for windows in ranges.values() for rng in windows.values()))
    try:
        return [
            _write_windows(day, dict(zip(windows, reports.build_span(list(windows.values())), strict=True)), settings)
            for day, windows in ranges.items()
        ]
    finally:
        reports.close()


def _write_windows(day: date, tables_of: Mapping[str, Mapping[str, Any]], settings: config.Settings) -> dict[str, Any]:
    """The day's folders, every window's, replaced together (their files flushed to disk side by side)."""
    ranges = window_ranges(day, settings)
    folders: dict[str, Mapping[str, bytes]] = {}
    written: dict[str, Any] = {}
    for window, tables in tables_of.items():
        for report in REPORTS:
            folders[window_prefix(report, day, window)] = {DATA_FILE: layout.parquet_bytes(tables[report])}
        title = f"Last {WINDOWS[window]} days" if WINDOWS[window] > 1 else None
        files, summaries = pages(tables, ranges[window], title=title)
        folders[window_prefix(HTML_FOLDER, day, window)] = files
        written[window] = {str(s.chat_id): {"messages": s.messages, "active_users": s.active_users} for s in summaries}
    storage.reports_store(settings).replace_folders(folders)
    return {"day": day.isoformat(), "windows": written}
