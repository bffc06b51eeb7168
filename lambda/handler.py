"""Telegram webhook → raw zone. AWS Lambda behind API Gateway (REST 1.0, HTTP API 2.0) or a function URL.

Ships alone in a zip: standard library plus boto3, and boto3 is imported only when S3, SSM or Secrets
Manager is actually used, so a cold start stays small. Settings are the pipeline's environment
variables (same names and defaults as ``telegram_pipeline.config``).

Every good update from an allowed chat is stored verbatim at
``{RAW_URI}/context_date=YYYY-MM-DD/{update_id}.json`` before the answer is 200. Answers:

- 200 stored, or ignored (other chat, no chat): Telegram must not resend those.
- 400 not a JSON object with a positive integer ``update_id``; 413 body above 1 MiB; 405 not POST.
- 401 no secret header; 403 wrong secret. Nothing is parsed or stored before the secret matches.
- 500 the handler is misconfigured (no secret, bad ALLOWED_CHAT_IDS/TIMEZONE): fixable, so Telegram
  keeps retrying until it is fixed. 503 storage (or the secret's store) failed, a migration marker
  could not be looked up (S3's 403 included), or a token could not be checked against the secret read
  again: Telegram retries. A 5xx always means "will succeed later": Telegram holds the chat's later
  updates while one fails; what can never succeed gets a 4xx or 200.

A group that becomes a supergroup changes its chat id. When an allowed group's update announces the
move (``migrate_to_chat_id``, or ``migrate_from_chat_id`` in the new supergroup), a marker
``_migrations/{new_chat_id}.json`` is written to the raw zone, and updates of the new id are kept
from then on, with a warning telling the operator to add it to ALLOWED_CHAT_IDS.
"""

from __future__ import annotations

import base64
import binascii
import contextvars
import hmac
import json
import os
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram_pipeline.rules import atomic_write, days, raw_zone, s3, settings, updates

MAX_BODY_BYTES = 1024 * 1024
SECRET_HEADER = "x-telegram-bot-api-secret-token"
# Telegram's update ids are positive (32-bit so far); negative ones belong to imported history. The
# cap keeps keys short and the id exact in every JSON reader.
MAX_UPDATE_ID = 2**53
MIGRATION_NEGATIVE_TTL_S = 30.0
SECRET_RECHECK_AFTER_S = 300.0
# Used only when RAW_URI is unset outside Lambda: the repository's ./data/raw, as config.py has it.
DEFAULT_RAW_URI = str(settings.DEFAULT_LAKE / "raw")


class ConfigError(Exception):
    """The deployment is misconfigured: answer 500 and say why in the log."""


class StorageUnavailable(Exception):
    """Storage (or the secret's store) failed: answer 503 so Telegram retries."""


# ---------------------------------------------------------------- stores


class LocalRawStore:
    """A local folder, each object written whole or not at all (``rules/atomic_write.py``)."""

    def __init__(self, root: str) -> None:
        self.root = Path(root.removeprefix("file://")).expanduser()

    def put(self, key: str, data: bytes) -> None:
        path = self.root / key
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write.write_atomically(path, data)
        except OSError as exc:
            raise StorageUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def exists(self, key: str) -> bool:
        try:
            return (self.root / key).is_file()
        except OSError as exc:
            raise StorageUnavailable(f"{type(exc).__name__}: {exc}") from exc


class S3RawStore:
    def __init__(self, uri: str, endpoint_url: str | None) -> None:
        bucket, _, prefix = uri.removeprefix("s3://").partition("/")
        if not bucket:
            raise ConfigError(f"RAW_URI {uri!r} names no bucket")
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client = _aws_client("s3", endpoint_url)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        url = f"s3://{self.bucket}/{self._key(key)}"
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType="application/json")
        except ClientError as exc:
            raise StorageUnavailable(s3.describe("put_object", url, *s3.error_code(exc.response), str(exc))) from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(f"S3 put_object {url}: {exc}") from exc

    def exists(self, key: str) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        url = f"s3://{self.bucket}/{self._key(key)}"
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as exc:
            # A 404 is the only "no marker". A 403 is a denial (the role may not list _migrations/, or
            # not read it): answering 200 would drop the update of a migrated group for good.
            code, status = s3.error_code(exc.response)
            if s3.is_not_found(code):
                return False
            raise StorageUnavailable(s3.describe("head_object", url, code, status)) from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(f"S3 head_object {url}: {exc}") from exc


