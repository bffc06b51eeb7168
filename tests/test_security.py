"""Security of the webhook: the secret is compared in constant time, can live in SSM Parameter Store
or Secrets Manager, and neither it nor any message text ever reaches a log line, stdout or stderr."""

from __future__ import annotations

import ast
import base64
import hmac
import json
import logging

import handler
import pytest

from tests.conftest import REPO
from tests.reliability_helpers import CHAT_ID, SECRET, MemoryStore, env, event, update

TEXT = "PRIVATE message body 4c1e: meet at Rua Secreta 42"
CAPTION = "PRIVATE caption 9b7d"
NEAR_MISSES = [SECRET[:-1], SECRET + "x", SECRET.upper(), SECRET[1:], f" {SECRET}"]


@pytest.fixture(autouse=True)
def fresh_handler():
    handler.reset_caches()
    yield
    handler.reset_caches()


def _body(update_id: int, text: str = TEXT) -> bytes:
    return json.dumps(update(update_id, text=text), ensure_ascii=False).encode()


def test_the_token_is_only_ever_compared_with_hmac_compare_digest():
    tree = ast.parse((REPO / "lambda" / "handler.py").read_text())
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and ast.unparse(n.func) == "hmac.compare_digest"]
    assert calls, "the handler does not use hmac.compare_digest"
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(isinstance(op, ast.Eq | ast.NotEq | ast.In) for op in node.ops):
            names = ast.unparse(node).lower()
            assert "secret" not in names and "token" not in names, f"a plain comparison: {ast.unparse(node)}"


def test_every_authentication_goes_through_compare_digest(monkeypatch, tmp_path):
    seen = []
    real = hmac.compare_digest

    def spy(a, b):
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    store = MemoryStore()
    settings = env(str(tmp_path))
    assert handler.handle(event(_body(1)), store=store, env=settings)["statusCode"] == 200
    assert seen and all(SECRET.encode() in pair for pair in seen)
    seen.clear()
    for wrong in NEAR_MISSES:
        assert handler.handle(event(_body(2), token=wrong), store=store, env=settings)["statusCode"] == 403
    assert len(seen) >= len(NEAR_MISSES)
    assert list(store.objects) == ["context_date=2025-11-23/1.json"]


def _representative_run(settings: dict, store: MemoryStore) -> list[dict]:
    """Good, wrong, missing and near-miss secrets, bad bodies, other chats, base64, every shape,
    storage failing: the paths a log line could leak from."""
    answers = []
    photo = update(7, text="")
    del photo["message"]["text"]
    photo["message"].update(photo=[{"file_id": "x", "width": 1, "height": 1}], caption=CAPTION)
    bodies = [
        _body(1),
        _body(2, text=f"{TEXT} and the secret {SECRET} pasted in a message"),
        json.dumps(update(3, chat_id=-42), ensure_ascii=False).encode(),
        json.dumps(photo, ensure_ascii=False).encode(),
        f'{{"update_id": 4, "message": {{"text": "{TEXT}"'.encode(),  # cut short
        f'["{TEXT}"]'.encode(),
        f'{{"update_id": "{TEXT}"}}'.encode(),
        TEXT.encode("utf-16"),
    ]
    for shape in ("rest", "http", "url"):
        for body in bodies:
            for token in (SECRET, None, *NEAR_MISSES[:2]):
                answers.append(handler.handle(event(body, token=token, shape=shape), store=store, env=settings))
            answers.append(handler.handle(event(body, shape=shape, base64_body=True), store=store, env=settings))
        answers.append(handler.handle(event(_body(5), method="GET", shape=shape), store=store, env=settings))
    store.failing = True
    answers.append(handler.handle(event(_body(6)), store=store, env=settings))
    store.failing = False
    answers.append(handler.handle(event(_body(6)), store=store, env={**settings, "WEBHOOK_SECRET": ""}))
    return answers


def _assert_nothing_leaked(text: str) -> None:
    for needle in [SECRET, *NEAR_MISSES[:2], TEXT, CAPTION, "Rua Secreta"]:
        assert needle not in text, f"{needle!r} leaked into the output"
        assert base64.b64encode(needle.encode()).decode() not in text


def _assert_json_lines_and_nothing_leaked(answers: list[dict], capfd, caplog) -> None:
    out, err = capfd.readouterr()
    lines = out.splitlines()
    assert len(lines) >= len(answers)  # one JSON line per request at least
    for line in lines:
        if line.startswith("{"):
            json.loads(line)
    _assert_nothing_leaked(out + err + caplog.text + "".join(json.dumps(a) for a in answers))


# Every level, DEBUG included: at DEBUG botocore itself would log request parameters and response
# bodies (an S3 PUT's body, the secret SSM returns), so the handler keeps botocore at INFO or above.
def test_no_log_line_holds_the_secret_or_message_text(tmp_path, capfd, caplog):
    caplog.set_level(logging.DEBUG)  # no botocore on this path: every level of our own code
    store = MemoryStore()
    answers = _representative_run(env(str(tmp_path)), store)
    statuses = {a["statusCode"] for a in answers}
    assert {200, 400, 401, 403, 405, 500, 503} <= statuses, statuses
    assert store.objects, "the run stored nothing: the good path was not exercised"
    _assert_json_lines_and_nothing_leaked(answers, capfd, caplog)


