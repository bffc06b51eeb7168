"""The Telegram Bot API, called the one way every part of the pipeline calls it: a POST to
``{TELEGRAM_API_URL}/bot{token}/{method}``, JSON (or multipart/form-data when a file goes along),
Telegram's own description on failure, a 429 waited out as Telegram asks, the token never shown.

Failures come in three kinds, because a caller must treat them differently:
``Refused`` (Telegram answered no: 400 chat not found, 403 bot is not a member, 401 bad token; the
same call will never succeed), ``RateLimited`` (429 after every wait allowed here) and plain
``TelegramError`` (no answer, or a 5xx: worth trying again later).
"""

from __future__ import annotations

import json
import logging
import re
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from telegram_pipeline import config

log = logging.getLogger(__name__)

TOKEN_PATTERN = re.compile(r"^[0-9]+:[A-Za-z0-9_-]+$")
# The Airflow connection the token is read from when TELEGRAM_BOT_TOKEN is unset: the Telegram
# provider's own default, holding the token as its password (conn_type telegram).
TELEGRAM_CONN_ID = "telegram_default"
TIMEOUT_SECONDS = 60
# A 429 names how long to wait (parameters.retry_after). Waits up to this long are waited out here, at
# most RATE_LIMIT_WAITS times in a row; a longer flood wait is left to the caller's next try.
RATE_LIMIT_WAITS = 5
LONGEST_WAIT_SECONDS = 300


class TelegramError(RuntimeError):
    """A Bot API call that did not succeed. ``error_code`` is Telegram's, None when it never answered."""

    def __init__(self, message: str, error_code: int | None = None, retry_after: int | None = None):
        super().__init__(message)
        self.error_code = error_code
        self.retry_after = retry_after


class Refused(TelegramError):
    """Telegram answered no (a 4xx other than 429): repeating the same call will not help."""


class RateLimited(TelegramError):
    """429 Too Many Requests, still after the waits allowed here."""


@dataclass(frozen=True)
class Upload:
    """A file sent with a call (sendDocument's ``document``, sendPhoto's ``photo``)."""

    filename: str
    data: bytes
    content_type: str


def bot_token(settings: config.Settings) -> str:
    """TELEGRAM_BOT_TOKEN, or the password of the Airflow connection ``telegram_default`` (on MWAA,
    kept in Secrets Manager behind Airflow's secrets backend); checked for shape, never printed."""
    token = settings.telegram_bot_token or _token_from_airflow()
    if not token:
        raise ValueError(
            "TELEGRAM_BOT_TOKEN is not set (BotFather gives it as <digits>:<letters>), "
            f"and no Airflow connection {TELEGRAM_CONN_ID!r} holds one"
        )
    if not TOKEN_PATTERN.match(token):
        raise ValueError("the bot token does not look like a bot token (<digits>:<letters>)")
    return token


def _token_from_airflow() -> str:
    try:
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException
    except ImportError:  # the CLI without Airflow installed
        return ""
    try:
        return BaseHook.get_connection(TELEGRAM_CONN_ID).password or ""
    except AirflowNotFoundException:
        return ""


def call(
    settings: config.Settings,
    method: str,
    params: Mapping[str, Any],
    files: Mapping[str, Upload] | None = None,
) -> Any:
    """One Bot API call and its ``result``; a 429 is retried after Telegram's ``retry_after``."""
    token = bot_token(settings)
    body, content_type = _multipart(params, files) if files else (json.dumps(params).encode(), "application/json")
    for waited in range(RATE_LIMIT_WAITS + 1):
        try:
            return _post(settings.telegram_api_url, token, method, body, content_type)
        except RateLimited as exc:
            wait = exc.retry_after or 1
            if waited == RATE_LIMIT_WAITS or wait > LONGEST_WAIT_SECONDS:
                raise
            log.warning("%s: Telegram asks to wait %s s (429 Too Many Requests); waiting", method, wait)
            time.sleep(wait)
    raise AssertionError("unreachable")


def _post(api_url: str, token: str, method: str, body: bytes, content_type: str) -> Any:
    request = urllib.request.Request(
        f"{api_url}/bot{token}/{method}", data=body, headers={"Content-Type": content_type}, method="POST"
    )
    status = None
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        status = exc.code
        try:
            answer = json.loads(exc.read())
        except ValueError:
            answer = {"ok": False, "description": f"HTTP {exc.code}"}
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TelegramError(f"{method}: cannot reach {api_url}: {reason}".replace(token, "<token>")) from None
    except ValueError:
        raise TelegramError(f"{method}: the answer is not JSON") from None
    if isinstance(answer, dict) and answer.get("ok"):
        return answer.get("result")
    raise _failure(method, answer, status, token)


def _failure(method: str, answer: Any, status: int | None, token: str) -> TelegramError:
    answer = answer if isinstance(answer, dict) else {"description": answer}
    code = answer.get("error_code") if isinstance(answer.get("error_code"), int) else status
    parameters = answer.get("parameters") if isinstance(answer.get("parameters"), dict) else {}
    message = f"{method} failed: {answer.get('description', answer)}"
    if parameters.get("migrate_to_chat_id"):
        message += f" (the group is now the supergroup {parameters['migrate_to_chat_id']}: use that id)"
    message = message.replace(token, "<token>")
    if code == 429:
        return RateLimited(message, code, parameters.get("retry_after"))
    if code is not None and 400 <= code < 500:
        return Refused(message, code)
    return TelegramError(message, code)


def _multipart(params: Mapping[str, Any], files: Mapping[str, Upload]) -> tuple[bytes, str]:
    """multipart/form-data as Telegram takes it: each parameter a field (objects as JSON), each file a part."""
    boundary = f"----telegram-pipeline-{uuid.uuid4().hex}"
    parts: list[bytes] = []
    for name, value in params.items():
        text = value if isinstance(value, str) else json.dumps(value)
        parts.append(f'Content-Disposition: form-data; name="{name}"\r\n\r\n{text}'.encode())
    for name, upload in files.items():
        filename = re.sub(r"[^A-Za-z0-9._-]", "_", upload.filename)
        head = f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\nContent-Type: {upload.content_type}\r\n\r\n'
        parts.append(head.encode() + upload.data)
    body = b"".join(f"--{boundary}\r\n".encode() + part + b"\r\n" for part in parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"
