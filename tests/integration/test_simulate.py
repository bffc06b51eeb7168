"""The simulated group: reproducible, alive like a real one, shaped like the Bot API, sent like Telegram sends."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from telegram_pipeline.dev import simulate

TZ = "America/Sao_Paulo"
CHAT_ID = -1001234567890


class StandIn(BaseHTTPRequestHandler):
    """Telegram's view of a webhook: checks the secret, fails each update's first try when asked."""

    secret = "s3cret"
    fail_first: set[int] = set()
    lock = threading.Lock()
    received: list[int] = []
    in_flight = 0
    max_in_flight = 0

    def do_POST(self):
        cls = type(self)
        with cls.lock:
            cls.in_flight += 1
            cls.max_in_flight = max(cls.max_in_flight, cls.in_flight)
        try:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            time.sleep(0.005)
            if self.headers.get("X-Telegram-Bot-Api-Secret-Token") != cls.secret:
                return self._answer(401)
            with cls.lock:
                if body["update_id"] in cls.fail_first:
                    cls.fail_first.discard(body["update_id"])
                    return self._answer(503)
                cls.received.append(body["update_id"])
            self._answer(200)
        finally:
            with cls.lock:
                cls.in_flight -= 1

    def _answer(self, status):
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def stand_in():
    StandIn.received, StandIn.max_in_flight = [], 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_send_posts_each_update_concurrently_and_retries_after_a_5xx(stand_in):
    deliveries = simulate.generate(seed=3, days=2, chat_id=CHAT_ID, timezone=TZ).deliveries
    StandIn.fail_first = {deliveries[0]["update_id"], deliveries[5]["update_id"]}
    result = simulate.send(deliveries, stand_in, "s3cret", concurrency=6, backoff=0.01)
    assert result.delivered == len(deliveries) and result.failed == 0 and result.rejected == 0
    assert result.retries == 2 and result.statuses == Counter({200: len(deliveries)})
    assert sorted(StandIn.received) == sorted(u["update_id"] for u in deliveries)
    assert StandIn.max_in_flight > 1


def test_a_refused_update_is_not_retried_and_an_unreachable_one_fails(stand_in):
    deliveries = simulate.generate(seed=3, days=1, chat_id=CHAT_ID, timezone=TZ).deliveries[:5]
    StandIn.fail_first = set()
    refused = simulate.send(deliveries, stand_in, "wrong", backoff=0.01)
    assert refused.rejected == 5 and refused.retries == 0 and StandIn.received == []
    unreachable = simulate.send(deliveries[:1], "http://127.0.0.1:9/", "s3cret", attempts=2, backoff=0.01)
    assert unreachable.failed == 1 and unreachable.retries == 1
