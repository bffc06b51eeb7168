"""``webhook set|info|delete``: register, inspect or remove the bot's webhook with Telegram's Bot API
(setWebhook, getWebhookInfo, deleteWebhook), with the bot token from TELEGRAM_BOT_TOKEN.

The token is part of every Bot API URL, so nothing this module prints or raises ever contains a URL;
Telegram's own error descriptions are printed with the token masked.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.error
import urllib.request
from typing import Any

from telegram_pipeline import config

# What the pipeline consumes. Telegram sends chat_member and message_reaction(_count) only when they
# are listed explicitly, and only to a bot that is an administrator of the group.
BASE_UPDATES = ["message", "edited_message", "channel_post", "edited_channel_post", "my_chat_member"]
REACTION_UPDATES = ["message_reaction", "message_reaction_count"]
MEMBER_UPDATES = ["chat_member"]
TOKEN_PATTERN = re.compile(r"^[0-9]+:[A-Za-z0-9_-]+$")
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class TelegramError(RuntimeError):
    pass


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    set_parser = actions.add_parser("set", help="setWebhook: point Telegram at the webhook URL")
    set_parser.add_argument("url", help="public HTTPS URL of the webhook (API Gateway or function URL)")
    set_parser.add_argument("--reactions", action="store_true", help="also receive message_reaction(_count)")
    set_parser.add_argument("--members", action="store_true", help="also receive chat_member (joins, leaves, bans)")
    set_parser.add_argument(
        "--allowed-updates",
        metavar="TYPES",
        help=f"comma-separated update types, instead of the default {','.join(BASE_UPDATES)} (+ the flags above)",
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
        updates = list(BASE_UPDATES)
    for wanted, extra in ((args.reactions, REACTION_UPDATES), (args.members, MEMBER_UPDATES)):
        if wanted:
            updates += [name for name in extra if name not in updates]
    return updates


def webhook_secret(settings: config.Settings) -> str:
    """The secret the handler checks: WEBHOOK_SECRET, or the one stored under WEBHOOK_SECRET_PARAM."""
    secret = settings.webhook_secret
    if not secret and settings.webhook_secret_param:
        from telegram_pipeline.lake import aws

        param = settings.webhook_secret_param
        if param.startswith("secretsmanager:"):
            response = aws.client("secretsmanager", settings).get_secret_value(
                SecretId=param.removeprefix("secretsmanager:")
            )
            secret = response.get("SecretString") or ""
        else:
            secret = aws.client("ssm", settings).get_parameter(Name=param, WithDecryption=True)["Parameter"]["Value"]
        secret = secret.strip()
    if not secret:
        raise ValueError(
            "no webhook secret: set WEBHOOK_SECRET (or WEBHOOK_SECRET_PARAM); the handler refuses all without one"
        )
    if not SECRET_PATTERN.match(secret):
        raise ValueError("the webhook secret must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
    return secret


def call(settings: config.Settings, method: str, params: dict[str, Any]) -> Any:
    """One Bot API call; its ``result``, or TelegramError with Telegram's description (token masked)."""
    token = settings.telegram_bot_token
    if not token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set (BotFather gives it as <digits>:<letters>)")
    if not TOKEN_PATTERN.match(token):
        raise ValueError("TELEGRAM_BOT_TOKEN does not look like a bot token (<digits>:<letters>)")
    request = urllib.request.Request(
        f"{settings.telegram_api_url}/bot{token}/{method}",
        data=json.dumps(params).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            answer = json.loads(exc.read())
        except ValueError:
            answer = {"ok": False, "description": f"HTTP {exc.code}"}
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TelegramError(
            f"{method}: cannot reach {settings.telegram_api_url}: {reason}".replace(token, "<token>")
        ) from None
    except ValueError:
        raise TelegramError(f"{method}: the answer is not JSON") from None
    if not isinstance(answer, dict) or not answer.get("ok"):
        description = answer.get("description", answer) if isinstance(answer, dict) else answer
        raise TelegramError(f"{method} failed: {description}".replace(token, "<token>"))
    return answer.get("result")


def run(args: argparse.Namespace) -> int:
    settings = config.load()
    if args.action == "set":
        if not args.url.startswith("https://"):
            raise ValueError("Telegram delivers only to an https:// URL")
        if not 1 <= args.max_connections <= 100:
            raise ValueError("--max-connections must be between 1 and 100")
        params = {
            "url": args.url,
            "secret_token": webhook_secret(settings),
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
        result = call(settings, method, params)
    except TelegramError as exc:
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
