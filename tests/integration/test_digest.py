"""The digest end to end: curated rows made for the test, the real reports on DuckDB, and every Bot API
call answered by the stand-in on 127.0.0.1, which checks what it is sent as Telegram would (HTML
parsed with Telegram's rules and limits, multipart uploads, a decodable PNG)."""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import time
import zlib
from datetime import date, timedelta

import pytest
from telegram_pipeline import bot_api, config
from telegram_pipeline.delivery import digest_posts as delivery
from telegram_pipeline.dev.bot_api_standin import PNG_SIGNATURE, utf16_len
from telegram_pipeline.lake import storage

from tests.support.digest_groups import (
    ADMIN_CHAT,
    ANA,
    GROUP,
    LAST,
    OTHER_GROUP,
    TITLE,
    TZ,
    Group,
    local,
    run,
    running_group,
    serve_standin,
)
from tests.support.paths import REPO

TOP_POSTER = "Zé <Admin> & Cia"


def other_group() -> Group:
    """Another group in the same lake, with a member of the first: Bruno 2 messages, Ana 1, this week."""
    group = Group(OTHER_GROUP, "Vendas e Trocas")
    group.post((5, "Bruno", None, None), local(date(2026, 3, 10), 18), "vendo tênis novo")
    group.post((5, "Bruno", None, None), local(date(2026, 3, 12), 18), "tênis vendido")
    group.post(ANA, local(date(2026, 3, 12), 19), "parabéns")
    return group


@pytest.fixture
def telegram(monkeypatch):
    yield from serve_standin(monkeypatch)


@pytest.fixture
def lake_with_group():
    running_group().write(other_group())


def png_rows(data: bytes, rows: int) -> list[bytes]:
    """The first ``rows`` rows of an 8-bit RGBA PNG, unfiltered (enough to look at the chart's title)."""
    at, idat = 8, b""
    while at < len(data):
        (size,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + size]
        if kind == b"IHDR":
            width, _, depth, colour = struct.unpack(">IIBB", body[:10])
            assert (depth, colour) == (8, 6), "expected 8-bit RGBA"
        idat += body if kind == b"IDAT" else b""
        at += 12 + size
    raw, stride, previous, out = zlib.decompress(idat), width * 4, bytearray(width * 4), []
    for y in range(rows):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left, up, corner = line[i - 4] if i >= 4 else 0, previous[i], previous[i - 4] if i >= 4 else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                guess = left + up - corner
                nearest = min((abs(guess - left), 0, left), (abs(guess - up), 1, up), (abs(guess - corner), 2, corner))
                line[i] = (line[i] + nearest[2]) & 255
        out.append(bytes(line))
        previous = line
    return out


def test_a_digest_is_a_message_the_page_and_a_chart(telegram, lake_with_group, capsys):
    code, out, _ = run(capsys, "--date", LAST.isoformat(), "--days", "7")
    assert code == 0, out
    message, document, photo = telegram.delivered(GROUP)
    assert [s.method for s in (message, document, photo)] == ["sendMessage", "sendDocument", "sendPhoto"]

    # The message as the group reads it, after Telegram parsed the HTML: names exactly as written.
    assert message.params["parse_mode"] == "HTML"
    shown = message.text
    assert f"{TITLE}: digest of 9–15 Mar 2026" in shown
    assert "10 messages (+25% vs 8 the 7 days before)" in shown
    assert "3 active members (+50% vs 2 the 7 days before)" in shown
    assert f"1. {TOP_POSTER} · 5\n2. Ana Souza · 3\n3. @bob · 2" in shown
    assert "treino (8)" in shown
    assert f"Best time to post: Wednesdays at 20:00 ({TZ}), when 2 members posted" in shown
    assert '<b>Corrida &lt;SP&gt; &amp; "Amigos"</b>' in message.params["text"]

    # The page: the group's report for the same 7 days, uploaded as an HTML file.
    name, content_type, page = document.upload
    assert name == f"report_{GROUP}_2026-03-09_2026-03-15.html" and content_type == "text/html"
    assert page.startswith(b"<!DOCTYPE html>") and b"Corrida &lt;SP&gt; &amp; &quot;Amigos&quot;" in page
    assert b'data-range="2026-03-09/2026-03-15"' in page and b"Z\xc3\xa9 &lt;Admin&gt; &amp; Cia" in page

    # The chart: a real PNG (the stand-in decoded it), a phone-sized landscape, with its title drawn.
    name, content_type, png = photo.upload
    assert name.endswith(".png") and content_type == "image/png" and png.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", png[16:24])
    assert width == 1080 and 600 < height < 1000 and 20_000 < len(png) < 2_000_000
    title_band = png_rows(png, 50)[12:48]  # the title's line, at the top left
    dark = sum(1 for row in title_band for x in range(20, 400) if row[4 * x] < 100 and row[4 * x + 3] > 200)
    assert dark > 300, "the chart's title was not drawn (no font?)"

    # Both files answer the message, and the record holds Telegram's message ids.
    assert document.params["reply_parameters"] == photo.params["reply_parameters"]
    assert json.loads(document.params["reply_parameters"])["message_id"] == message.message_id
    record = json.loads(storage.reports_store().read(delivery.record_key(GROUP, LAST, 7)))
    assert record["sent"]["message"]["message_id"] == message.message_id
    assert record["sent"]["document"]["message_id"] == document.message_id
    assert record["sent"]["photo"]["message_id"] == photo.message_id
    assert record["complete"] is True and record["chat_id"] == GROUP
    assert f"group {GROUP} (into the group): posted (message {message.message_id}" in out


