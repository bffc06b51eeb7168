"""``consolidate``, ``catalog``, ``history`` and ``ddl``: the lake's steps, one day or a range, as the DAG runs them."""

from __future__ import annotations

import json
import sys
import time
from datetime import date

from telegram_pipeline import config
from telegram_pipeline.cli import day_argument
from telegram_pipeline.lake import catalog as lake_catalog
from telegram_pipeline.lake import consolidate as lake_consolidate
from telegram_pipeline.lake import history as lake_history
from telegram_pipeline.lake import layout, quality, storage


def consolidate_arguments(parser) -> None:
    parser.add_argument("--date", required=True, type=day_argument, help="first (or only) day, YYYY-MM-DD")
    parser.add_argument("--to", type=day_argument, help="last day of a range (inclusive), for a backfill")
    parser.add_argument("--no-check", action="store_true", help="skip the quality checks after each write")


def consolidate(args) -> int:
    last = args.to or args.date
    if last < args.date:
        raise ValueError(f"--to {last} is before --date {args.date}")
    return consolidate_range(args.date, last, config.load(), check=not args.no_check)


def consolidate_range(first: date, last: date, settings: config.Settings, check: bool = True) -> int:
    """``consolidate --date FIRST --to LAST``: the days in one pass, a JSON line per day with objects, the
    quality checks, a summary on stderr; the exit status."""
    started = time.perf_counter()
    try:
        results = lake_consolidate.consolidate_days(layout.days_between(first, last), settings)
    except lake_consolidate.TooManyBadObjects as exc:
        print_results(exc.results)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except storage.StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return finish_consolidation(results, first, last, settings, check, started)


def finish_consolidation(
    results: list, first: date, last: date, settings: config.Settings, check: bool, started: float
) -> int:
    """The consolidated days' JSON lines, their quality checks and the summary; the exit status."""
    print_results(results)
    if check:
        try:
            quality.check_days({date.fromisoformat(r.day): r.rows for r in results}, settings)
        except quality.QualityCheckFailed as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    with_rows = sum(1 for r in results if r.rows)
    empty = f", {_count(len(results) - with_rows, 'day')} without updates (no file)" if with_rows < len(results) else ""
    checked = ", quality checks passed" if check else ""
    print(
        f"consolidated {_count(len(results), 'day')} {first} .. {last}: {_count(sum(r.rows for r in results), 'row')} "
        f"in {_count(with_rows, 'partition')}{empty}{checked}; {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def print_results(results: list) -> None:
    """One JSON line per day that had raw objects (a day without any has nothing to say)."""
    for result in results:
        if result.objects:
            print(json.dumps(result.to_dict(), sort_keys=True))


def catalog_arguments(parser) -> None:
    parser.add_argument("--date", type=day_argument, help="register this day (YYYY-MM-DD)")
    parser.add_argument("--to", type=day_argument, help="last day of a range (inclusive)")
    parser.add_argument(
        "--write-ddl",
        action="store_true",
        help="regenerate the Athena DDL files in include/sql/generated/athena/ddl/ from the schema",
    )


def catalog(args) -> int:
    if args.write_ddl:
        for path in lake_catalog.write_ddl_files():
            print(f"wrote {path}")
        if not args.date:
            return 0
    days = []
    if args.date:
        last = args.to or args.date
        if last < args.date:
            raise ValueError(f"--to {last} is before --date {args.date}")
        days = layout.days_between(args.date, last)
    print(json.dumps(lake_catalog.register_days(days), sort_keys=True))
    return 0


def ddl_arguments(parser) -> None:
    parser.add_argument("--location", help="s3:// location of the table (default: {CURATED_URI}/messages/)")
    parser.add_argument(
        "--projection", action="store_true", help="use partition projection instead of registered partitions"
    )


def ddl(args) -> int:

    print(lake_catalog.athena_ddl(location=args.location, projection=args.projection))
    return 0


def history_arguments(parser) -> None:
    parser.add_argument(
        "--rebuild", action="store_true", help="write every partition's state again, not only the missing"
    )


def history(args) -> int:
    written = lake_history.build_missing(config.load(), rebuild=args.rebuild)
    print(json.dumps(written, sort_keys=True))
    print(
        f"history state written for {_count(len(written['days']), 'day')}, {_count(len(written['months']), 'month')}",
        file=sys.stderr,
    )
    return 0
