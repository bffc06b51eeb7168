"""The Telegram Bot API, called the one way every part of the pipeline calls it: a JSON POST to
``{TELEGRAM_API_URL}/bot{token}/{method}``, Telegram's own description on failure, the token never shown."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any

from telegram_pipeline import config

TOKEN_PATTERN = re.compile(r"^[0-9]+:[A-Za-z0-9_-]+$")


class TelegramError(RuntimeError):
    pass


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