def test_a_rerun_posts_nothing_and_force_posts_again(telegram, lake_with_group, capsys):
    assert run(capsys, "--date", LAST.isoformat())[0] == 0
    assert len(telegram.delivered()) == 3
    code, out, _ = run(capsys, "--date", LAST.isoformat())
    assert code == 0 and "already delivered" in out
    assert len(telegram.delivered()) == 3
    assert [c.method for c in telegram.calls].count("sendMessage") == 1
    assert run(capsys, "--date", LAST.isoformat(), "--force")[0] == 0
    assert [s.message_id for s in telegram.delivered()] == [101, 102, 103, 104, 105, 106]
    record = json.loads(storage.reports_store().read(delivery.record_key(GROUP, LAST, 7)))
    assert record["sent"]["message"]["message_id"] == 104 and record["forced"] is True
    # another window of the same group is another digest
    assert run(capsys, "--date", LAST.isoformat(), "--days", "14")[0] == 0
    assert len(telegram.delivered()) == 9


def test_each_group_goes_to_its_target(telegram, lake_with_group, monkeypatch, capsys):
    monkeypatch.setenv("DIGEST_CHAT_IDS", f"{GROUP}:{ADMIN_CHAT}, {OTHER_GROUP}")
    code, out, _ = run(capsys, "--date", LAST.isoformat())
    assert code == 0, out
    assert telegram.delivered(GROUP) == []
    assert [s.method for s in telegram.delivered(ADMIN_CHAT)] == ["sendMessage", "sendDocument", "sendPhoto"]
    assert [s.method for s in telegram.delivered(OTHER_GROUP)] == ["sendMessage", "sendDocument", "sendPhoto"]
    assert TITLE in telegram.delivered(ADMIN_CHAT)[0].text
    other = telegram.delivered(OTHER_GROUP)[0].text  # each group its own numbers, from the same lake
    assert "Vendas e Trocas: digest of 9–15 Mar 2026" in other and "3 messages" in other
    assert "1. Bruno · 2\n2. Ana Souza · 1" in other and "Zé" not in other
    assert "10 messages" in telegram.delivered(ADMIN_CHAT)[0].text
    assert telegram.delivered(OTHER_GROUP)[1].upload[0].startswith(f"report_{OTHER_GROUP}_")
    assert f"group {GROUP} → chat {ADMIN_CHAT}: posted" in out
    # --chat-id limits the run to one configured group; an unknown one is an error
    assert run(capsys, "--date", LAST.isoformat(), "--chat-id", str(OTHER_GROUP), "--force")[0] == 0
    assert len(telegram.delivered(OTHER_GROUP)) == 6 and len(telegram.delivered(ADMIN_CHAT)) == 3
    code, _, err = run(capsys, "--date", LAST.isoformat(), "--chat-id", "-1009")
    assert code == 2 and "-1009 is not in DIGEST_CHAT_IDS" in err


def test_a_channel_by_username(telegram, lake_with_group, monkeypatch, capsys):
    telegram.add_chat(-1003333333333, title="Canal", type="channel", username="corrida_news")
    monkeypatch.setenv("DIGEST_CHAT_IDS", f"{GROUP}:@corrida_news")
    assert run(capsys, "--date", LAST.isoformat())[0] == 0
    assert len(telegram.delivered(-1003333333333)) == 3