_clients: dict[tuple[str, str | None], object] = {}
_stores: dict[tuple[str, str | None], LocalRawStore | S3RawStore] = {}


def _aws_client(service: str, endpoint_url: str | None):
    client = _clients.get((service, endpoint_url))
    if client is None:
        import logging

        import boto3
        from botocore.config import Config

        # At DEBUG, botocore logs request and response bodies: the secret read from SSM and the
        # message bodies put to S3. Whatever the Lambda's log level, it stays at INFO or above.
        botocore_log = logging.getLogger("botocore")
        botocore_log.setLevel(max(botocore_log.getEffectiveLevel(), logging.INFO))

        client = boto3.session.Session().client(
            service,
            endpoint_url=endpoint_url,
            region_name=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
            config=Config(
                **settings.WEBHOOK_TIMEOUTS,
                retries=settings.aws_retries(settings.WEBHOOK_MAX_ATTEMPTS),
                max_pool_connections=128,
            ),
        )
        _clients[(service, endpoint_url)] = client
    return client


def open_raw_store(uri: str, endpoint_url: str | None) -> LocalRawStore | S3RawStore:
    store = _stores.get((uri, endpoint_url))
    if store is None:
        if uri.startswith("s3://"):
            store = S3RawStore(uri, endpoint_url)
        elif "://" in uri and not uri.startswith("file://"):
            raise ConfigError(f"RAW_URI {uri!r}: use s3://bucket/prefix or a local directory")
        else:
            store = LocalRawStore(uri)
        _stores[(uri, endpoint_url)] = store
    return store


# ---------------------------------------------------------------- settings and the secret

_secrets: dict[str, tuple[str, float]] = {}
_migrated_ids: set[int] = set()
_not_migrated_until: dict[int, float] = {}
_warned: set[str] = set()
_cold_start = True


def reset_caches() -> None:
    """Forget everything kept per container (clients, stores, secret, migration lookups): a cold start."""
    global _cold_start
    for cache in (_clients, _stores, _secrets, _migrated_ids, _not_migrated_until, _warned):
        cache.clear()
    _cold_start = True


def _allowed_chat_ids(value: str) -> frozenset[int]:
    try:
        return settings.chat_ids(value)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _time_zone(name: str) -> ZoneInfo:
    try:
        return settings.time_zone(name)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _fetch_secret(param: str, endpoint_url: str | None) -> str:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        if param.startswith("secretsmanager:"):
            response = _aws_client("secretsmanager", endpoint_url).get_secret_value(
                SecretId=param.removeprefix("secretsmanager:")
            )
            value = response.get("SecretString") or ""
        else:
            response = _aws_client("ssm", endpoint_url).get_parameter(Name=param, WithDecryption=True)
            value = response["Parameter"]["Value"]
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in {"ParameterNotFound", "ResourceNotFoundException", "AccessDeniedException", "ValidationException"}:
            raise ConfigError(f"WEBHOOK_SECRET_PARAM {param!r}: {code}") from exc
        raise StorageUnavailable(f"reading WEBHOOK_SECRET_PARAM {param!r}: {code}") from exc
    except BotoCoreError as exc:
        raise StorageUnavailable(f"reading WEBHOOK_SECRET_PARAM {param!r}: {type(exc).__name__}") from exc
    if not value.strip():
        raise ConfigError(f"WEBHOOK_SECRET_PARAM {param!r} holds an empty secret")
    return value.strip()


def _secret(env, refresh: bool = False) -> str:
    """WEBHOOK_SECRET, or the secret named by WEBHOOK_SECRET_PARAM, read once per container (and again
    at most every few minutes when a token does not match, so a rotated secret is picked up)."""
    secret = env.get("WEBHOOK_SECRET", "")
    if secret:
        return secret
    param = env.get("WEBHOOK_SECRET_PARAM", "")
    if not param:
        raise ConfigError("no secret configured: set WEBHOOK_SECRET or WEBHOOK_SECRET_PARAM; refusing every request")
    cached = _secrets.get(param)
    if cached and not (refresh and time.monotonic() - cached[1] > SECRET_RECHECK_AFTER_S):
        return cached[0]
    value = _fetch_secret(param, env.get("AWS_ENDPOINT_URL") or None)
    _secrets[param] = (value, time.monotonic())
    return value


def _token_matches(token: str, secret: str) -> bool:
    return hmac.compare_digest(token.encode("utf-8", "replace"), secret.encode("utf-8", "replace"))


