"""Real API Gateway and function URL events carrying Telegram updates, for the webhook handler's
tests (``webhook_env`` in conftest sets the handler up for them)."""

from __future__ import annotations

import base64
import json
import os

from telegram_pipeline.lake.storage import open_store

from tests.support.paths import FIXTURES

SECRET = "test-Secret_0123456789"
GROUP = -1001234567890
OLD_GROUP = -4012345678
ENVELOPES = ["rest-v1-proxy-event", "http-v2-proxy-event", "lambda-function-url-event"]


def telegram(name: str) -> bytes:
    return (FIXTURES / "telegram" / f"{name}.json").read_bytes()


def update(update_id: int = 900000001, chat_id: int = GROUP, kind: str = "message", **fields) -> bytes:
    item = {"message_id": 1, "chat": {"id": chat_id, "type": "supergroup"}, "date": 1731898800, "text": "oi"}
    item.update(fields)
    return json.dumps({"update_id": update_id, kind: item}).encode()


def envelope(kind: str, body: bytes | str | None, token: str | None = SECRET, method: str = "POST", b64: bool = False):
    """A real API Gateway / function URL event carrying ``body`` and the secret header, as AWS sends it."""
    event = json.loads((FIXTURES / "apigateway" / f"{kind}.json").read_text())
    if kind.startswith("rest"):
        event["httpMethod"] = event["requestContext"]["httpMethod"] = method
        if token is not None:
            event["headers"]["X-Telegram-Bot-Api-Secret-Token"] = token
            event["multiValueHeaders"]["X-Telegram-Bot-Api-Secret-Token"] = [token]
    else:
        event["requestContext"]["http"]["method"] = method
        if token is not None:
            event["headers"]["x-telegram-bot-api-secret-token"] = token
    if isinstance(body, bytes):
        body = base64.b64encode(body).decode() if b64 else body.decode("utf-8")
    event["body"] = body
    event["isBase64Encoded"] = b64
    return event


def raw_objects() -> dict[str, bytes]:
    store = open_store(os.environ["RAW_URI"])
    return {key: store.read(key) for key in store.list()}


def log_lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
