"""A local stand-in for Telegram's Bot API webhook methods that checks each request."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
WEBHOOK_INFO = {
    "url": "https://abc.execute-api.us-east-1.amazonaws.com/webhook",
    "has_custom_certificate": False,
    "pending_update_count": 3,
    "last_error_date": 1731898800,
    "last_error_message": "Wrong response from the webhook: 503 Service Unavailable",
    "max_connections": 40,
    "allowed_updates": ["message", "edited_message"],
}


class FakeTelegram:
    """Answers like api.telegram.org: only for the right token, POSTed JSON, and known methods."""

    def __init__(self):
        self.requests: list[tuple[str, dict]] = []
        self.fail_with: tuple[int, dict] | None = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = fake.answer(self.path, self.headers.get("Content-Type", ""), body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def answer(self, path: str, content_type: str, body: bytes) -> tuple[int, dict]:
        if not path.startswith(f"/bot{TOKEN}/"):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if content_type != "application/json":
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: expected JSON"}
        method, params = path.rsplit("/", 1)[1], json.loads(body)
        self.requests.append((method, params))
        if self.fail_with:
            return self.fail_with
        results = {"setWebhook": True, "deleteWebhook": True, "getWebhookInfo": WEBHOOK_INFO}
        if method not in results:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        return 200, {"ok": True, "result": results[method], "description": "Webhook was set"}
