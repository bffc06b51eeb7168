"""The webhook Lambda (lambda/handler.py) on real Telegram updates in real API Gateway envelopes, against
a local folder: what it stores, where, and what it answers (tests/integration/test_handler.py: the same
on moto's S3, and the secret in SSM or Secrets Manager)."""

from __future__ import annotations

import base64
import copy
import json
import os
import subprocess
import sys

import handler
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.paths import FIXTURES, REPO, free_port
from tests.support.webhook_envelopes import (
    ENVELOPES,
    GROUP,
    OLD_GROUP,
    SECRET,
    envelope,
    log_lines,
    raw_objects,
    telegram,
    update,
)

pytestmark = pytest.mark.usefixtures("webhook_env")


class MemoryStore:
    def __init__(self, fail_put: bool = False):
        self.objects: dict[str, bytes] = {}
        self.exists_calls = 0
        self.fail_put = fail_put

    def put(self, key: str, data: bytes) -> None:
        if self.fail_put:
            raise handler.StorageUnavailable("injected failure")
        self.objects[key] = data

    def exists(self, key: str) -> bool:
        self.exists_calls += 1
        return key in self.objects


# ------------------------------------------------------------------ the secret


@pytest.mark.parametrize("kind", ENVELOPES)
@pytest.mark.parametrize(
    "token, status",
    [(None, 401), ("", 403), ("wrong", 403), (SECRET[:-1], 403), (SECRET + "x", 403), (SECRET.upper(), 403)],
)
def test_missing_or_wrong_secret_stores_nothing(kind, token, status):
    answer = handler.lambda_handler(envelope(kind, telegram("message_text_supergroup"), token=token), None)
    assert answer["statusCode"] == status
    assert raw_objects() == {}


def test_the_header_name_is_case_insensitive():
    event = envelope("rest-v1-proxy-event", telegram("sticker"), token=None)
    event["headers"]["X-TELEGRAM-BOT-API-SECRET-TOKEN"] = SECRET
    assert handler.lambda_handler(event, None)["statusCode"] == 200
    assert len(raw_objects()) == 1


def test_a_repeated_secret_header_is_refused():
    event = envelope("rest-v1-proxy-event", telegram("sticker"))
    event["multiValueHeaders"]["X-Telegram-Bot-Api-Secret-Token"] = ["guess", SECRET]
    assert handler.lambda_handler(event, None)["statusCode"] == 403
    assert raw_objects() == {}


@pytest.mark.parametrize("token", [SECRET, None, "anything"])
def test_no_secret_configured_refuses_every_request(monkeypatch, capsys, token):
    monkeypatch.delenv("WEBHOOK_SECRET")
    answer = handler.lambda_handler(envelope("http-v2-proxy-event", telegram("sticker"), token=token), None)
    assert answer["statusCode"] == 500
    assert raw_objects() == {}
    (line,) = log_lines(capsys)
    assert line["outcome"] == "misconfigured" and "no secret configured" in line["error"]


def test_an_unreachable_secret_store_answers_503(monkeypatch):
    monkeypatch.delenv("WEBHOOK_SECRET")
    monkeypatch.setenv("WEBHOOK_SECRET_PARAM", "/telegram/secret")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # botocore's own setting; spares the test the backoff
    answer = handler.lambda_handler(envelope("http-v2-proxy-event", telegram("voice")), None)
    assert answer["statusCode"] == 503
    assert raw_objects() == {}


# ------------------------------------------------------------------ allowlist, redelivery, dates


def test_other_chats_and_updates_without_a_chat_are_acknowledged_and_counted(capsys):
    for name in ["other_chat_message", "channel_post", "callback_query_no_chat"]:
        assert handler.lambda_handler(envelope("http-v2-proxy-event", telegram(name)), None)["statusCode"] == 200
    assert raw_objects() == {}
    outcomes = [(line["outcome"], line["chat_id"], line["update_type"]) for line in log_lines(capsys)]
    assert outcomes == [
        ("ignored_other_chat", 222222222, "message"),
        ("ignored_other_chat", -1009876543210, "channel_post"),
        ("ignored_no_chat", None, "callback_query"),
    ]


def test_an_empty_allowlist_keeps_nothing(monkeypatch):
    monkeypatch.delenv("ALLOWED_CHAT_IDS")
    assert handler.lambda_handler(envelope("http-v2-proxy-event", telegram("sticker")), None)["statusCode"] == 200
    assert raw_objects() == {}


