"""``report``: the reports of a range of days for every group (or one), written to a folder, with each
group's headline printed; ``search``: the messages that use a term, and their count per day."""

from __future__ import annotations

import logging
import sys
from datetime import date, datetime, timedelta

from telegram_pipeline import config
from telegram_pipeline.cli import day_argument
from telegram_pipeline.lake import storage
from telegram_pipeline.reports import build, sql
from telegram_pipeline.reports import search as search_module
from telegram_pipeline.reports.definitions import ReportRange
from telegram_pipeline.reports.summary import Summary, chats_counted, counted, duration

log = logging.getLogger(__name__)


TOPIC_HELP = "only the messages of this forum topic (its id, or its name in any case), in every forum that has it"


def report_arguments(parser) -> None:
    parser.add_argument("--from", dest="first", type=day_argument, help="first day, YYYY-MM-DD (in TIMEZONE)")
    parser.add_argument("--to", dest="last", type=day_argument, help="last day, YYYY-MM-DD (default: the first)")
    parser.add_argument(
        "--out",
        help="folder (or s3:// location) for the .parquet tables (every group, with chat_id), "
        "chat_id=<id>/report.html for each group and index.html",
    )
    parser.add_argument(
        "--chat-id", type=int, help="only this group (its current id: a migrated group's supergroup id)"
    )
    parser.add_argument("--topic", metavar="ID|NAME", help=TOPIC_HELP)
    parser.add_argument("--engine", choices=["duckdb", "athena"], help="default: REPORT_ENGINE")
    parser.add_argument(
        "--write-athena-sql", action="store_true", help="regenerate include/sql/generated/athena/reports/ and exit"
    )


def print_summary(summary: Summary, stream=None) -> None:
    stream = stream or sys.stdout
    print(f"{summary.name} ({summary.kind} {summary.chat_id})", file=stream)
    print(
        f"  {summary.messages_and_members()}; {counted(summary.new_members, 'new member')}",
        file=stream,
    )
    print(f"  {summary.change_sentence()}", file=stream)
    if summary.busiest_weekday is not None:
        # two busiest, each apart (as the demo and the page say), not one weekday's hour
        print(f"  busiest: {summary.busiest_weekday}s, and the {summary.busiest_hour:02d}:00 hour", file=stream)
    print(f"  {summary.best_time_sentence()}", file=stream)
    if summary.top_posters:
        print("  top posters: " + ", ".join(f"{n} ({c:,})" for n, c in summary.top_posters), file=stream)
    if summary.top_keywords:
        print("  top keywords: " + ", ".join(f"{k} ({c:,})" for k, c in summary.top_keywords), file=stream)
    if summary.topics:
        busiest = ", ".join(f"{t.topic} ({t.messages:,})" for t in summary.busiest_topics[:5]) or "none"
        quiet = len(summary.topics) - len(summary.busiest_topics)
        print(f"  busiest topics: {busiest}; {counted(quiet, 'quiet topic')}", file=stream)
    if summary.median_reply_seconds is not None:
        print(f"  first replies after {duration(summary.median_reply_seconds)} (median)", file=stream)
    if summary.reactions:
        top = summary.most_reacted[0]
        print(
            f'  reactions: {summary.reactions:,}; most: {top.author}\'s "{top.text or "…"}" ({top.reactions:,})',
            file=stream,
        )
    if summary.strongest_pairs:
        pairs = ", ".join(f"{p.from_name} → {p.to_name} ({p.replies + p.mentions:,})" for p in summary.strongest_pairs)
        print(f"  who answers whom: {pairs}", file=stream)
    if summary.member_status:
        statuses = ", ".join(f"{count:,} {status}" for status, count in sorted(summary.member_status.items()))
        print(f"  members: {statuses}; {summary.new_members:,} joined, {summary.left:,} left", file=stream)


def report(args) -> int:
    if args.write_athena_sql:
        for path in sql.write_athena_sql():
            print(f"wrote {path}")
        return 0
    if not args.first or not args.out:
        raise ValueError("report needs --from YYYY-MM-DD and --out DIR (and optionally --to)")
    return write_reports(
        args.first, args.last or args.first, args.out, config.load(), args.chat_id, args.topic or "", args.engine
    )


def write_reports(
    first: date,
    last: date,
    out: str,
    settings: config.Settings,
    chat_id: int | None = None,
    topic: str = "",
    engine: str | None = None,
) -> int:
    """``report --from FIRST --to LAST --out OUT``: the range's tables and pages written, each group's
    headline printed; the exit status."""
    rng = ReportRange.from_settings(first, last, settings, topic=topic.strip())
    started = datetime.now()
    wanted = None if chat_id is None else [chat_id]
    tables = build.build(rng, settings, engine=engine, chat_ids=wanted)
    if chat_id is not None and not tables["chats"].num_rows:
        raise ValueError(f"no group {chat_id} in {first} .. {last} (nor the {rng.days} days before)")
    if rng.topic and not any(messages for messages in tables["topics"]["messages"].to_pylist()):
        raise ValueError(f"no forum topic {rng.topic!r} has messages in {first} .. {last}")
    files, summaries = build.write_range(tables, rng, out)
    topic_named = f", topic {rng.topic!r}" if rng.topic else ""
    print(
        f"Reports {first} .. {last} ({counted(rng.days, 'day')}, {rng.timezone}{topic_named}): "
        f"{chats_counted([summary.kind for summary in summaries])}"
    )
    for summary in summaries:
        print_summary(summary)
        print(f"  page: {storage.open_store(out).url(build.page_key(summary.chat_id))}")
    for path in files:
        if not path.endswith(build.HTML_FILE):
            print(f"wrote {path}")
    log.info("report built in %.1f s", (datetime.now() - started).total_seconds())
    return 0


def search_arguments(parser) -> None:
    parser.add_argument(
        "term", help="a word or a phrase, in any script: read by the word rule the topics are counted by"
    )
    parser.add_argument(
        "--from",
        dest="first",
        type=day_argument,
        help="first day, YYYY-MM-DD in TIMEZONE (default: 30 days before --to)",
    )
    parser.add_argument(
        "--to", dest="last", type=day_argument, help="last day, YYYY-MM-DD (default: today in TIMEZONE)"
    )
    parser.add_argument("--chat-id", type=int, help="only this group (the id its messages were sent under)")
    parser.add_argument("--topic", metavar="ID|NAME", help=TOPIC_HELP)
    parser.add_argument(
        "--limit", type=int, default=search_module.DEFAULT_LIMIT, help="messages printed (all are counted)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object instead of text")


def search(args) -> int:
    import json

    settings = config.load()
    last = args.last or datetime.now(settings.tz).date()
    first = args.first or last - timedelta(days=29)
    if args.limit < 0:
        raise ValueError(f"--limit must be 0 or more, not {args.limit}")
    found = search_module.search(
        args.term, first, last, settings, chat_id=args.chat_id, limit=args.limit, topic=args.topic or ""
    )
    print(
        json.dumps(search_module.as_json(found), ensure_ascii=False)
        if args.json
        else search_module.printed(found, settings.timezone)
    )
    return 0
