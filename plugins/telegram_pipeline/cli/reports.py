"""``report``: the reports of a range of days, written to a folder, with the headline printed."""

from __future__ import annotations

import logging
import sys
from datetime import date, datetime

from telegram_pipeline import config
from telegram_pipeline.reports import build, sql
from telegram_pipeline.reports.definitions import ReportRange
from telegram_pipeline.reports.summary import Summary, summarize

log = logging.getLogger(__name__)


def _day(value: str) -> date:
    # Not argparse type=: its error raises SystemExit, while cli.main turns a ValueError into status 2.
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def report_arguments(parser) -> None:
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


def report(args) -> int:
    if args.write_athena_sql:
        for path in sql.write_athena_sql():
            print(f"wrote {path}")
        return 0
    if not args.first or not args.out:
        raise ValueError("report needs --from YYYY-MM-DD and --out DIR (and optionally --to)")
    settings = config.load()
    first = _day(args.first)
    last = _day(args.last) if args.last else first
    rng = ReportRange.from_settings(first, last, settings)
    started = datetime.now()
    tables = build.build(rng, settings, engine=args.engine)
    files = build.write_range(tables, rng, args.out)
    print_summary(summarize(tables, rng), files)
    log.info("report built in %.1f s", (datetime.now() - started).total_seconds())
    return 0