@pytest.mark.parametrize(
    "chat_setup, words",
    [
        ({"bot_is_member": False}, "sendMessage failed: Forbidden: bot is not a member of the supergroup chat"),
        (None, "sendMessage failed: Bad Request: chat not found"),
    ],
)
def test_a_refusal_fails_with_telegrams_words_and_marks_nothing(telegram, lake_with_group, capsys, chat_setup, words):
    if chat_setup is None:
        del telegram.chats[GROUP]
    else:
        telegram.add_chat(GROUP, title=TITLE, **chat_setup)
    code, _, err = run(capsys, "--date", LAST.isoformat())
    assert code == 1 and words in err and "nothing more was sent" in err
    assert telegram.delivered() == []
    assert [c.method for c in telegram.calls].count("sendMessage") == 1  # refused once, not retried
    assert not storage.reports_store().exists(delivery.record_key(GROUP, LAST, 7))


def test_a_refusal_midway_keeps_what_was_sent_and_a_rerun_finishes(telegram, lake_with_group, capsys):
    telegram.fail("sendDocument", 400, "Bad Request: not enough rights to send documents to the chat")
    code, _, err = run(capsys, "--date", LAST.isoformat())
    assert code == 1 and "not enough rights to send documents" in err
    assert [s.method for s in telegram.delivered()] == ["sendMessage"]
    record = json.loads(storage.reports_store().read(delivery.record_key(GROUP, LAST, 7)))
    assert set(record["sent"]) == {"message"} and record["complete"] is False

    code, out, _ = run(capsys, "--date", LAST.isoformat())  # the admins gave the right: the rest goes
    assert code == 0 and "resumed" in out
    assert [s.method for s in telegram.delivered()] == ["sendMessage", "sendDocument", "sendPhoto"]


def test_a_429_is_waited_out(telegram, lake_with_group, capsys):
    telegram.rate_limit("sendPhoto", retry_after=1, times=2)
    started = time.monotonic()
    assert run(capsys, "--date", LAST.isoformat())[0] == 0
    photos = [c for c in telegram.calls if c.method == "sendPhoto"]
    assert len(photos) == 3 and len(telegram.delivered()) == 3
    assert photos[1].at - photos[0].at >= 1.0 and photos[2].at - photos[1].at >= 1.0
    assert time.monotonic() - started >= 2.0


def test_a_429_that_will_not_end_fails_without_marking(telegram, lake_with_group, monkeypatch, capsys):
    monkeypatch.setattr(bot_api, "RATE_LIMIT_WAITS", 1)
    telegram.rate_limit("sendMessage", retry_after=1, times=5)
    code, _, err = run(capsys, "--date", LAST.isoformat())
    assert code == 1 and "Too Many Requests: retry after 1" in err and "rerun to finish it" in err
    assert telegram.delivered() == []
    assert not storage.reports_store().exists(delivery.record_key(GROUP, LAST, 7))


