"""A stand-in for what AWS does and moto does not: an HTTP proxy in front of moto's server that every
AWS client of a test reaches through ``AWS_ENDPOINT_URL`` (boto3, pyarrow's S3 filesystem, the
webhook handler, the Amazon provider's hooks).

- **IAM on S3** (``AwsStandIn.act_as``): acting as a role, it decides with the role's policy document
  (the evaluator of tests/support/iam_policy.py: explicit Deny first, then any Allow; wildcards; the conditions
  the templates use) and answers as S3 does: a GET or HEAD of a key that does not exist is 404
  NoSuchKey only when the role may read it and list it (the requested key is the ``s3:prefix`` the
  ListBucket condition sees), else 403 AccessDenied with S3's XML error body; a listing of a prefix
  the role may not list is 403. Everything else goes to moto as is (moto never enforces IAM).
- **Athena's idempotency tokens**: a StartQueryExecution that repeats a ``ClientRequestToken`` gets
  the first call's QueryExecutionId back and starts nothing; with the token but another query text,
  workgroup, context or result configuration it is refused (InvalidRequestException). A token
  outside 32-128 characters is refused as Athena's API model says. moto ignores the token.
- **Athena queries that fail**: a query id put in ``athena_failing`` reads FAILED (moto's queries
  only ever succeed).
- **Faults** (``rule(method, path)``): None passes the request on, "fail" answers 500 InternalError,
  "slowdown" 503 SlowDown (S3's throttling), a number waits that many seconds and passes it on.

The policy documents are the deployed roles' own: ``deploy.role_policy`` renders them out of the
CloudFormation templates (conftest's ``iam_lake`` makes the buckets they name).
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from tests.support.iam_policy import allowed, listed, missing_key_answer, wildcard

# -- the roles' policies, as deployed -------------------------------------------------------------


def without_list_grant(document: dict) -> dict:
    """The same policy with every statement that grants s3:ListBucket removed: the role as it was
    before it could list (or as a hand-made role often is)."""
    lists = [s for s in document["Statement"] if any(wildcard(a, "s3:ListBucket", True) for a in listed(s["Action"]))]
    kept = [statement for statement in document["Statement"] if statement not in lists]
    return {**document, "Statement": kept}


def may_list(document: dict, bucket: str, prefix: str | None) -> bool:
    """IAM's decision on s3:ListBucket of ``bucket`` with ``prefix`` as ``s3:prefix`` (None: the
    request names no prefix, so a condition on it cannot match)."""
    context = {} if prefix is None else {"s3:prefix": prefix}
    return allowed(document, "s3:ListBucket", f"arn:aws:s3:::{bucket}", context)


# -- S3's and Athena's answers ---------------------------------------------------------------------


def _s3_error(code: str, message: str, resource: str) -> bytes:
    request_id = uuid.uuid4().hex[:16].upper()
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message><Resource>{resource}</Resource>"
        f"<RequestId>{request_id}</RequestId><HostId>{uuid.uuid4().hex}</HostId></Error>"
    ).encode()


def _service(headers) -> str:
    """The signing service of a request (Credential=…/date/region/SERVICE/aws4_request)."""
    found = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", headers.get("Authorization", ""))
    return found.group(1) if found else ""


class AwsStandIn:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.removeprefix("http://")
        self.role: dict | None = None
        self.rule: Callable[[str, str], object] = lambda method, path: None
        self.seen: list[tuple[str, str, str]] = []
        self.denied: list[tuple[str, str]] = []
        self.athena_tokens: dict[str, tuple[str, str]] = {}  # token -> (request fingerprint, query id)
        self.athena_started: list[str] = []  # query ids Athena (moto) really started
        self.athena_failing: set[str] = set()  # query ids whose GetQueryExecution says FAILED
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as two writes; Nagle held the body ~40 ms

            def _any(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                action = proxy.rule(self.command, self.path)
                proxy.seen.append((self.command, self.path, str(action)))
                if action == "fail":
                    return self._send(500, _s3_error("InternalError", "injected", self.path), "application/xml")
                if action == "slowdown":
                    return self._send(503, _s3_error("SlowDown", "Please reduce your request rate.", self.path))
                if isinstance(action, int | float):
                    time.sleep(action)
                service, target = _service(self.headers), self.headers.get("X-Amz-Target", "")
                if service == "athena" and target.endswith(".StartQueryExecution"):
                    return self._send(*proxy._start_query(self._headers(), body))
                status, headers, data = proxy.forward(self.command, self.path, self._headers(), body)
                if service == "athena" and target.endswith(".GetQueryExecution") and status == 200:
                    data = proxy._failed_if_told(data)
                if service == "s3" and proxy.role is not None:
                    status, headers, data = proxy._as_role(
                        self.command, self.path, self._headers(), (status, headers, data)
                    )
                self._send(status, data, headers=headers)

            def _headers(self) -> dict[str, str]:
                return {k: v for k, v in self.headers.items() if k.lower() not in {"connection", "keep-alive"}}

            def _send(self, status: int, data: bytes, content_type: str = "application/xml", headers=None):
                self.send_response(status)
                headers = headers or [("Content-Type", content_type)]
                length = str(len(data))
                if self.command == "HEAD":  # a HEAD's length is the object's, which has no body here
                    length = next((v for k, v in headers if k.lower() == "content-length"), length)
                for name, value in headers:
                    if name.lower() not in {"content-length", "transfer-encoding", "connection", "server", "date"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", length)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256  # every client connection is accepted at once, as S3 does

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def act_as(self, document: dict | None) -> None:
        """Answer S3 calls as AWS answers the role with this policy (None: as moto does)."""
        self.role = document

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def forward(self, method: str, path: str, headers: dict, body: bytes) -> tuple[int, list, bytes]:
        upstream = http.client.HTTPConnection(self.upstream, timeout=60)
        try:
            upstream.request(method, path, body=body or None, headers=headers)
            response = upstream.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            upstream.close()

    # -- IAM on S3

    def _as_role(
        self, method: str, path: str, headers: dict, answer: tuple[int, list, bytes]
    ) -> tuple[int, list, bytes]:
        status, _, data = answer
        parts = urlsplit(path)
        bucket, _, key = unquote(parts.path).lstrip("/").partition("/")
        query = parse_qs(parts.query, keep_blank_values=True)
        if method in {"GET", "HEAD"} and key and status == 404 and self._is_missing_key(method, bucket, headers, data):
            if missing_key_answer(self.role, bucket, key) == 403:
                return self._deny("s3:GetObject or s3:ListBucket (missing key)", bucket, key)
        elif method == "GET" and not key and ("list-type" in query or "prefix" in query) and status == 200:
            prefix = query.get("prefix", [None])[0]
            if not may_list(self.role, bucket, prefix or None):
                return self._deny("s3:ListBucket", bucket, prefix or "")
        return answer

    def _is_missing_key(self, method: str, bucket: str, headers: dict, data: bytes) -> bool:
        if method == "GET":
            return b"<Code>NoSuchKey</Code>" in data
        # A HEAD's 404 has no body: the key is missing when the bucket is there (moto tells the
        # service by the request's signature, so the HEAD of the bucket carries the same one).
        signed = {name: value for name, value in headers.items() if name.lower() in {"authorization", "x-amz-date"}}
        return self.forward("HEAD", f"/{bucket}", signed, b"")[0] == 200

    def _deny(self, why: str, bucket: str, key: str) -> tuple[int, list, bytes]:
        self.denied.append((why, f"{bucket}/{key}"))
        return (
            403,
            [("Content-Type", "application/xml")],
            _s3_error("AccessDenied", "Access Denied", f"/{bucket}/{key}"),
        )

    # -- Athena's ClientRequestToken, and queries that fail

    def _failed_if_told(self, data: bytes) -> bytes:
        answer = json.loads(data)
        execution = answer["QueryExecution"]
        if execution["QueryExecutionId"] in self.athena_failing:
            execution["Status"].update(State="FAILED", StateChangeReason="injected by the stand-in")
        return json.dumps(answer).encode()

    def _start_query(self, headers: dict, body: bytes) -> tuple[int, bytes, str]:
        request = json.loads(body or b"{}")
        token = request.get("ClientRequestToken")
        kind = "application/x-amz-json-1.1"
        if token is not None and not 32 <= len(token) <= 128:
            message = f"ClientRequestToken must be 32 to 128 characters long, got {len(token)}"
            return 400, json.dumps({"__type": "InvalidRequestException", "Message": message}).encode(), kind
        fingerprint = json.dumps({k: v for k, v in request.items() if k != "ClientRequestToken"}, sort_keys=True)
        with self._lock:
            if token in self.athena_tokens:
                first, query_id = self.athena_tokens[token]
                if first != fingerprint:
                    message = "Idempotent parameters mismatch: the token was used with other parameters"
                    return 400, json.dumps({"__type": "InvalidRequestException", "Message": message}).encode(), kind
                return 200, json.dumps({"QueryExecutionId": query_id}).encode(), kind
            status, _, data = self.forward("POST", "/", headers, body)
            if status == 200:
                query_id = json.loads(data)["QueryExecutionId"]
                self.athena_started.append(query_id)
                if token is not None:
                    self.athena_tokens[token] = (fingerprint, query_id)
            return status, data, kind
