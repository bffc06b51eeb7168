"""The webhook Lambda (lambda/handler.py) on real Telegram updates in real API Gateway envelopes, against
a local folder and moto's S3: what it stores, where, and what it answers."""

from __future__ import annotations

import json
import os
import uuid

import handler
import pytest
from telegram_pipeline.lake import aws
from telegram_pipeline.lake.storage import open_store

from tests.support.paths import FIXTURES
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
TELEGRAM = sorted(path.stem for path in (FIXTURES / "telegram").glob("*.json"))

# With ALLOWED_CHAT_IDS = GROUP, OLD_GROUP and TIMEZONE America/Sao_Paulo (UTC-3): the day each fixture
# is stored under, or None when it is acknowledged and dropped.
EXPECTED_DAY = {
    "anonymous_admin": "2024-11-18",
    "callback_query_no_chat": None,
    "channel_post": None,
    "docs_example_edited_message": None,
    "docs_example_message_with_entities": None,
    "edited_message_supergroup": "2024-11-18",
    "forum_topic_message": "2024-11-18",
    "forwarded_from_channel": "2024-11-18",
    "group_migrated_to_supergroup": "2024-11-17",  # 02:30 UTC is 23:30 the day before in São Paulo
    "message_reaction": "2024-11-18",
    "message_text_supergroup": "2024-11-18",  # 03:00 UTC: midnight exactly in São Paulo
    "my_chat_member_bot_added": "2024-11-17",
    "new_chat_members": "2024-11-18",
    "other_chat_message": None,
    "photo_with_caption": "2024-11-18",
    "reply_and_quote": "2024-11-18",
    "sticker": "2024-11-18",
    "voice": "2024-11-18",
}


# ------------------------------------------------------------------ every fixture, every envelope, both stores


@pytest.mark.parametrize("kind", ENVELOPES)
@pytest.mark.parametrize("name", TELEGRAM)
def test_every_fixture_in_every_envelope(lake, kind, name):
    assert set(EXPECTED_DAY) == set(TELEGRAM), "a new fixture needs its expected day here"
    body = telegram(name)
    first = handler.lambda_handler(envelope(kind, body), None)
    # Telegram redelivers the same bytes; here base64-encoded, as API Gateway may pass them.
    again = handler.lambda_handler(envelope(kind, body, b64=True), None)

    assert first["statusCode"] == again["statusCode"] == 200
    day = EXPECTED_DAY[name]
    expected = {} if day is None else {f"context_date={day}/{json.loads(body)['update_id']}.json": body}
    assert raw_objects() == expected


def _secret_in_ssm(monkeypatch, value: str):
    """A fresh SSM SecureString holding ``value``, named by WEBHOOK_SECRET_PARAM in place of WEBHOOK_SECRET."""
    name = f"/telegram/{uuid.uuid4().hex}/webhook-secret"
    ssm = aws.client("ssm")
    ssm.put_parameter(Name=name, Value=value, Type="SecureString")
    monkeypatch.delenv("WEBHOOK_SECRET")
    monkeypatch.setenv("WEBHOOK_SECRET_PARAM", name)
    return ssm, name


def test_secret_from_ssm_parameter_store_is_read_once_per_container(aws_endpoint, monkeypatch):
    ssm, name = _secret_in_ssm(monkeypatch, "from-ssm_secret")
    body = telegram("voice")

    assert (
        handler.lambda_handler(envelope("http-v2-proxy-event", body, token="from-ssm_secret"), None)["statusCode"]
        == 200
    )
    assert handler.lambda_handler(envelope("http-v2-proxy-event", body, token=SECRET), None)["statusCode"] == 403
    ssm.put_parameter(Name=name, Value="rotated", Type="SecureString", Overwrite=True)
    # Still the value read at the first request: no SSM call per request.
    assert (
        handler.lambda_handler(envelope("http-v2-proxy-event", body, token="from-ssm_secret"), None)["statusCode"]
        == 200
    )
    assert list(raw_objects()) == ["context_date=2024-11-18/815000009.json"]


