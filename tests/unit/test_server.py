"""``serve``: the HTTP API event the server builds, and a bad setting refused at start
(tests/integration/test_server.py serves over real sockets)."""

from __future__ import annotations

import os
import subprocess
import sys

from telegram_pipeline.dev import server

from tests.support.paths import REPO


def test_event_shape_is_an_http_api_event():
    headers = [("Host", "example"), ("X-Telegram-Bot-Api-Secret-Token", "a"), ("X-Dup", "1"), ("x-dup", "2")]

    class Headers:
        def items(self):
            return headers

    event = server.http_api_event("POST", "/hook?x=1", Headers(), b"\xff\x00", "10.0.0.1")
    assert event["version"] == "2.0" and event["requestContext"]["http"]["method"] == "POST"
    assert event["headers"]["x-telegram-bot-api-secret-token"] == "a" and event["headers"]["x-dup"] == "1,2"
    assert event["rawPath"] == "/hook" and event["rawQueryString"] == "x=1"
    assert event["isBase64Encoded"] is True and event["body"] == "/wA="


def test_serve_refuses_a_bad_setting(monkeypatch):
    env = {**os.environ, "PYTHONPATH": str(REPO / "plugins"), "TIMEZONE": "Mars/Olympus"}
    result = subprocess.run(
        [sys.executable, "-m", "telegram_pipeline", "serve", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "TIMEZONE" in result.stderr