def test_a_callback_query_on_a_group_message_is_stored_under_its_receive_day():
    body = json.dumps(
        {"update_id": 900000100, "callback_query": {"id": "1", "message": {"message_id": 5, "chat": {"id": GROUP}}}}
    ).encode()
    received = 1731898800 - 60  # 23:59 on the 17th in São Paulo
    answer = handler.handle(envelope("http-v2-proxy-event", body), now=received)
    assert answer["statusCode"] == 200
    assert list(raw_objects()) == ["context_date=2024-11-17/900000100.json"]


@pytest.mark.parametrize(
    "body, day",
    [
        # 23:30 on the 17th in São Paulo, 02:30 on the 18th in UTC
        (update(900000201, date=1731897000), "2024-11-17"),
        # An edit at 00:10 on the 18th of a message sent at 23:50 on the 17th: the edit's day.
        (update(900000202, kind="edited_message", date=1731898200, edit_date=1731899400), "2024-11-18"),
        (update(900000203, kind="edited_channel_post", date=1731898200, edit_date=1731899400), "2024-11-18"),
        # A reaction carries its own date.
        (update(900000204, kind="message_reaction", date=1731897000), "2024-11-17"),
        (update(900000205, kind="chat_member", date=1731899400), "2024-11-18"),
    ],
)
def test_the_day_is_the_event_time_in_the_configured_time_zone(body, day):
    assert handler.lambda_handler(envelope("http-v2-proxy-event", body), None)["statusCode"] == 200
    assert list(raw_objects()) == [f"context_date={day}/{json.loads(body)['update_id']}.json"]


def test_the_same_update_in_utc_lands_on_the_utc_day(monkeypatch):
    monkeypatch.setenv("TIMEZONE", "UTC")
    assert handler.lambda_handler(envelope("http-v2-proxy-event", update(900000201, date=1731897000)), None)
    assert list(raw_objects()) == ["context_date=2024-11-18/900000201.json"]


@pytest.mark.parametrize("date", ["1731897000", None, True, -5, 10**20, 1.5])
def test_an_unusable_date_falls_back_to_the_receive_time(date):
    body = update(900000300, date=date)
    answer = handler.handle(envelope("http-v2-proxy-event", body), now=1731897000)
    assert answer["statusCode"] == 200
    assert list(raw_objects()) == ["context_date=2024-11-17/900000300.json"]


def test_bytes_are_stored_exactly_as_sent():
    # Odd spacing, escaped and raw non-ASCII, key order: nothing is re-serialised.
    body = b'{ "message":{"chat":{"id":-1001234567890},"date":1731898800,"text":"caf\\u00e9 \xc3\xa9 \xf0\x9f\x8f\x83"} ,"update_id":900000400}\n'
    for b64 in (False, True):
        assert handler.lambda_handler(envelope("lambda-function-url-event", body, b64=b64), None)["statusCode"] == 200
    assert raw_objects() == {"context_date=2024-11-18/900000400.json": body}


# ------------------------------------------------------------------ bad requests


@pytest.mark.parametrize("kind", ENVELOPES)
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", ""])
def test_other_methods_get_405(kind, method):
    answer = handler.lambda_handler(envelope(kind, telegram("sticker"), method=method), None)
    assert answer["statusCode"] == 405 and answer["headers"]["Allow"] == "POST"
    assert raw_objects() == {}


@pytest.mark.parametrize(
    "body, status",
    [
        (None, 400),
        ("", 400),
        ("not json", 400),
        ("[1, 2]", 400),
        ('"text"', 400),
        ("{}", 400),
        ('{"update_id": "815000001", "message": {"chat": {"id": -1001234567890}}}', 400),
        ('{"update_id": true}', 400),
        ('{"update_id": 1.0}', 400),
        ('{"update_id": 0}', 400),
        ('{"update_id": -5, "message": {"chat": {"id": -1001234567890}}}', 400),
        ('{"update_id": 99999999999999999999}', 400),
        ('{"update_id": 1, "x": NaN}', 400),
        ('{"update_id": 1, "x": Infinity}', 400),
        ("[" * 100_000 + "]" * 100_000, 400),
        ('{"update_id": 1' + "0" * 5000 + "}", 400),
        ('{"update_id": 1, "message": {"chat": {"id": -1001234567890}, "text": "' + "x" * (1024 * 1024) + '"}}', 413),
    ],
)
def test_bad_bodies_get_4xx_and_store_nothing(body, status):
    answer = handler.lambda_handler(envelope("http-v2-proxy-event", body), None)
    assert answer["statusCode"] == status
    assert raw_objects() == {}