def test_a_rotated_ssm_secret_is_picked_up_after_the_recheck_interval(aws_endpoint, monkeypatch):
    ssm, name = _secret_in_ssm(monkeypatch, "first")
    body = telegram("voice")
    assert handler.lambda_handler(envelope("http-v2-proxy-event", body, token="first"), None)["statusCode"] == 200
    ssm.put_parameter(Name=name, Value="second", Type="SecureString", Overwrite=True)
    assert handler.lambda_handler(envelope("http-v2-proxy-event", body, token="second"), None)["statusCode"] == 403
    monkeypatch.setattr(handler, "SECRET_RECHECK_AFTER_S", 0.0)
    assert handler.lambda_handler(envelope("http-v2-proxy-event", body, token="second"), None)["statusCode"] == 200
    assert handler.lambda_handler(envelope("http-v2-proxy-event", body, token="first"), None)["statusCode"] == 403


def test_secret_from_secrets_manager(aws_endpoint, monkeypatch):
    name = f"telegram-webhook-{uuid.uuid4().hex}"
    aws.client("secretsmanager").create_secret(Name=name, SecretString="from-secrets-manager")
    monkeypatch.delenv("WEBHOOK_SECRET")
    monkeypatch.setenv("WEBHOOK_SECRET_PARAM", f"secretsmanager:{name}")
    body = telegram("voice")
    assert handler.lambda_handler(envelope("rest-v1-proxy-event", body, token="nope"), None)["statusCode"] == 403
    assert (
        handler.lambda_handler(envelope("rest-v1-proxy-event", body, token="from-secrets-manager"), None)["statusCode"]
        == 200
    )
    assert len(raw_objects()) == 1


@pytest.mark.parametrize("param", ["/telegram/does-not-exist", "secretsmanager:does-not-exist"])
def test_a_secret_parameter_that_does_not_exist_refuses_everything(aws_endpoint, monkeypatch, capsys, param):
    monkeypatch.delenv("WEBHOOK_SECRET")
    monkeypatch.setenv("WEBHOOK_SECRET_PARAM", param)
    answer = handler.lambda_handler(envelope("http-v2-proxy-event", telegram("voice"), token="x"), None)
    assert answer["statusCode"] == 500
    assert raw_objects() == {}
    assert "WEBHOOK_SECRET_PARAM" in log_lines(capsys)[-1]["error"]


def test_an_outage_of_the_secret_store_on_a_recheck_answers_503_not_403(aws_standin, monkeypatch, capsys):
    """The secret was rotated and the store is down when a request with the new token comes: it may
    well be right, so Telegram must retry (503), not drop the update for a wrong secret (403)."""
    ssm, name = _secret_in_ssm(monkeypatch, "first")
    body = telegram("voice")
    assert handler.lambda_handler(envelope("http-v2-proxy-event", body, token="first"), None)["statusCode"] == 200
    ssm.put_parameter(Name=name, Value="second", Type="SecureString", Overwrite=True)
    monkeypatch.setattr(handler, "SECRET_RECHECK_AFTER_S", 0.0)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # botocore's own setting; spares the test the backoff
    handler._clients.clear()
    aws_standin.rule = lambda method, path: "fail" if method == "POST" else None  # SSM answers 500
    assert handler.lambda_handler(envelope("http-v2-proxy-event", body, token="second"), None)["statusCode"] == 503
    line = log_lines(capsys)[-1]
    assert line["outcome"] == "storage_error" and "WEBHOOK_SECRET_PARAM" in line["error"]
    aws_standin.rule = lambda method, path: None
    assert handler.lambda_handler(envelope("http-v2-proxy-event", body, token="second"), None)["statusCode"] == 200


def test_a_secret_parameter_deleted_after_it_was_read_answers_500_to_a_token_it_cannot_check(
    aws_endpoint, monkeypatch, capsys
):
    ssm, name = _secret_in_ssm(monkeypatch, "first")
    body = telegram("voice")
    assert handler.lambda_handler(envelope("http-v2-proxy-event", body, token="first"), None)["statusCode"] == 200
    ssm.delete_parameter(Name=name)
    monkeypatch.setattr(handler, "SECRET_RECHECK_AFTER_S", 0.0)
    assert handler.lambda_handler(envelope("http-v2-proxy-event", body, token="other"), None)["statusCode"] == 500
    assert "ParameterNotFound" in log_lines(capsys)[-1]["error"]
    # The secret read before still admits Telegram's token: nothing it sends is refused meanwhile.
    assert handler.lambda_handler(envelope("http-v2-proxy-event", body, token="first"), None)["statusCode"] == 200


