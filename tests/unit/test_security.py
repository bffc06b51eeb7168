"""Security of the webhook: the secret is compared in constant time, can live in SSM Parameter Store
or Secrets Manager, and neither it nor any message text ever reaches a log line, stdout or stderr."""

from __future__ import annotations

import ast
import hmac
import json
import logging

import handler
import pytest

from tests.support.leak_checks import CAPTION, NEAR_MISSES, TEXT, assert_json_lines_and_nothing_leaked, update_body
from tests.support.paths import REPO
from tests.support.webhook_events import CHAT_ID, SECRET, MemoryStore, env, event, update

pytestmark = pytest.mark.usefixtures("fresh_handler")


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
    assert handler.handle(event(update_body(1)), store=store, env=settings)["statusCode"] == 200
    assert seen and all(SECRET.encode() in pair for pair in seen)
    seen.clear()
    for wrong in NEAR_MISSES:
        assert handler.handle(event(update_body(2), token=wrong), store=store, env=settings)["statusCode"] == 403
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
        update_body(1),
        update_body(2, text=f"{TEXT} and the secret {SECRET} pasted in a message"),
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
        answers.append(handler.handle(event(update_body(5), method="GET", shape=shape), store=store, env=settings))
    store.failing = True
    answers.append(handler.handle(event(update_body(6)), store=store, env=settings))
    store.failing = False
    answers.append(handler.handle(event(update_body(6)), store=store, env={**settings, "WEBHOOK_SECRET": ""}))
    return answers


# Every level, DEBUG included: at DEBUG botocore itself would log request parameters and response
# bodies (an S3 PUT's body, the secret SSM returns), so the handler keeps botocore at INFO or above.
def test_no_log_line_holds_the_secret_or_message_text(tmp_path, capfd, caplog):
    caplog.set_level(logging.DEBUG)  # no botocore on this path: every level of our own code
    store = MemoryStore()
    answers = _representative_run(env(str(tmp_path)), store)
    statuses = {a["statusCode"] for a in answers}
    assert {200, 400, 401, 403, 405, 500, 503} <= statuses, statuses
    assert store.objects, "the run stored nothing: the good path was not exercised"
    assert_json_lines_and_nothing_leaked(answers, capfd, caplog)


def test_no_secret_configured_refuses_everything(tmp_path, capfd):
    store = MemoryStore()
    for token in (SECRET, "", None):
        answer = handler.handle(
            event(update_body(31), token=token), store=store, env={**env(str(tmp_path)), "WEBHOOK_SECRET": ""}
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
