"""``serve``: the webhook Lambda behind a local HTTP server, for development, the demo and load tests.

Each HTTP request becomes the event API Gateway's HTTP API (payload 2.0) would send, and the very same
``lambda/handler.py`` answers it, writing to RAW_URI as the Lambda does. Like API Gateway, the server
itself refuses bodies above 10 MiB; everything else is the handler's decision.
"""

from __future__ import annotations

import base64
import importlib.util
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

from telegram_pipeline import config

DEFAULT_PORT = 8081
GATEWAY_MAX_BODY = 10 * 1024 * 1024


def handler_path() -> Path:
    return Path(os.environ.get("WEBHOOK_HANDLER_PATH") or config.REPO_ROOT / "lambda" / "handler.py")


def load_handler(path: Path | None = None) -> ModuleType:
    """Import lambda/handler.py by path (``lambda`` is a keyword, so it is no package)."""
    path = Path(path or handler_path())
    if not path.is_file():
        raise FileNotFoundError(f"webhook handler not found at {path} (set WEBHOOK_HANDLER_PATH)")
    spec = importlib.util.spec_from_file_location("telegram_webhook_handler", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def http_api_event(method: str, target: str, headers, body: bytes, client: str) -> dict:
    """The API Gateway HTTP API (2.0) event for one request: lower-case header names, repeated headers
    joined by commas, a body that is not UTF-8 passed base64-encoded."""
    url = urlsplit(target)
    joined: dict[str, str] = {}
    for name, value in headers.items():
        name = name.lower()
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    try:
        text, is_base64 = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, is_base64 = base64.b64encode(body).decode("ascii"), True
    now = time.time()
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": url.path or "/",
        "rawQueryString": url.query,
        "headers": joined,
        "requestContext": {
            "accountId": "local",
            "apiId": "local",
            "domainName": joined.get("host", "localhost"),
            "http": {
                "method": method,
                "path": url.path or "/",
                "protocol": "HTTP/1.1",
                "sourceIp": client,
                "userAgent": joined.get("user-agent", ""),
            },
            "requestId": f"local-{time.monotonic_ns()}",
            "routeKey": "$default",
            "stage": "$default",
            "timeEpoch": int(now * 1000),
        },
        "body": text,
        "isBase64Encoded": is_base64,
    }


class WebhookRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a sender reuses its connection, as Telegram does
    timeout = 60  # an idle keep-alive connection gives its thread back after this long
    disable_nagle_algorithm = True  # headers and body go out as two writes; Nagle would hold the body ~40 ms
    server_version = "telegram-webhook"
    lambda_module: ModuleType  # set on the subclass made by make_server

    def _dispatch(self) -> None:
        if self.command == "GET" and self.path == "/healthz":
            return self._reply(200, {"Content-Type": "text/plain"}, b"ok\n")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._reply(411, {"Content-Type": "text/plain"}, b"Content-Length required\n", close=True)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            return self._reply(400, {"Content-Type": "text/plain"}, b"bad Content-Length\n", close=True)
        if length > GATEWAY_MAX_BODY:
            return self._reply(413, {"Content-Type": "text/plain"}, b"request body too large\n", close=True)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            self.close_connection = True
            return
        event = http_api_event(self.command, self.path, self.headers, body, self.client_address[0])
        answer = self.lambda_module.lambda_handler(event, None)
        payload = answer.get("body") or ""
        data = base64.b64decode(payload) if answer.get("isBase64Encoded") else payload.encode("utf-8")
        self._reply(int(answer.get("statusCode", 500)), answer.get("headers") or {}, data)

    def _reply(self, status: int, headers: dict, data: bytes, close: bool = False) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(data)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch

    def __getattr__(self, name: str):
        # Any other method (TRACE, a lower-case "post", made-up ones) is the handler's to answer (405),
        # not http.server's 501: a 5xx would tell a sender to retry what can never succeed.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args) -> None:
        pass  # the handler writes one JSON line per request; an access log would double it


class WebhookServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # a burst of senders waits in the accept queue instead of being refused
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return  # a sender that hung up or went quiet; the handler has logged what it did
        super().handle_error(request, client_address)


def make_server(host: str = "127.0.0.1", port: int = DEFAULT_PORT, handler_file: Path | None = None) -> WebhookServer:
    module = load_handler(handler_file)
    request_handler = type("BoundWebhookRequestHandler", (WebhookRequestHandler,), {"lambda_module": module})
    return WebhookServer((host, port), request_handler)
