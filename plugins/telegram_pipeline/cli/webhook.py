"""``webhook``: the bot's webhook registration with Telegram (setWebhook, getWebhookInfo, deleteWebhook)."""

from __future__ import annotations

import argparse
import json
import sys

from telegram_pipeline import bot_api, config
from telegram_pipeline.ingest import webhook_setup


def webhook_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    set_parser = actions.add_parser("set", help="setWebhook: point Telegram at the webhook URL")
    set_parser.add_argument("url", help="public HTTPS URL of the webhook (API Gateway or function URL)")
    set_parser.add_argument("--reactions", action="store_true", help="also receive message_reaction(_count)")
    set_parser.add_argument("--members", action="store_true", help="also receive chat_member (joins, leaves, bans)")
    set_parser.add_argument(
        "--allowed-updates",
        metavar="TYPES",
        help=f"comma-separated update types, instead of the default {','.join(webhook_setup.BASE_UPDATES)} (+ the flags above)",
    )
    set_parser.add_argument(
        "--max-connections", type=int, default=40, help="simultaneous HTTPS connections, 1-100 (default 40)"
    )
    set_parser.add_argument(
        "--drop-pending-updates", action="store_true", help="discard the updates Telegram is holding"
    )
    actions.add_parser("info", help="getWebhookInfo: where Telegram delivers, pending updates, last error")
    delete_parser = actions.add_parser("delete", help="deleteWebhook: stop deliveries")
    delete_parser.add_argument(
        "--drop-pending-updates", action="store_true", help="discard the updates Telegram is holding"
    )


def allowed_updates(args: argparse.Namespace) -> list[str]:
    if args.allowed_updates:
        updates = [part.strip() for part in args.allowed_updates.split(",") if part.strip()]
    else:
        updates = list(webhook_setup.BASE_UPDATES)
    for wanted, extra in (
        (args.reactions, webhook_setup.REACTION_UPDATES),
        (args.members, webhook_setup.MEMBER_UPDATES),
    ):
        if wanted:
            updates += [name for name in extra if name not in updates]
    return updates


def webhook(args: argparse.Namespace) -> int:
    settings = config.load()
    if args.action == "set":
        if not args.url.startswith("https://"):
            raise ValueError("Telegram delivers only to an https:// URL")
        if not 1 <= args.max_connections <= 100:
            raise ValueError("--max-connections must be between 1 and 100")
        params = {
            "url": args.url,
            "secret_token": webhook_setup.webhook_secret(settings),
            "allowed_updates": allowed_updates(args),
            "max_connections": args.max_connections,
            "drop_pending_updates": args.drop_pending_updates,
        }
        method = "setWebhook"
    elif args.action == "info":
        method, params = "getWebhookInfo", {}
    else:
        method, params = "deleteWebhook", {"drop_pending_updates": args.drop_pending_updates}
    try:
        result = bot_api.call(settings, method, params)
    except bot_api.TelegramError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if method == "setWebhook":
        print(f"webhook set: {args.url} ({', '.join(params['allowed_updates'])})")
    elif method == "deleteWebhook":
        print("webhook deleted")
    else:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        if isinstance(result, dict) and result.get("last_error_message"):
            print(f"last delivery error: {result['last_error_message']}", file=sys.stderr)
    return 0
