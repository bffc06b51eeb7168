"""``serve``: the webhook handler behind a local HTTP server, over real sockets."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from telegram_pipeline.dev import server
from telegram_pipeline.lake.storage import open_store

from tests.support.paths import FIXTURES, REPO

SECRET = "serve-secret_42"
GROUP = -1001234567890


def telegram(name: str) -> bytes:
    return (FIXTURES / "telegram" / f"{name}.json").read_bytes()


def update(update_id: int, text: str = "oi") -> bytes:
    item = {"message_id": update_id, "chat": {"id": GROUP, "type": "supergroup"}, "date": 1731898800, "text": text}
    return json.dumps({"update_id": update_id, "message": item}, ensure_ascii=False).encode()


def raw_objects() -> dict[str, bytes]:
    store = open_store(os.environ["RAW_URI"])
    return {key: store.read(key) for key in store.list()}


@pytest.fixture
def running(monkeypatch):
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("ALLOWED_CHAT_IDS", str(GROUP))
    httpd = server.make_server("127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def post(port: int, body: bytes, token: str | None = SECRET, connection=None, method: str = "POST", path="/webhook"):
    conn = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = token
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if connection is None:
        conn.close()
    return response.status, data, response


def test_updates_are_stored_through_the_server(running, lake):
    names = ["message_text_supergroup", "edited_message_supergroup", "message_reaction", "other_chat_message"]
    for name in names:
        status, body, _ = post(running, telegram(name))
        assert status == 200, body
    assert raw_objects() == {
        "context_date=2024-11-18/815000001.json": telegram("message_text_supergroup"),
        "context_date=2024-11-18/815000002.json": telegram("edited_message_supergroup"),
        "context_date=2024-11-18/815000011.json": telegram("message_reaction"),
    }


def test_answers_are_the_handlers(running):
    assert post(running, telegram("sticker"), token=None)[0] == 401
    assert post(running, telegram("sticker"), token="wrong")[0] == 403
    status, _, response = post(running, b"", method="GET")
    assert status == 405 and response.getheader("Allow") == "POST"
    assert post(running, b"[]")[0] == 400
    assert post(running, b'{"update_id": 1, "message": {"chat": {"id": 1}, "text": "\xff"}}')[0] == 400
    assert post(running, update(900000001, "x" * (1024 * 1024)))[0] == 413
    assert raw_objects() == {}


def test_non_ascii_bytes_arrive_unchanged(running):
    body = update(900000002, "Olá, São Paulo! 🏃‍♀️ ção")
    assert post(running, body)[0] == 200
    assert raw_objects() == {"context_date=2024-11-18/900000002.json": body}


def test_health_check_and_oversized_requests(running):
    conn = http.client.HTTPConnection("127.0.0.1", running, timeout=10)
    conn.request("GET", "/healthz")
    response = conn.getresponse()
    assert response.status == 200 and response.read() == b"ok\n"
    conn.close()

    conn = http.client.HTTPConnection("127.0.0.1", running, timeout=10)
    conn.putrequest("POST", "/webhook")
    conn.putheader("Content-Length", str(server.GATEWAY_MAX_BODY + 1))
    conn.putheader("X-Telegram-Bot-Api-Secret-Token", SECRET)
    conn.endheaders()  # the body is never sent: the server answers from the headers alone
    response = conn.getresponse()
    assert response.status == 413
    conn.close()


def test_keep_alive_connections_carry_many_updates(running):
    conn = http.client.HTTPConnection("127.0.0.1", running, timeout=10)
    for update_id in range(900000010, 900000030):
        status, _, response = post(running, update(update_id), connection=conn)
        assert status == 200 and not response.will_close
    conn.close()
    assert len(raw_objects()) == 20


def test_two_hundred_concurrent_senders(running):
    senders, per_sender = 200, 3
    barrier = threading.Barrier(senders)

    def send(sender: int) -> list[int]:
        conn = http.client.HTTPConnection("127.0.0.1", running, timeout=60)
        barrier.wait()
        statuses = []
        for n in range(per_sender):
            statuses.append(post(running, update(910000000 + sender * per_sender + n), connection=conn)[0])
        conn.close()
        return statuses

    with ThreadPoolExecutor(max_workers=senders) as pool:
        statuses = [status for result in pool.map(send, range(senders)) for status in result]
    assert statuses == [200] * senders * per_sender
    stored = raw_objects()
    assert len(stored) == senders * per_sender
    assert stored["context_date=2024-11-18/910000000.json"] == update(910000000)


def test_handler_path_can_be_overridden(tmp_path, monkeypatch):
    fake = tmp_path / "teapot.py"
    fake.write_text("def lambda_handler(event, context):\n    return {'statusCode': 418, 'body': 'teapot'}\n")
    monkeypatch.setenv("WEBHOOK_HANDLER_PATH", str(fake))
    httpd = server.make_server("127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        status, body, _ = post(httpd.server_address[1], b"{}")
        assert status == 418 and body == b"teapot"
    finally:
        httpd.shutdown()
        httpd.server_close()
    monkeypatch.setenv("WEBHOOK_HANDLER_PATH", str(tmp_path / "missing.py"))
    with pytest.raises(FileNotFoundError, match="WEBHOOK_HANDLER_PATH"):
        server.make_server("127.0.0.1", 0)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_the_serve_command_runs_and_stops_cleanly(local_lake, stop_signal):
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "plugins"),
        "WEBHOOK_SECRET": SECRET,
        "ALLOWED_CHAT_IDS": str(GROUP),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "telegram_pipeline", "serve", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Started the way a shell starts a background job (`make demo &`): SIGINT ignored. Ctrl-C
        # must still stop it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        banner = process.stderr.readline()
        assert "webhook listening on http://127.0.0.1:" in banner, banner
        port = int(banner.split("http://127.0.0.1:")[1].split("/")[0])
        assert post(port, telegram("voice"))[0] == 200
        process.send_signal(stop_signal)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    log = [json.loads(line) for line in out.splitlines()]
    assert [(line["update_id"], line["outcome"]) for line in log] == [(815000009, "stored")]
    assert (local_lake / "raw" / "context_date=2024-11-18" / "815000009.json").read_bytes() == telegram("voice")
