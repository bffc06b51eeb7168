"""``webhook set|info|delete`` against a local stand-in for Telegram's Bot API that checks each request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
from telegram_pipeline import cli
from telegram_pipeline.lake import aws

from tests.support.fake_telegram import TOKEN, WEBHOOK_INFO, FakeTelegram
from tests.support.paths import REPO, free_port

SECRET = "setup-Secret_0123"


@pytest.fixture
def telegram(monkeypatch):
    fake = FakeTelegram()
    fake.thread.start()
    monkeypatch.setenv("TELEGRAM_API_URL", fake.url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    yield fake
    fake.httpd.shutdown()
    fake.httpd.server_close()


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["webhook", *argv])
    out, err = capsys.readouterr()
    assert TOKEN not in out + err and TOKEN.split(":")[1] not in out + err
    return code, out, err


def test_set_sends_url_secret_and_the_pipelines_update_types(telegram, capsys):
    code, out, _ = run_cli(capsys, "set", "https://abc.execute-api.us-east-1.amazonaws.com/webhook")
    assert code == 0 and "webhook set" in out
    assert telegram.requests == [
        (
            "setWebhook",
            {
                "url": "https://abc.execute-api.us-east-1.amazonaws.com/webhook",
                "secret_token": SECRET,
                "allowed_updates": [
                    "message",
                    "edited_message",
                    "channel_post",
                    "edited_channel_post",
                    "my_chat_member",
                ],
                "max_connections": 40,
                "drop_pending_updates": False,
            },
        )
    ]


def test_set_with_reactions_members_and_options(telegram, capsys):
    code, _, _ = run_cli(
        capsys,
        "set",
        "https://hook.example.com/tg",
        "--reactions",
        "--members",
        "--max-connections",
        "100",
        "--drop-pending-updates",
    )
    assert code == 0
    ((method, params),) = telegram.requests
    assert method == "setWebhook"
    assert params["allowed_updates"] == [
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "my_chat_member",
        "message_reaction",
        "message_reaction_count",
        "chat_member",
    ]
    assert params["max_connections"] == 100 and params["drop_pending_updates"] is True


def test_set_with_an_explicit_list(telegram, capsys):
    assert run_cli(capsys, "set", "https://hook.example.com/tg", "--allowed-updates", "message, chat_member")[0] == 0
    assert telegram.requests[0][1]["allowed_updates"] == ["message", "chat_member"]


def test_set_reads_the_secret_from_ssm(telegram, aws_endpoint, monkeypatch, capsys):
    name = f"/telegram/{uuid.uuid4().hex}/secret"
    aws.client("ssm").put_parameter(Name=name, Value="from-ssm", Type="SecureString")
    monkeypatch.delenv("WEBHOOK_SECRET")
    monkeypatch.setenv("WEBHOOK_SECRET_PARAM", name)
    assert run_cli(capsys, "set", "https://hook.example.com/tg")[0] == 0
    assert telegram.requests[0][1]["secret_token"] == "from-ssm"


@pytest.mark.parametrize(
    "argv, env, message",
    [
        (["set", "http://hook.example.com/tg"], {}, "https://"),
        (["set", "https://hook.example.com/tg", "--max-connections", "101"], {}, "max-connections"),
        (["set", "https://hook.example.com/tg"], {"WEBHOOK_SECRET": ""}, "WEBHOOK_SECRET"),
        (["set", "https://hook.example.com/tg"], {"WEBHOOK_SECRET": "has space"}, "A-Z"),
        (["info"], {"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN is not set"),
        (["info"], {"TELEGRAM_BOT_TOKEN": "123:abc/../../x?y"}, "does not look like a bot token"),
    ],
)
def test_bad_arguments_fail_before_calling_telegram(telegram, monkeypatch, capsys, argv, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, _, err = run_cli(capsys, *argv)
    assert code == 2 and message in err
    assert telegram.requests == []


def test_info_prints_the_webhook_and_its_last_error(telegram, capsys):
    code, out, err = run_cli(capsys, "info")
    assert code == 0
    assert json.loads(out) == WEBHOOK_INFO
    assert "503 Service Unavailable" in err
    assert telegram.requests == [("getWebhookInfo", {})]


@pytest.mark.parametrize("drop", [False, True])
def test_delete(telegram, capsys, drop):
    code, out, _ = run_cli(capsys, "delete", *(["--drop-pending-updates"] if drop else []))
    assert code == 0 and "deleted" in out
    assert telegram.requests == [("deleteWebhook", {"drop_pending_updates": drop})]


def test_telegrams_errors_are_reported_without_the_token(telegram, capsys):
    telegram.fail_with = (400, {"ok": False, "error_code": 400, "description": "Bad Request: bad webhook: " + TOKEN})
    code, _, err = run_cli(capsys, "set", "https://hook.example.com/tg")
    assert code == 1 and "setWebhook failed: Bad Request: bad webhook: <token>" in err


def test_a_wrong_token_is_reported(telegram, monkeypatch, capsys):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "987654321:WrongTokenWrongToken")
    code = cli.main(["webhook", "info"])
    err = capsys.readouterr().err
    assert code == 1 and "Unauthorized" in err and "WrongTokenWrongToken" not in err


def test_an_unreachable_api_is_reported_without_the_token(monkeypatch, capsys):
    monkeypatch.setenv("TELEGRAM_API_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    code, _, err = run_cli(capsys, "info")
    assert code == 1 and "cannot reach" in err


def test_the_command_line_entry_point(telegram):
    env = {**os.environ, "PYTHONPATH": str(REPO / "plugins")}
    result = subprocess.run(
        [sys.executable, "-m", "telegram_pipeline", "webhook", "delete"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "webhook deleted"
    assert TOKEN not in result.stdout + result.stderr
