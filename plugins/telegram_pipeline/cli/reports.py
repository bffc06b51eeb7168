"""``report``: the reports of a range of days for every group (or one), written to a folder, with each
group's headline printed."""

from __future__ import annotations

import logging
import sys
from datetime import date, datetime

from telegram_pipeline import config
from telegram_pipeline.lake import storage
from telegram_pipeline.reports import build, sql
from telegram_pipeline.reports.definitions import ReportRange
from telegram_pipeline.reports.summary import Summary

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
    parser.add_argument(
        "--out",
        help="folder (or s3:// location) for the .parquet tables (every group, with chat_id), "
        "chat_id=<id>/report.html for each group and index.html",
    )
    parser.add_argument(
        "--chat-id", type=int, help="only this group (its current id: a migrated group's supergroup id)"
    )
    parser.add_argument("--engine", choices=["duckdb", "athena"], help="default: REPORT_ENGINE")
    parser.add_argument(
        "--write-athena-sql", action="store_true", help="regenerate include/sql/generated/athena/reports/ and exit"
    )


def print_summary(summary: Summary, stream=None) -> None:
    stream = stream or sys.stdout
    print(f"{summary.title or 'Group'} ({summary.chat_id})", file=stream)
    print(
        f"  {summary.messages} messages from {summary.active_users} senders; "
        f"{summary.new_members} new member{'' if summary.new_members == 1 else 's'}",
        file=stream,
    )
    print(f"  {summary.change_sentence()}", file=stream)
    if summary.busiest_weekday is not None:
        print(f"  busiest: {summary.busiest_weekday}s, {summary.busiest_hour:02d}:00", file=stream)
    print(f"  {summary.best_time_sentence()}", file=stream)
    if summary.top_posters:
        print("  top posters: " + ", ".join(f"{n} ({c})" for n, c in summary.top_posters), file=stream)
    if summary.top_keywords:
        print("  top keywords: " + ", ".join(f"{k} ({c})" for k, c in summary.top_keywords), file=stream)
    if summary.reactions:
        top = summary.most_reacted[0]
        print(
            f'  reactions: {summary.reactions}; most: {top.author}\'s "{top.text or "…"}" ({top.reactions})',
            file=stream,
        )
    if summary.strongest_pairs:
        pairs = ", ".join(f"{p.from_name} → {p.to_name} ({p.replies + p.mentions})" for p in summary.strongest_pairs)
        print(f"  who answers whom: {pairs}", file=stream)
    if summary.member_status:
        statuses = ", ".join(f"{count} {status}" for status, count in sorted(summary.member_status.items()))
        print(f"  members: {statuses}; {summary.joined} joined, {summary.left} left", file=stream)


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
    wanted = None if args.chat_id is None else [args.chat_id]
    tables = build.build(rng, settings, engine=args.engine, chat_ids=wanted)
    if args.chat_id is not None and not tables["chats"].num_rows:
        raise ValueError(f"no group {args.chat_id} in {first} .. {last} (nor the {rng.days} days before)")
    files, summaries = build.write_range(tables, rng, args.out)
    groups = f"{len(summaries)} group{'s' if len(summaries) != 1 else ''}"
    print(f"Reports {first} .. {last} ({rng.days} days, {rng.timezone}): {groups}")
    for summary in summaries:
        print_summary(summary)
        print(f"  page: {storage.open_store(args.out).url(build.page_key(summary.chat_id))}")
    for path in files:
        if not path.endswith(build.HTML_FILE):
            print(f"wrote {path}")
    log.info("report built in %.1f s", (datetime.now() - started).total_seconds())
    return 0
