"""Helpers shared by the reliability tests (security, properties, faults): webhook events in
the three API Gateway shapes, and an in-memory raw store that can be told to fail."""

from __future__ import annotations

import base64
import copy
import json
import threading

from tests.support.paths import FIXTURES

SECRET = "S3cr3t-T0ken_for-tests-9d2f"
CHAT_ID = -1001234567890
ENVELOPES = {
    "rest": json.loads((FIXTURES / "apigateway" / "rest-v1-proxy-event.json").read_text()),
    "http": json.loads((FIXTURES / "apigateway" / "http-v2-proxy-event.json").read_text()),
    "url": json.loads((FIXTURES / "apigateway" / "lambda-function-url-event.json").read_text()),
}


def event(
    body: bytes | str | None,
    token: str | None = SECRET,
    method: str = "POST",
    shape: str = "http",
    base64_body: bool = False,
    extra_headers: dict | None = None,
) -> dict:
    """A real API Gateway / function URL envelope carrying ``body`` and the secret header."""
    envelope = copy.deepcopy(ENVELOPES[shape])
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = token
    headers.update(extra_headers or {})
    if shape == "rest":
        envelope["httpMethod"] = method
        envelope["headers"] = headers
        envelope["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
    else:
        envelope["requestContext"]["http"]["method"] = method
        envelope["headers"] = {name.lower(): value for name, value in headers.items()}
    if isinstance(body, bytes):
        if base64_body:
            body = base64.b64encode(body).decode()
        else:
            body = body.decode("utf-8", errors="surrogateescape")
    envelope["body"] = body
    envelope["isBase64Encoded"] = base64_body
    return envelope


def update(update_id: int, text: str = "hello", chat_id: int = CHAT_ID, date: int = 1_763_900_000) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": {"id": 111111111, "is_bot": False, "first_name": "Ana", "username": "ana_souza"},
            "chat": {"id": chat_id, "title": "Grupo", "type": "supergroup"},
            "date": date,
            "text": text,
        },
    }


def env(raw_uri: str, **extra: str) -> dict:
    return {"WEBHOOK_SECRET": SECRET, "ALLOWED_CHAT_IDS": str(CHAT_ID), "RAW_URI": raw_uri, "TIMEZONE": "UTC", **extra}


class MemoryStore:
    """The handler's store interface (put/exists) in memory; ``failing`` makes every call raise
    the handler's StorageUnavailable, as S3 does when it is unreachable."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.puts = 0
        self.failing = False
        self._lock = threading.Lock()

    def _check(self) -> None:
        if self.failing:
            import handler

            raise handler.StorageUnavailable("storage is down (injected)")

    def put(self, key: str, data: bytes) -> None:
        self._check()
        with self._lock:
            self.puts += 1
            self.objects[key] = bytes(data)

    def exists(self, key: str) -> bool:
        self._check()
        return key in self.objects
