"""Security of the webhook: the secret is compared in constant time, can live in SSM Parameter Store
or Secrets Manager, and neither it nor any message text ever reaches a log line, stdout or stderr."""

from __future__ import annotations

import logging

import handler
import pytest

from tests.support.leak_checks import (
    NEAR_MISSES,
    TEXT,
    assert_json_lines_and_nothing_leaked,
    assert_nothing_leaked,
    update_body,
)
from tests.support.webhook_events import CHAT_ID, SECRET, env, event

pytestmark = pytest.mark.usefixtures("fresh_handler")


def test_no_log_line_holds_the_secret_or_message_text_on_s3(s3_lake, capfd, caplog):
    caplog.set_level(logging.DEBUG)
    settings = env(s3_lake["RAW_URI"], AWS_ENDPOINT_URL=s3_lake["endpoint"])
    answers = [handler.handle(event(update_body(n)), env=settings) for n in (51, 52)]
    answers.append(handler.handle(event(update_body(53), token=SECRET[:-1]), env=settings))
    gone = {**settings, "RAW_URI": "s3://no-such-bucket-here/raw"}  # S3 refuses the PUT
    answers.append(handler.handle(event(update_body(54)), env=gone))
    assert [a["statusCode"] for a in answers] == [200, 200, 403, 503]
    assert_json_lines_and_nothing_leaked(answers, capfd, caplog)


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
    good = handler.handle(event(update_body(11)), env=settings)
    wrong = handler.handle(event(update_body(12), token="not-it"), env=settings)
    missing = handler.handle(event(update_body(13), token=None), env=settings)
    assert (good["statusCode"], wrong["statusCode"], missing["statusCode"]) == (200, 403, 401)
    assert sorted(p.name for p in (tmp_path / "raw").rglob("*.json")) == ["11.json"]
    out, err = capfd.readouterr()
    assert_nothing_leaked(out + err + caplog.text)


def test_an_unreadable_secret_parameter_fails_closed(aws_endpoint, tmp_path):
    settings = {**env(str(tmp_path / "raw")), "WEBHOOK_SECRET": "", "WEBHOOK_SECRET_PARAM": "/no/such/parameter"}
    settings["AWS_ENDPOINT_URL"] = aws_endpoint
    answer = handler.handle(event(update_body(21)), env=settings)
    assert answer["statusCode"] >= 500  # misconfigured: Telegram keeps the update and retries
    assert not (tmp_path / "raw").exists()


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
            (update_body(61), SECRET, "POST"),
            (update_body(62), NEAR_MISSES[0], "POST"),
            (update_body(63), None, "POST"),
            (f'{{"update_id": 64, "message": {{"text": "{TEXT}"'.encode(), SECRET, "POST"),
            (update_body(65), SECRET, "PUT"),
            (TEXT.encode("latin-1", "replace"), SECRET, "POST"),
        ]:
            connection = http.client.HTTPConnection("127.0.0.1", httpd.server_address[1], timeout=30)
            headers = {} if token is None else {"X-Telegram-Bot-Api-Secret-Token": token}
            connection.request(method, "/webhook", body=body, headers=headers)
            response = connection.getresponse()
            statuses.append(response.status)
            assert_nothing_leaked(response.read().decode("utf-8", "replace"))
            connection.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert statuses == [200, 403, 401, 400, 405, 400]
    out, err = capfd.readouterr()
    assert out.count("\n") >= len(statuses)
    assert_nothing_leaked(out + err + caplog.text)