def _rotated_secret_matches(token: str, env) -> bool:
    # A failure to read the secret again is not a wrong token: an outage of SSM or Secrets Manager
    # raises StorageUnavailable (503, Telegram retries) and a parameter gone or denied ConfigError (500).
    return _token_matches(token, _secret(env, refresh=True))


# ---------------------------------------------------------------- the event


def _request(event) -> tuple[str, dict[str, str], bytes | None, tuple[int, str] | None]:
    """(method, lower-cased headers, body bytes, the answer a bad body gets) from any of the three event
    shapes. A bad body is only answered after the secret has been checked."""
    if not isinstance(event, dict):
        return "", {}, None, (400, "bad_event")
    context = event.get("requestContext")
    http = context.get("http") if isinstance(context, dict) else None
    method = http.get("method") if isinstance(http, dict) else None
    method = str(method or event.get("httpMethod") or "").upper()

    headers: dict[str, str] = {}
    multi = event.get("multiValueHeaders")
    if isinstance(multi, dict):
        for name, values in multi.items():
            if isinstance(values, list):
                headers[str(name).lower()] = ",".join(str(v) for v in values)
    single = event.get("headers")
    if isinstance(single, dict):
        for name, value in single.items():
            if value is not None:
                headers.setdefault(str(name).lower(), str(value))

    body = event.get("body")
    if body is None or body == "":
        return method, headers, None, (400, "empty_body")
    if not isinstance(body, str):
        return method, headers, None, (400, "bad_event")
    if event.get("isBase64Encoded"):
        if len(body) > (MAX_BODY_BYTES // 3 + 1) * 4:
            return method, headers, None, (413, "too_large")
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return method, headers, None, (400, "bad_base64")
    else:
        try:
            data = body.encode("utf-8")
        except UnicodeEncodeError:
            return method, headers, None, (400, "not_utf8")
    if len(data) > MAX_BODY_BYTES:
        return method, headers, None, (413, "too_large")
    return method, headers, data, None


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _what(update: dict) -> tuple[str | None, dict | None, int | None]:
    """(update type, its object, chat id or None) of a Bot API update."""
    for name, value in update.items():
        if name == "update_id" or not isinstance(value, dict):
            continue
        holder = value.get("message") if name == "callback_query" else value
        chat = holder.get("chat") if isinstance(holder, dict) else None
        chat_id = chat.get("id") if isinstance(chat, dict) else None
        return name, value, chat_id if updates.is_chat_id(chat_id) else None
    return None, None, None


# ---------------------------------------------------------------- migrations


def _has_migrated_into(chat_id: int, store, now: float) -> bool:
    if chat_id in _migrated_ids:
        return True
    if _not_migrated_until.get(chat_id, 0.0) > now:
        return False
    if store.exists(raw_zone.migration_marker_key(chat_id)):
        _migrated_ids.add(chat_id)
        return True
    if len(_not_migrated_until) > 10_000:
        _not_migrated_until.clear()
    _not_migrated_until[chat_id] = now + MIGRATION_NEGATIVE_TTL_S
    return False


def _record_migration(update_id: int, old_id: int, new_id: int, store, log: dict) -> None:
    marker = {"from_chat_id": old_id, "to_chat_id": new_id, "update_id": update_id, "recorded_at": int(time.time())}
    store.put(raw_zone.migration_marker_key(new_id), json.dumps(marker).encode())
    _migrated_ids.add(new_id)
    _not_migrated_until.pop(new_id, None)
    log["migration"] = {"from_chat_id": old_id, "to_chat_id": new_id}
    _warn(
        f"migration:{new_id}",
        f"chat {old_id} became {new_id}: its updates are kept; add {new_id} to ALLOWED_CHAT_IDS",
    )


# ---------------------------------------------------------------- logging and answers


# The invocation's context, added to every line it logs (AWS Lambda Powertools' keys): a ContextVar,
# since the local server runs invocations side by side in threads.
_invocation: contextvars.ContextVar[tuple] = contextvars.ContextVar("invocation", default=())


def _write_log(record: dict) -> None:
    # One write per line, so lines of concurrent requests (the local server) never interleave.
    line = {**record, **dict(_invocation.get())}
    sys.stdout.write(json.dumps(line, separators=(",", ":"), default=str) + "\n")
    sys.stdout.flush()


def _warn(once_key: str, message: str) -> None:
    if once_key not in _warned:
        _warned.add(once_key)
        _write_log({"level": "WARNING", "message": message})


def _answer(status: int, body: dict, extra_headers: dict | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    headers.update(extra_headers or {})
    return {"statusCode": status, "headers": headers, "body": json.dumps(body), "isBase64Encoded": False}


def lambda_handler(event, context=None):
    """Lambda's entry point. Every log line of the invocation carries ``cold_start`` (the container's
    first invocation) and, on Lambda, ``function_request_id`` (``context.aws_request_id``)."""
    global _cold_start
    invocation: dict = {"cold_start": _cold_start}
    _cold_start = False
    request_id = getattr(context, "aws_request_id", None)
    if request_id:
        invocation["function_request_id"] = request_id
    token = _invocation.set(tuple(invocation.items()))
    try:
        return handle(event)
    finally:
        _invocation.reset(token)


def handle(event, store=None, env=None, now=None) -> dict:
    """Answer one webhook event. ``store`` (put/exists), ``env`` and ``now`` are injectable for tests."""
    started = time.perf_counter()
    env = os.environ if env is None else env
    received = time.time() if now is None else now
    log: dict = {"update_id": None, "chat_id": None, "update_type": None}
    try:
        status, outcome = _handle(event, store, env, received, log)
    except ConfigError as exc:
        status, outcome = 500, "misconfigured"
        log["error"] = str(exc)
    except StorageUnavailable as exc:
        status, outcome = 503, "storage_error"
        log["error"] = str(exc)[:500]
    except Exception as exc:  # a bug: still one log line, and Telegram will redeliver
        status, outcome = 500, "internal_error"
        log["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
    log.update(outcome=outcome, status=status, latency_ms=round((time.perf_counter() - started) * 1000, 3))
    _write_log(log)
    if status == 405:
        return _answer(405, {"ok": False, "error": outcome}, {"Allow": "POST"})
    return _answer(status, {"ok": status == 200, "outcome": outcome})


def _handle(event, store, env, received: float, log: dict) -> tuple[int, str]:
    method, headers, body, bad_body = _request(event)
    if method != "POST":
        return 405, "method_not_allowed"
    token = headers.get(SECRET_HEADER)
    secret = _secret(env)  # with no secret configured every request gets 500 (fail closed)
    if token is None:
        return 401, "missing_secret"
    if not _token_matches(token, secret) and not _rotated_secret_matches(token, env):
        return 403, "wrong_secret"
    if bad_body:
        return bad_body
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return 400, "not_utf8"
    try:
        update = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return 400, "not_json"
    if not isinstance(update, dict):
        return 400, "not_an_object"
    update_id = update.get("update_id")
    if not updates.is_int(update_id) or not 0 < update_id < MAX_UPDATE_ID:
        return 400, "bad_update_id"
    log["update_id"] = update_id

    update_type, item, chat_id = _what(update)
    log["update_type"], log["chat_id"] = update_type, chat_id
    if chat_id is None:
        return 200, "ignored_no_chat"

    allowed = _allowed_chat_ids(env.get("ALLOWED_CHAT_IDS", ""))
    if not allowed:
        _warn("empty-allowlist", "ALLOWED_CHAT_IDS is empty: every update is acknowledged and dropped")
    tz = _time_zone(env.get("TIMEZONE") or "UTC")
    if store is None:
        raw_uri = env.get("RAW_URI", "")
        if not raw_uri and env.get("AWS_LAMBDA_FUNCTION_NAME"):
            raise ConfigError("RAW_URI is not set")
        store = open_raw_store(raw_uri or DEFAULT_RAW_URI, env.get("AWS_ENDPOINT_URL") or None)

    migrate_to = item.get("migrate_to_chat_id")
    migrate_from = item.get("migrate_from_chat_id")
    if chat_id in allowed:
        if updates.is_chat_id(migrate_to) and migrate_to not in allowed:
            _record_migration(update_id, chat_id, migrate_to, store, log)
    elif updates.is_chat_id(migrate_from) and migrate_from in allowed:
        _record_migration(update_id, migrate_from, chat_id, store, log)
    elif not _has_migrated_into(chat_id, store, time.monotonic()):
        return 200, "ignored_other_chat"
    else:
        _warn(f"migration:{chat_id}", f"keeping chat {chat_id}, a migrated allowed group: add it to ALLOWED_CHAT_IDS")

    day = days.filed_day(update_type, item.get("date"), item.get("edit_date"), tz, received).isoformat()
    store.put(raw_zone.update_key(day, update_id), body)
    log["context_date"] = day
    return 200, "stored"
