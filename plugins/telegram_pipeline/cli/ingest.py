"""``import-export``: history from a Telegram Desktop export, to the raw zone (and on to its reports)."""

from __future__ import annotations

import json
import sys
from datetime import date

from telegram_pipeline import config
from telegram_pipeline.ingest import desktop_export
from telegram_pipeline.lake import storage
from telegram_pipeline.reports.summary import counted


def import_export_arguments(parser) -> None:
    parser.add_argument("export", help="the export's result.json, or the folder Telegram Desktop wrote it to")
    parser.add_argument(
        "--chat",
        action="append",
        metavar="ID|NAME",
        help="a chat of a whole-account export (its id, in the export or the Bot API, or its name); repeat it for "
        "several. Without it the file must hold one chat",
    )
    parser.add_argument(
        "--chat-id",
        type=int,
        help="Bot API chat id to file the messages under (default: from the export, -100… for supergroups); "
        "for a group that migrated, the id its live updates have",
    )
    parser.add_argument(
        "--export-timezone",
        metavar="IANA",
        help="time zone of the machine that made the export; needed only for old exports without date_unixtime",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=desktop_export.PARTS_IN_FLIGHT,
        help=f"days written to the raw zone at once (default and most {desktop_export.PARTS_IN_FLIGHT})",
    )
    parser.add_argument("--dry-run", action="store_true", help="read and convert everything, write nothing")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--consolidate",
        action="store_true",
        help="then, in the same process, consolidate the imported days, check them and register them in the "
        "catalog (what consolidate and catalog do)",
    )
    parser.add_argument(
        "--report",
        metavar="DIR",
        help="then build the reports of the imported days into DIR (or s3:// location), as report does; "
        "implies --consolidate",
    )


def _summary(result: desktop_export.ImportResult, settings: config.Settings, dry_run: bool, then: str = "") -> str:
    """What was imported; then the commands to run next, unless ``then`` says what this run does next."""
    chat = result.chat
    kind = f"forum {chat.type}" if chat.is_forum else chat.type
    lines = [
        f"{'would import' if dry_run else 'imported'} {counted(result.messages, 'message')} of "
        f"{chat.title!r} (chat_id {chat.id}, {kind}) into {settings.raw_uri}",
        f"  also {counted(result.service_messages, 'service message')} (joins, pins, topics, …: not counted as "
        f"messages); {counted(result.reactions, 'reaction')} on {counted(result.reacted_messages, 'message')}",
        f"  skipped (malformed): {result.skipped:,}; not imported (nothing a bot receives): {result.not_for_bots:,}",
    ]
    if result.unresolved_topics:
        lines.append(
            f"  {counted(result.unresolved_topics, 'reply', 'replies')} to messages the export does not hold: "
            "their topic cannot be told, they are counted in the General topic"
        )
    for what, reason in result.skipped_details[:20]:
        lines.append(f"  skipped {what}: {reason}")
    if result.skipped > 20:
        lines.append(f"  … and {result.skipped - 20:,} more skipped")
    if not result.days:
        return "\n".join(lines)
    first, last = result.first_day, result.last_day
    written = "" if dry_run else f"; {result.objects:,} objects written (one per chat and day)"
    lines.append(f"  days: {len(result.days):,}, from {first} to {last} ({settings.timezone}){written}")
    if then:
        lines.append(then)
        return "\n".join(lines)
    lines.append("next: consolidate and register those days, then build the reports:")
    lines.append(
        f"  python -m telegram_pipeline consolidate --date {first} --to {last}"
        f" && python -m telegram_pipeline catalog --date {first} --to {last}"
    )
    lines.append(f"  python -m telegram_pipeline report --from {first} --to {last} --out reports/")
    lines.append(
        "or through Airflow, the range in one run (in the UI: Trigger telegram_consolidate with its First day and "
        "Last day), the reports DAG following it:"
    )
    lines.append(f"""  airflow dags trigger telegram_consolidate --conf '{{"from": "{first}", "to": "{last}"}}'""")
    return "\n".join(lines)