def test_no_log_line_holds_the_secret_or_message_text_on_s3(s3_lake, capfd, caplog):
    caplog.set_level(logging.DEBUG)
    settings = env(s3_lake["RAW_URI"], AWS_ENDPOINT_URL=s3_lake["endpoint"])
    answers = [handler.handle(event(_body(n)), env=settings) for n in (51, 52)]
    answers.append(handler.handle(event(_body(53), token=SECRET[:-1]), env=settings))
    gone = {**settings, "RAW_URI": "s3://no-such-bucket-here/raw"}  # S3 refuses the PUT
    answers.append(handler.handle(event(_body(54)), env=gone))
    assert [a["statusCode"] for a in answers] == [200, 200, 403, 503]
    _assert_json_lines_and_nothing_leaked(answers, capfd, caplog)


@pytest.mark.parametrize("where", ["ssm", "secretsmanager"])
def test_secret_from_parameter_store_or_secrets_manager_is_used_and_never_logged(
    where, aws_endpoint, tmp_path, capfd, caplog
):
    import uuid

    from telegram_pipeline.lake import aws

    name = f"/telegram/webhook-secret-{uuid.uuid4().hex[:8]}"
    if where == "ssm":
        aws.client("ssm").put_parameter(Name=name, Value=SECRET, Type="SecureString")
        param = name
    else:
        aws.client("secretsmanager").create_secret(Name=name, SecretString=SECRET)
        param = f"secretsmanager:{name}"
    caplog.set_level(logging.DEBUG)
    settings = {**env(str(tmp_path / "raw")), "WEBHOOK_SECRET": "", "WEBHOOK_SECRET_PARAM": param}
    settings["AWS_ENDPOINT_URL"] = aws_endpoint
    good = handler.handle(event(_body(11)), env=settings)
    wrong = handler.handle(event(_body(12), token="not-it"), env=settings)
    missing = handler.handle(event(_body(13), token=None), env=settings)
    assert (good["statusCode"], wrong["statusCode"], missing["statusCode"]) == (200, 403, 401)
    assert sorted(p.name for p in (tmp_path / "raw").rglob("*.json")) == ["11.json"]
    out, err = capfd.readouterr()
    _assert_nothing_leaked(out + err + caplog.text)


def test_an_unreadable_secret_parameter_fails_closed(aws_endpoint, tmp_path):
    settings = {**env(str(tmp_path / "raw")), "WEBHOOK_SECRET": "", "WEBHOOK_SECRET_PARAM": "/no/such/parameter"}
    settings["AWS_ENDPOINT_URL"] = aws_endpoint
    answer = handler.handle(event(_body(21)), env=settings)
    assert answer["statusCode"] >= 500  # misconfigured: Telegram keeps the update and retries
    assert not (tmp_path / "raw").exists()


def test_no_secret_configured_refuses_everything(tmp_path, capfd):
    store = MemoryStore()
    for token in (SECRET, "", None):
        answer = handler.handle(
            event(_body(31), token=token), store=store, env={**env(str(tmp_path)), "WEBHOOK_SECRET": ""}
        )
        assert answer["statusCode"] >= 400 and answer["statusCode"] != 200
    assert store.puts == 0
    assert "no secret configured" in capfd.readouterr().out


def test_settings_repr_hides_the_secrets(monkeypatch):
    from telegram_pipeline import config

    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:bot-token-value")
    monkeypatch.setenv("PSEUDONYMIZE_KEY", "pseudonym-key-value")
    text = repr(config.load()) + str(config.load())
    assert SECRET not in text and "bot-token-value" not in text and "pseudonym-key-value" not in text


def test_chat_id_allowlist_keeps_other_chats_out(tmp_path):
    store = MemoryStore()
    answer = handler.handle(
        event(json.dumps(update(41, chat_id=CHAT_ID + 1)).encode()), store=store, env=env(str(tmp_path))
    )
    assert answer["statusCode"] == 200 and store.puts == 0


def test_the_local_server_logs_neither_the_secret_nor_message_text(monkeypatch, tmp_path, capfd, caplog):
    import http.client
    import threading

    from telegram_pipeline.dev import server

    caplog.set_level(logging.INFO)
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("ALLOWED_CHAT_IDS", str(CHAT_ID))
    httpd = server.make_server("127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    statuses = []
    try:
        for body, token, method in [
            (_body(61), SECRET, "POST"),
            (_body(62), NEAR_MISSES[0], "POST"),
            (_body(63), None, "POST"),
            (f'{{"update_id": 64, "message": {{"text": "{TEXT}"'.encode(), SECRET, "POST"),
            (_body(65), SECRET, "PUT"),
            (TEXT.encode("latin-1", "replace"), SECRET, "POST"),
        ]:
            connection = http.client.HTTPConnection("127.0.0.1", httpd.server_address[1], timeout=30)
            headers = {} if token is None else {"X-Telegram-Bot-Api-Secret-Token": token}
            connection.request(method, "/webhook", body=body, headers=headers)
            response = connection.getresponse()
            statuses.append(response.status)
            _assert_nothing_leaked(response.read().decode("utf-8", "replace"))
            connection.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert statuses == [200, 403, 401, 400, 405, 400]
    out, err = capfd.readouterr()
    assert out.count("\n") >= len(statuses)
    _assert_nothing_leaked(out + err + caplog.text)