def test_oversized_and_invalid_base64_bodies():
    big = update(900000500, text="x" * (1024 * 1024))
    assert handler.lambda_handler(envelope("rest-v1-proxy-event", big, b64=True), None)["statusCode"] == 413
    event = envelope("rest-v1-proxy-event", b"", b64=True)
    event["body"] = "not base64!"
    assert handler.lambda_handler(event, None)["statusCode"] == 400
    not_utf8 = b'{"update_id": 900000501, "message": {"chat": {"id": -1001234567890}, "text": "\xff\xfe"}}'
    assert handler.lambda_handler(envelope("rest-v1-proxy-event", not_utf8, b64=True), None)["statusCode"] == 400
    utf16 = update(900000503).decode().encode("utf-16")  # JSON, but not the UTF-8 Telegram sends
    assert handler.lambda_handler(envelope("rest-v1-proxy-event", utf16, b64=True), None)["statusCode"] == 400
    assert raw_objects() == {}


def test_a_body_just_under_the_cap_is_stored():
    body = update(900000502, text="x" * (1024 * 1024 - 200))
    assert len(body) <= handler.MAX_BODY_BYTES
    assert handler.lambda_handler(envelope("http-v2-proxy-event", body, b64=True), None)["statusCode"] == 200
    assert raw_objects() == {"context_date=2024-11-18/900000502.json": body}


@pytest.mark.parametrize("event", [None, [], "POST", {}, {"httpMethod": "POST"}, {"requestContext": "x"}])
def test_events_that_are_not_http_requests(event):
    assert handler.lambda_handler(event, None)["statusCode"] in (400, 401, 405)


# ------------------------------------------------------------------ storage failures


def test_storage_failure_answers_503_and_claims_nothing(capsys):
    store = MemoryStore(fail_put=True)
    answer = handler.handle(envelope("http-v2-proxy-event", telegram("sticker")), store=store)
    assert answer["statusCode"] == 503
    assert store.objects == {}
    line = log_lines(capsys)[-1]
    assert line["outcome"] == "storage_error" and line["update_id"] == 815000004


def test_a_failed_local_write_leaves_no_file_and_a_retry_succeeds(local_lake, monkeypatch):
    def broken_fsync(fd):
        raise OSError(5, "Input/output error")

    body = telegram("sticker")
    with monkeypatch.context() as patch:
        patch.setattr(handler.os, "fsync", broken_fsync)
        assert handler.lambda_handler(envelope("http-v2-proxy-event", body), None)["statusCode"] == 503
    folder = local_lake / "raw" / "context_date=2024-11-18"
    assert list(folder.iterdir()) == []  # not even the hidden temporary file
    assert handler.lambda_handler(envelope("http-v2-proxy-event", body), None)["statusCode"] == 200
    assert raw_objects() == {"context_date=2024-11-18/815000004.json": body}


def test_a_raw_zone_that_cannot_be_created_answers_503(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("RAW_URI", str(blocker / "raw"))
    assert handler.lambda_handler(envelope("http-v2-proxy-event", telegram("sticker")), None)["statusCode"] == 503


def test_unreachable_s3_answers_503(monkeypatch):
    monkeypatch.setenv("RAW_URI", "s3://unreachable-bucket/raw")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # botocore's own setting; spares the test the backoff
    assert handler.lambda_handler(envelope("http-v2-proxy-event", telegram("sticker")), None)["statusCode"] == 503


def test_misconfiguration_answers_500_with_the_reason(monkeypatch, capsys):
    monkeypatch.setenv("ALLOWED_CHAT_IDS", "-100123,abc")
    assert handler.lambda_handler(envelope("http-v2-proxy-event", telegram("sticker")), None)["statusCode"] == 500
    monkeypatch.setenv("ALLOWED_CHAT_IDS", str(GROUP))
    monkeypatch.setenv("TIMEZONE", "Mars/Olympus")
    assert handler.lambda_handler(envelope("http-v2-proxy-event", telegram("sticker")), None)["statusCode"] == 500
    monkeypatch.setenv("TIMEZONE", "UTC")
    monkeypatch.delenv("RAW_URI")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "telegram-webhook")
    assert handler.lambda_handler(envelope("http-v2-proxy-event", telegram("sticker")), None)["statusCode"] == 500
    errors = [line["error"] for line in log_lines(capsys)]
    assert "ALLOWED_CHAT_IDS" in errors[0] and "TIMEZONE" in errors[1] and "RAW_URI is not set" in errors[2]


