"""Building reports: the tables of a range with the chosen engine, written as Parquet with their HTML
page; for the DAG, the 1-, 7- and 30-day windows ending on a day, each folder replaced whole."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.lake import layout, schema, storage
from telegram_pipeline.reports import athena_engine, html
from telegram_pipeline.reports.definitions import REPORTS, SCAN_MARGIN, WINDOWS, ReportRange
from telegram_pipeline.reports.duckdb_engine import DuckDBReports
from telegram_pipeline.reports.summary import summarize

log = logging.getLogger(__name__)

HTML_FOLDER = "html"
HTML_FILE = "report.html"
DATA_FILE = "data.parquet"


def build(rng: ReportRange, settings: config.Settings | None = None, engine: str | None = None) -> dict[str, Any]:
    """The four report tables of ``rng`` (name -> pyarrow Table)."""
    settings = settings or config.load()
    engine = engine or settings.report_engine
    if engine == "athena":
        return athena_engine.build_athena(rng, settings)
    reports = DuckDBReports(rng.scan_first, rng.scan_last, settings)
    try:
        return reports.build(rng)
    finally:
        reports.close()


def render_html(tables: Mapping[str, Any], rng: ReportRange, title: str | None = None) -> str:
    return html.render(tables, summarize(tables, rng), title=title)


def write_range(tables: Mapping[str, Any], rng: ReportRange, out: str) -> list[str]:
    """``out/{report}.parquet`` and ``out/report.html`` (out: a local folder or s3://)."""
    store = storage.open_store(out)
    for report in REPORTS:
        store.write(f"{report}.parquet", layout.parquet_bytes(tables[report]))
    store.write(HTML_FILE, render_html(tables, rng).encode("utf-8"))
    return [store.url(f"{report}.parquet") for report in REPORTS] + [store.url(HTML_FILE)]


def window_prefix(report: str, day: date, window: str) -> str:
    return f"{report}/{schema.PARTITION_COLUMN}={day.isoformat()}/window={window}"


def build_day_windows(
    day: date, settings: config.Settings | None = None, athena_queries: Mapping[str, Mapping[str, str]] | None = None
) -> dict[str, Any]:
    """For the DAG: the reports of the day and of the 7 and 30 days ending on it, each written to
    ``{REPORTS_URI}/{report}/context_date=D/window=W/data.parquet`` and the page to
    ``{REPORTS_URI}/html/context_date=D/window=W/report.html``, one file per folder, replaced whole.
    ``athena_queries`` ({window: {report: execution id}}, succeeded): the tables are those results."""
    settings = settings or config.load()
    store = storage.reports_store(settings)
    longest = max(WINDOWS.values())
    ranges = {w: ReportRange.from_settings(day - timedelta(days=n - 1), day, settings) for w, n in WINDOWS.items()}
    duck = None
    if settings.report_engine == "duckdb" and athena_queries is None:
        duck = DuckDBReports(day - timedelta(days=longest - 1) - SCAN_MARGIN, day + SCAN_MARGIN, settings)
    written: dict[str, Any] = {}
    try:
        for window, rng in ranges.items():
            if athena_queries is not None:
                tables = athena_engine.fetch_tables(athena_queries[window], settings)
            else:
                tables = duck.build(rng) if duck else athena_engine.build_athena(rng, settings)
            for report in REPORTS:
                store.replace_folder(
                    window_prefix(report, day, window), {DATA_FILE: layout.parquet_bytes(tables[report])}
                )
            summary = summarize(tables, rng)
            title = f"Last {WINDOWS[window]} days" if WINDOWS[window] > 1 else None
            page = html.render(tables, summary, title=title).encode("utf-8")
            store.replace_folder(window_prefix(HTML_FOLDER, day, window), {HTML_FILE: page})
            written[window] = {"messages": summary.messages, "active_users": summary.active_users}
    finally:
        if duck:
            duck.close()
    log.info("reports for %s (%s): %s", day, settings.timezone, json.dumps(written))
    return {"day": day.isoformat(), "windows": written}
