"""``webhook set|info|delete``: register, inspect or remove the bot's webhook with Telegram's Bot API
(setWebhook, getWebhookInfo, deleteWebhook), with the bot token from TELEGRAM_BOT_TOKEN.

The token is part of every Bot API URL, so nothing this module prints or raises ever contains a URL;
Telegram's own error descriptions are printed with the token masked.
"""

from __future__ import annotations

import re

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