def test_a_migration_out_of_a_chat_that_is_not_allowed_changes_nothing(monkeypatch):
    monkeypatch.setenv("ALLOWED_CHAT_IDS", str(GROUP))
    hijack = update(900000700, chat_id=-555, migrate_to_chat_id=-1009999999999)
    assert handler.lambda_handler(envelope("http-v2-proxy-event", hijack), None)["statusCode"] == 200
    claim = update(900000701, chat_id=-1009999999999, migrate_from_chat_id=-555)
    assert handler.lambda_handler(envelope("http-v2-proxy-event", claim), None)["statusCode"] == 200
    assert raw_objects() == {}


def test_other_chats_are_looked_up_once_per_interval(monkeypatch):
    store = MemoryStore()
    other = envelope("http-v2-proxy-event", telegram("other_chat_message"))
    clock = [1000.0]
    monkeypatch.setattr(handler.time, "monotonic", lambda: clock[0])
    for _ in range(3):
        assert handler.handle(other, store=store)["statusCode"] == 200
    assert store.exists_calls == 1
    clock[0] += handler.MIGRATION_NEGATIVE_TTL_S + 1
    assert handler.handle(other, store=store)["statusCode"] == 200
    assert store.exists_calls == 2 and store.objects == {}


def test_a_failed_marker_lookup_answers_503_and_drops_nothing(capsys):
    class LookupFails(MemoryStore):
        def exists(self, key: str) -> bool:
            raise handler.StorageUnavailable(f"S3 head_object on s3://b/raw/{key}: 403 (access denied: …)")

    store = LookupFails()
    answer = handler.handle(envelope("http-v2-proxy-event", telegram("other_chat_message")), store=store)
    assert answer["statusCode"] == 503 and store.objects == {}
    assert log_lines(capsys)[-1]["outcome"] == "storage_error"


def test_a_failed_marker_write_answers_503():
    store = MemoryStore(fail_put=True)
    answer = handler.handle(
        envelope("http-v2-proxy-event", telegram("group_migrated_to_supergroup")),
        store=store,
        env={"WEBHOOK_SECRET": SECRET, "ALLOWED_CHAT_IDS": str(OLD_GROUP)},
    )
    assert answer["statusCode"] == 503 and store.objects == {}


# ------------------------------------------------------------------ logs and cold start


def test_one_log_line_per_request_without_secret_or_text(capsys):
    handler.lambda_handler(envelope("http-v2-proxy-event", telegram("message_text_supergroup")), None)
    handler.lambda_handler(envelope("http-v2-proxy-event", telegram("message_text_supergroup"), token="guess"), None)
    handler.lambda_handler(envelope("http-v2-proxy-event", "not json"), None)
    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["outcome"] for line in lines] == ["stored", "wrong_secret", "not_json"]
    first = lines[0]
    assert first["update_id"] == 815000001 and first["chat_id"] == GROUP and first["update_type"] == "message"
    assert first["status"] == 200 and isinstance(first["latency_ms"], float)
    assert SECRET not in out and "guess" not in out and "Treino" not in out and "Ana" not in out


def test_every_log_line_carries_the_request_id_and_whether_the_container_was_cold(monkeypatch, capsys):
    """As AWS Lambda Powertools' logger does: ``function_request_id`` (the context's aws_request_id) and
    ``cold_start`` on every line of an invocation, warnings included."""
    from types import SimpleNamespace

    monkeypatch.setenv("ALLOWED_CHAT_IDS", "")  # every update then warns once, per container
    event = envelope("http-v2-proxy-event", telegram("sticker"))
    handler.lambda_handler(event, SimpleNamespace(aws_request_id="c0ffee-1"))
    handler.lambda_handler(event, SimpleNamespace(aws_request_id="c0ffee-2"))
    handler.handle(event)  # not through Lambda's entry point: no invocation context
    handler.reset_caches()  # a new container
    handler.lambda_handler(event, None)  # the local server has no context object
    lines = log_lines(capsys)
    context = [(line.get("function_request_id"), line.get("cold_start"), line.get("level")) for line in lines]
    assert context == [
        ("c0ffee-1", True, "WARNING"),
        ("c0ffee-1", True, None),
        ("c0ffee-2", False, None),
        (None, None, None),
        (None, True, "WARNING"),
        (None, True, None),
    ]
    assert "function_request_id" not in lines[-1]


