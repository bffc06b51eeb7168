"""``digest``: each group's digest of a window of days, posted into Telegram once (``--dry-run`` shows it)."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta

from telegram_pipeline import bot_api, config
from telegram_pipeline.cli import day_argument
from telegram_pipeline.delivery import digest_posts as delivery


def digest_arguments(parser) -> None:
    parser.add_argument(
        "--date", type=day_argument, help="last day of the window, YYYY-MM-DD in TIMEZONE (default: yesterday)"
    )
    parser.add_argument("--days", type=int, default=7, help="days in the window, ending on --date (default 7)")
    parser.add_argument(
        "--chat-id", type=int, action="append", dest="groups", help="only this group of DIGEST_CHAT_IDS (repeatable)"
    )
    parser.add_argument(
        "--force", action="store_true", help="post again, even when this group, day and window was delivered"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print each digest and where it would go; send and record nothing"
    )


def where(target: config.DigestTarget) -> str:
    if target.chat_id == target.group_id:
        return f"group {target.group_id} (into the group)"
    return f"group {target.group_id} → chat {target.chat_id}"


def digest(args) -> int:
    settings = config.load()
    last = args.date or datetime.now(settings.tz).date() - timedelta(days=1)
    failed = 0
    posted = delivery.post_digests(
        last, args.days, settings, groups=args.groups, force=args.force, dry_run=args.dry_run
    )
    for target, outcome in posted:
        if isinstance(outcome, Exception):
            failed += 1
            hint = "nothing more was sent for it" if isinstance(outcome, bot_api.Refused) else "rerun to finish it"
            print(f"error: {where(target)}: {outcome} ({hint})", file=sys.stderr)
            continue
        sent = ", ".join(f"{step} {message_id}" for step, message_id in outcome.message_ids.items())
        print(f"{where(target)}: {outcome.status}{f' ({sent})' if sent else ''}; record {outcome.record_url}")
        if args.dry_run and outcome.digest:
            found = outcome.digest
            print(f"  report.html: {len(found.page):,} bytes; chart: {len(found.chart):,} bytes of PNG")
            print("  " + found.text.replace("\n", "\n  "))
    return 1 if failed else 0