def test_a_crash_between_sends_resumes_without_doubling(telegram, lake_with_group):
    """The command is killed (SIGKILL) while Telegram holds its sendPhoto; the next run sends the chart only."""
    child: list[subprocess.Popen] = []

    def kill_on_photo(method: str, params: dict) -> bool:
        if method == "sendPhoto":
            child[0].send_signal(signal.SIGKILL)
            return True
        return False

    telegram.on_call = kill_on_photo
    env = {**os.environ, "PYTHONPATH": str(REPO / "plugins")}
    command = [sys.executable, "-m", "telegram_pipeline", "digest", "--date", LAST.isoformat()]
    child.append(subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    child[0].communicate(timeout=120)
    assert child[0].returncode == -signal.SIGKILL
    assert [s.method for s in telegram.delivered()] == ["sendMessage", "sendDocument"]

    telegram.on_call = None
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "resumed" in done.stdout, done.stderr
    assert [s.method for s in telegram.delivered()] == ["sendMessage", "sendDocument", "sendPhoto"]
    record = json.loads(storage.reports_store().read(delivery.record_key(GROUP, LAST, 7)))
    assert {step: sent["message_id"] for step, sent in record["sent"].items()} == {
        "message": 101,
        "document": 102,
        "photo": 103,
    }
    assert json.loads(telegram.delivered()[2].params["reply_parameters"])["message_id"] == 101


def test_a_server_error_is_retried_by_the_next_run(telegram, lake_with_group, capsys):
    telegram.fail("sendDocument", 502, "Bad Gateway")
    code, _, err = run(capsys, "--date", LAST.isoformat())
    assert code == 1 and "sendDocument failed: Bad Gateway" in err and "rerun to finish it" in err
    assert run(capsys, "--date", LAST.isoformat())[0] == 0
    assert [s.method for s in telegram.delivered()] == ["sendMessage", "sendDocument", "sendPhoto"]


def test_the_token_can_come_from_an_airflow_connection(telegram, lake_with_group, monkeypatch, capsys):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    connection = {"conn_type": "telegram", "password": telegram.token}
    monkeypatch.setenv("AIRFLOW_CONN_TELEGRAM_DEFAULT", json.dumps(connection))
    assert run(capsys, "--date", LAST.isoformat())[0] == 0
    assert len(telegram.delivered()) == 3


def test_no_token_anywhere_is_a_clear_error(telegram, lake_with_group, monkeypatch, capsys):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    code, _, err = run(capsys, "--date", LAST.isoformat())
    assert code == 1 and "TELEGRAM_BOT_TOKEN is not set" in err and "telegram_default" in err
    assert telegram.calls == []


def test_dry_run_shows_the_digest_and_sends_nothing(telegram, lake_with_group, monkeypatch, capsys):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    code, out, _ = run(capsys, "--date", LAST.isoformat(), "--dry-run")
    assert code == 0 and f"group {GROUP} (into the group): would post" in out
    assert "Zé &lt;Admin&gt; &amp; Cia · 5" in out and "bytes of PNG" in out
    assert telegram.calls == []
    assert list(storage.reports_store().list()) == []


def test_an_empty_week_still_gets_a_digest(telegram, capsys):
    assert run(capsys, "--date", LAST.isoformat())[0] == 0
    message, _, photo = telegram.delivered(GROUP)
    assert "0 messages" in message.text and "No messages in these 7 days." in message.text
    assert "Top posters" not in message.text and photo.upload[2].startswith(PNG_SIGNATURE)


def test_long_names_keep_the_message_within_telegrams_limit(telegram, capsys):
    """Telegram allows 64 + 64 characters of name and 128 of title; here every one is at its longest and
    made of characters that grow fivefold when escaped."""
    group = Group(title="&" * 128)
    for n in range(8):
        user = (100 + n, f"<{n}>" + "&" * 61, "<" * 64, None)
        for minute in range(8 - n):
            group.post(user, local(LAST - timedelta(days=1), 10, minute), "&amp;" * 40 + f" palavra{n}" * 30)
    group.write()
    code, out, err = run(capsys, "--date", LAST.isoformat())
    assert code == 0, err
    message = telegram.delivered(GROUP)[0]
    assert utf16_len(message.params["text"]) <= 4096 and utf16_len(message.text) <= 4096
    assert "<0>&&&" in message.text and "…" in message.text  # names shortened, still escaped right
    assert "&amp;" not in message.text.split("Top keywords")[0]


def test_the_stand_in_refuses_what_telegram_refuses(telegram):
    """The checks the stand-in makes can fail: an unescaped name, a message over 4,096 characters, a
    broken PNG, a wrong token."""
    settings = config.load()
    with pytest.raises(bot_api.Refused, match='Unsupported start tag "admin" at byte offset 4'):
        bot_api.call(settings, "sendMessage", {"chat_id": GROUP, "text": "Zé <Admin>", "parse_mode": "HTML"})
    with pytest.raises(bot_api.Refused, match='Can\'t find end tag corresponding to start tag "b"'):
        bot_api.call(settings, "sendMessage", {"chat_id": GROUP, "text": "<b>bold", "parse_mode": "HTML"})
    with pytest.raises(bot_api.Refused, match="message is too long"):
        bot_api.call(settings, "sendMessage", {"chat_id": GROUP, "text": "😀" * 2049})
    broken = PNG_SIGNATURE + b"\0\0\0\rIHDR" + b"\0" * 17
    with pytest.raises(bot_api.Refused, match="IMAGE_PROCESS_FAILED"):
        bot_api.call(settings, "sendPhoto", {"chat_id": GROUP}, {"photo": bot_api.Upload("x.png", broken, "image/png")})
    with pytest.raises(bot_api.Refused, match="file must be non-empty"):
        bot_api.call(
            settings, "sendDocument", {"chat_id": GROUP}, {"document": bot_api.Upload("r.html", b"", "text/html")}
        )
    bad = config.Settings.from_env({**os.environ, "TELEGRAM_BOT_TOKEN": "987654321:WrongTokenWrongToken"})
    with pytest.raises(bot_api.Refused, match="Unauthorized") as caught:
        bot_api.call(bad, "getMe", {})
    assert "WrongTokenWrongToken" not in str(caught.value)
    assert telegram.delivered() == []