def test_redelivery_lands_on_the_same_key(lake):
    body = telegram("photo_with_caption")
    for _ in range(3):
        assert handler.lambda_handler(envelope("rest-v1-proxy-event", body), None)["statusCode"] == 200
    assert raw_objects() == {"context_date=2024-11-18/815000003.json": body}


@pytest.mark.parametrize("chat_id", [10**40, -(10**4000), 0, True, "-1001234567890"])
def test_a_chat_id_that_cannot_be_one_is_no_chat(lake, chat_id):
    body = json.dumps({"update_id": 900000800, "message": {"chat": {"id": chat_id}, "date": 1731898800}}).encode()
    answer = handler.lambda_handler(envelope("http-v2-proxy-event", body), None)
    assert answer["statusCode"] == 200 and json.loads(answer["body"])["outcome"] == "ignored_no_chat"
    assert raw_objects() == {}


def test_an_absurd_migration_target_is_not_recorded(lake):
    body = update(900000801, migrate_to_chat_id=-(10**4000))
    assert handler.lambda_handler(envelope("http-v2-proxy-event", body), None)["statusCode"] == 200
    assert list(raw_objects()) == ["context_date=2024-11-18/900000801.json"]


def test_a_missing_bucket_answers_503_until_it_exists(s3_lake, monkeypatch):
    bucket = f"later-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("RAW_URI", f"s3://{bucket}/raw")
    body = telegram("sticker")
    assert handler.lambda_handler(envelope("http-v2-proxy-event", body), None)["statusCode"] == 503
    aws.client("s3").create_bucket(Bucket=bucket)
    assert handler.lambda_handler(envelope("http-v2-proxy-event", body), None)["statusCode"] == 200
    assert raw_objects() == {"context_date=2024-11-18/815000004.json": body}


# ------------------------------------------------------------------ group → supergroup migration


def test_a_migrated_group_keeps_being_stored(lake, monkeypatch, capsys):
    monkeypatch.setenv("ALLOWED_CHAT_IDS", str(OLD_GROUP))
    migration = telegram("group_migrated_to_supergroup")
    assert handler.lambda_handler(envelope("http-v2-proxy-event", migration), None)["statusCode"] == 200
    store = open_store(os.environ["RAW_URI"])
    marker = json.loads(store.read(f"_migrations/{GROUP}.json"))
    assert marker["from_chat_id"] == OLD_GROUP and marker["to_chat_id"] == GROUP and marker["update_id"] == 814999990

    after = telegram("message_text_supergroup")
    assert handler.lambda_handler(envelope("http-v2-proxy-event", after), None)["statusCode"] == 200
    # A fresh container knows nothing yet: it finds the marker in the raw zone.
    handler.reset_caches()
    reaction = telegram("message_reaction")
    assert handler.lambda_handler(envelope("rest-v1-proxy-event", reaction), None)["statusCode"] == 200

    stored = {key: store.read(key) for key in store.list() if key.startswith("context_date=")}
    assert stored == {
        "context_date=2024-11-17/814999990.json": migration,
        "context_date=2024-11-18/815000001.json": after,
        "context_date=2024-11-18/815000011.json": reaction,
    }
    warnings = [line["message"] for line in log_lines(capsys) if line.get("level") == "WARNING"]
    assert any(f"add {GROUP} to ALLOWED_CHAT_IDS" in message for message in warnings)


def test_the_new_supergroups_first_message_names_the_old_group(lake, monkeypatch):
    monkeypatch.setenv("ALLOWED_CHAT_IDS", str(OLD_GROUP))
    first = update(900000600, chat_id=GROUP, migrate_from_chat_id=OLD_GROUP)
    assert handler.lambda_handler(envelope("http-v2-proxy-event", first), None)["statusCode"] == 200
    handler.reset_caches()
    later = update(900000601, chat_id=GROUP)
    assert handler.lambda_handler(envelope("http-v2-proxy-event", later), None)["statusCode"] == 200
    store = open_store(os.environ["RAW_URI"])
    assert sorted(store.list()) == [
        f"_migrations/{GROUP}.json",
        "context_date=2024-11-18/900000600.json",
        "context_date=2024-11-18/900000601.json",
    ]