def import_export(args) -> int:
    chats = args.chat or [None]
    if len(chats) > 1 and args.chat_id is not None:
        raise ValueError("--chat-id gives one chat its id: give it with one --chat at a time")
    settings = config.load()
    status, days = 0, set()
    for chat in chats:
        chat_status, result = _import_one(args, chat, settings)
        status = max(status, chat_status)
        days |= result.days if result is not None else set()
    if status or args.dry_run or not (args.consolidate or args.report is not None) or not days:
        return status
    return _consolidate_and_report(min(days), max(days), args.report, settings)


def _then(args) -> str:
    """What the run does after the import, as the summary says it."""
    if args.dry_run or not (args.consolidate or args.report is not None):
        return ""
    return "next, in this process: consolidate, check and register those days" + (
        f", then their reports into {args.report}" if args.report is not None else ""
    )


def _import_one(args, chat: str | None, settings: config.Settings) -> tuple[int, desktop_export.ImportResult | None]:
    try:
        result = desktop_export.import_export(
            args.export,
            chat=chat,
            chat_id=args.chat_id,
            export_timezone=args.export_timezone,
            settings=settings,
            workers=args.workers,
            dry_run=args.dry_run,
            progress=not args.quiet and sys.stderr.isatty(),
        )
    except desktop_export.CutShortError as exc:
        if exc.result.chat is not None:
            print(_summary(exc.result, settings, args.dry_run))
        print(f"error: {exc}", file=sys.stderr)
        return 1, exc.result
    except storage.StorageError as exc:
        print(
            f"error: writing to the raw zone failed: {exc}. Rerun the import when storage is back: it rewrites "
            "the same objects, so nothing is doubled.",
            file=sys.stderr,
        )
        return 1, None
    print(_summary(result, settings, args.dry_run, _then(args)), flush=True)
    if (why := result.why_nothing()) is not None:
        print(f"error: nothing imported: {why}.", file=sys.stderr)
        return 1, result
    return 0, result


def _consolidate_and_report(first: str, last: str, out: str | None, settings: config.Settings) -> int:
    """The imported range consolidated and checked (``consolidate``, in a process of its own), registered in
    the catalog and, with ``out``, its reports built (``catalog`` and ``report``, in this process)."""
    from telegram_pipeline.cli import reports
    from telegram_pipeline.lake import catalog, layout

    first_day, last_day = date.fromisoformat(first), date.fromisoformat(last)
    status = consolidate_apart(first_day, last_day, settings)
    if status:
        return status
    print(json.dumps(catalog.register_days(layout.days_between(first_day, last_day), settings), sort_keys=True))
    if out is None:
        print(
            f"next: build the reports:\n  python -m telegram_pipeline report --from {first} --to {last} --out reports/"
        )
        return 0
    return reports.write_reports(first_day, last_day, out, settings)


def consolidate_apart(first: date, last: date, settings: config.Settings) -> int:
    """``consolidate --date FIRST --to LAST`` in a process of its own (which reads a large range with a
    process per core, as the command does): what the consolidation holds at its end (its caches, the heap
    it grew) goes with that process, so the reports after it start from this small one. Its exit status."""
    import multiprocessing

    sys.stdout.flush()
    sys.stderr.flush()
    process = multiprocessing.get_context("spawn").Process(target=_consolidate, args=(first, last, settings))
    process.start()
    process.join()
    if process.exitcode < 0:
        print(f"error: the consolidation was ended by signal {-process.exitcode}", file=sys.stderr)
        return 1
    return process.exitcode


def _consolidate(first: date, last: date, settings: config.Settings) -> None:
    from telegram_pipeline.cli import lake

    try:
        status = lake.consolidate_range(first, last, settings)
    except (ValueError, FileNotFoundError) as exc:  # what the command line says as an error, not a traceback
        print(f"error: {exc}", file=sys.stderr)
        status = 2
    sys.exit(status)
