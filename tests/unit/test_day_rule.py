"""One day rule from the webhook to the curated table: an update with a time that is not a real
Telegram time (0, negative, 2100 or later, not an integer, missing) is filed by the handler under its
receive day, and the consolidation keeps it there, also from the Lambda zip run on its own."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date, datetime
from zoneinfo import ZoneInfo

import handler
import pytest
from telegram_pipeline.lake import consolidate, quality, storage
from telegram_pipeline.rules import days

from tests.support.bundles import build, isolated_env
from tests.support.webhook_envelopes import GROUP, SECRET, envelope

TZ = "America/Sao_Paulo"
RECEIVED = int(datetime(2024, 11, 17, 23, 59, tzinfo=ZoneInfo(TZ)).timestamp())  # 23:59 on the 17th
REAL = int(datetime(2024, 11, 18, 10, 0, tzinfo=ZoneInfo(TZ)).timestamp())  # 10:00 on the 18th
NOT_TIMES = [0, -5, 4_102_444_800, 10**20, 1731897000.0, "1731897000", True, None]


@pytest.fixture(autouse=True)
def webhook(monkeypatch):
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("ALLOWED_CHAT_IDS", str(GROUP))
    monkeypatch.setenv("TIMEZONE", TZ)
    handler.reset_caches()
    yield
    handler.reset_caches()


def body(update_id: int, kind: str = "message", **times) -> bytes:
    chat = {"id": GROUP, "type": "supergroup", "title": "Grupo"}
    if kind in {"message_reaction", "chat_member"}:
        payload = {"chat": chat, "user": {"id": 7, "is_bot": False, "first_name": "Ana"}, "message_id": 3}
    else:
        payload = {
            "message_id": update_id % 1000,
            "chat": chat,
            "from": {"id": 7, "is_bot": False, "first_name": "Ana"},
        }
        payload["text"] = "oi"
    payload.update(times)
    if payload.get("date") is None:  # None: the update has no date at all
        payload.pop("date", None)
    return json.dumps({"update_id": update_id, kind: payload}).encode()


def store_through_the_handler(data: bytes) -> str:
    answer = handler.handle(envelope("http-v2-proxy-event", data), now=RECEIVED)
    assert answer["statusCode"] == 200, answer
    (key,) = [k for k in storage.raw_store().list() if k.endswith(f"/{json.loads(data)['update_id']}.json")]
    return key.split("/")[0].removeprefix("context_date=")


def consolidated(day: date) -> list[dict]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    result = consolidate.consolidate_day(day)
    assert result.quarantined == 0, result.reasons
    quality.check_day(day, result.rows)
    data = storage.curated_store().read(f"messages/context_date={day}/data.parquet")
    return pq.read_table(pa.BufferReader(data)).to_pylist()


@pytest.mark.parametrize("value", NOT_TIMES, ids=repr)
@pytest.mark.parametrize("kind", ["message", "message_reaction", "chat_member"])
def test_a_time_that_is_not_one_is_filed_by_receive_time_and_kept_there(kind, value):
    assert days.unix_time(value) is None
    data = body(900_000_001, kind, date=value)
    filed = store_through_the_handler(data)
    assert filed == "2024-11-17"
    (row,) = consolidated(date.fromisoformat(filed))
    assert (row["update_id"], row["sent_at"]) == (900_000_001, None)


@pytest.mark.parametrize("value", NOT_TIMES, ids=repr)
def test_an_edit_without_a_real_edit_date_is_filed_by_its_send_time(value):
    data = body(900_000_002, "edited_message", date=REAL, edit_date=value)
    assert store_through_the_handler(data) == "2024-11-18"
    (row,) = consolidated(date(2024, 11, 18))
    assert row["edited_at"] is None and row["sent_at"].timestamp() == REAL


def test_two_date_zero_updates_do_not_cost_the_day_its_good_update():
    filed = {store_through_the_handler(body(n, date=0)) for n in (900_000_010, 900_000_011)}
    late_evening = int(datetime(2024, 11, 17, 22, 0, tzinfo=ZoneInfo(TZ)).timestamp())
    filed.add(store_through_the_handler(body(900_000_012, date=late_evening)))
    assert filed == {"2024-11-17"}
    rows = consolidated(date(2024, 11, 17))
    assert [(r["update_id"], r["sent_at"] is None) for r in rows] == [
        (900_000_010, True),
        (900_000_011, True),
        (900_000_012, False),
    ]


def test_the_last_second_before_2100_is_a_time():
    last = days.MAX_UNIX_TIME - 1
    assert days.unix_time(last) == last
    assert days.filed_day("message", last, None, ZoneInfo("UTC"), RECEIVED) == date(2099, 12, 31)


def test_the_handler_run_alone_from_the_zip_files_date_zero_as_the_consolidation_keeps_it(tmp_path, monkeypatch):
    archive = build("lambda", tmp_path / "lambda.zip")
    event = envelope("http-v2-proxy-event", body(900_000_020, date=0))
    probe = textwrap.dedent(
        f"""
        import json, sys
        sys.path.insert(0, {str(archive)!r})
        import handler
        answer = handler.handle(json.loads(sys.stdin.read()), now={RECEIVED})
        print("RESULT=" + json.dumps({{"file": handler.__file__, "answer": answer}}))
        """
    )
    raw = tmp_path / "raw"
    env = isolated_env(RAW_URI=str(raw), WEBHOOK_SECRET=SECRET, ALLOWED_CHAT_IDS=str(GROUP), TIMEZONE=TZ)
    done = subprocess.run(
        [sys.executable, "-I", "-c", probe], input=json.dumps(event), env=env, cwd=tmp_path, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    line = next((line for line in done.stdout.splitlines() if line.startswith("RESULT=")), None)
    assert line, done.stderr[-3000:]
    result = json.loads(line.removeprefix("RESULT="))
    assert result["file"].startswith(str(archive)) and result["answer"]["statusCode"] == 200
    assert [p.relative_to(raw).as_posix() for p in raw.rglob("*.json")] == ["context_date=2024-11-17/900000020.json"]
    monkeypatch.setenv("RAW_URI", str(raw))
    (row,) = consolidated(date(2024, 11, 17))
    assert (row["update_id"], row["sent_at"]) == (900_000_020, None)