def test_importing_and_running_the_handler_does_not_load_boto3(tmp_path):
    script = (
        "import sys, json; sys.path.insert(0, 'lambda'); import handler\n"
        "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules\n"
        "body = open(sys.argv[1]).read()\n"
        "event = {'httpMethod': 'POST', 'headers': {'X-Telegram-Bot-Api-Secret-Token': 's'}, 'body': body}\n"
        "assert handler.lambda_handler(event, None)['statusCode'] == 200\n"
        "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules\n"
    )
    env = {**os.environ, "RAW_URI": str(tmp_path), "WEBHOOK_SECRET": "s", "ALLOWED_CHAT_IDS": str(GROUP)}
    result = subprocess.run(
        [sys.executable, "-c", script, str(FIXTURES / "telegram" / "sticker.json")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "context_date=2024-11-18" / "815000004.json").is_file()


# ------------------------------------------------------------------ property-based: bad input never 5xx

ENV = {"WEBHOOK_SECRET": SECRET, "ALLOWED_CHAT_IDS": str(GROUP), "TIMEZONE": "America/Sao_Paulo"}
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
update_like = st.fixed_dictionaries(
    {"update_id": st.integers() | st.text(max_size=5) | st.none() | st.booleans()},
    optional={
        "message": st.dictionaries(
            st.sampled_from(["chat", "date", "edit_date", "text", "migrate_to_chat_id", "migrate_from_chat_id"]),
            json_values | st.fixed_dictionaries({"id": st.integers() | st.sampled_from([GROUP, OLD_GROUP])}),
        ),
        "edited_message": json_values,
        "callback_query": json_values,
    },
)
bodies = (
    st.binary(max_size=300)
    | st.text(max_size=300).map(lambda s: s.encode("utf-8", "surrogatepass"))
    | json_values.map(lambda v: json.dumps(v).encode())
    | update_like.map(lambda v: json.dumps(v).encode())
)
header_names = st.sampled_from(["X-Telegram-Bot-Api-Secret-Token", "x-telegram-bot-api-secret-token", "X-Other"])


def raw_event(kind: str, body: bytes, headers: dict, method: str, b64: bool) -> dict:
    event = copy.deepcopy(_ENVELOPES[kind])
    if kind.startswith("rest"):
        event["httpMethod"] = method
        event["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
    else:
        event["requestContext"]["http"]["method"] = method
    event["headers"] = headers
    if b64:
        event["body"] = base64.b64encode(body).decode()
    else:
        event["body"] = body.decode("utf-8", "surrogateescape")
    event["isBase64Encoded"] = b64
    return event


_ENVELOPES = {kind: json.loads((FIXTURES / "apigateway" / f"{kind}.json").read_text()) for kind in ENVELOPES}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(ENVELOPES),
    body=bodies,
    token=st.sampled_from([SECRET, SECRET]) | st.text(max_size=30),
    header=header_names,
    method=st.sampled_from(["POST", "POST", "GET", "PUT", "post", "DELETE"]) | st.text(max_size=6),
    b64=st.booleans(),
)
def test_any_request_gets_an_answer_below_500_and_only_the_secret_writes(kind, body, token, header, method, b64):
    store = MemoryStore()
    answer = handler.handle(raw_event(kind, body, {header: token}, method, b64), store=store, env=ENV)
    status = answer["statusCode"]
    assert status in {200, 400, 401, 403, 405, 413}
    authenticated = header.lower() == handler.SECRET_HEADER and token == SECRET and method.upper() == "POST"
    if not authenticated:
        assert status in {401, 403, 405} and store.objects == {}
    updates = {key: data for key, data in store.objects.items() if not key.startswith("_migrations/")}
    assert all(status == 200 and data == body and key.startswith("context_date=") for key, data in updates.items())


@settings(max_examples=100, deadline=None)
@given(event=json_values | st.dictionaries(st.sampled_from(list(_ENVELOPES["rest-v1-proxy-event"])), json_values))
def test_any_event_shape_gets_an_answer_below_500(event):
    store = MemoryStore()
    answer = handler.handle(event, store=store, env=ENV)
    assert answer["statusCode"] < 500 and store.objects == {}


@pytest.fixture(scope="module")
def shared_local_store(tmp_path_factory):
    return handler.LocalRawStore(str(tmp_path_factory.mktemp("raw")))


@settings(max_examples=100, deadline=None)
@given(body=update_like.map(lambda v: json.dumps(v).encode()))
def test_authenticated_updates_never_get_5xx_from_a_real_folder(shared_local_store, body):
    env = {**ENV, "ALLOWED_CHAT_IDS": f"{GROUP},{OLD_GROUP}"}
    answer = handler.handle(
        raw_event("http-v2-proxy-event", body, {handler.SECRET_HEADER: SECRET}, "POST", False),
        store=shared_local_store,
        env=env,
    )
    assert answer["statusCode"] in {200, 400}
