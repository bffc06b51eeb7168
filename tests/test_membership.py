"""Joins and leaves from real-shaped updates: the member a change is about and its statuses are kept;
joins that come only as chat_member updates count; leaves count; a join seen both as a service message
and as a chat_member update counts once; bots are not new members."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from telegram_pipeline import config
from telegram_pipeline.lake import consolidate, parse, storage
from telegram_pipeline.reports import build as reports
from telegram_pipeline.reports import definitions

from tests.conftest import FIXTURES

TZ = "America/Sao_Paulo"
CHAT = {"id": -1001234567890, "title": "Grupo de Corrida SP", "username": "corrida_sp", "type": "supergroup"}
ADMIN = {"id": 111111111, "is_bot": False, "first_name": "Ana", "last_name": "Souza", "username": "ana_souza"}
BOT = {"id": 7000000001, "is_bot": True, "first_name": "Coletor", "username": "coletor_bot"}
DAY = date(2026, 3, 10)


def person(user_id: int, name: str) -> dict:
    return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "pt-br"}


CARLA, DAN, EVE, FRED, GIL, HUGO, IVO = (
    person(333333333 + n, name) for n, name in enumerate(["Carla", "Dan", "Eve", "Fred", "Gil", "Hugo", "Ivo"])
)


def at(hour: int, minute: int = 0, day: date = DAY) -> int:
    return int(datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(TZ)).timestamp())


def member(user: dict, status: str, **extra) -> dict:
    """A ChatMember of the given status, with the fields the Bot API gives it."""
    fields = {"user": user, "status": status}
    if status == "restricted":
        fields.update(
            is_member=True, can_send_messages=False, can_send_audios=False, can_send_documents=False,
            can_send_photos=False, can_send_videos=False, can_send_video_notes=False,
            can_send_voice_notes=False, can_send_polls=False, can_send_other_messages=False,
            can_add_web_page_previews=False, can_change_info=False, can_invite_users=False,
            can_pin_messages=False, can_manage_topics=False, until_date=0,
        )  # fmt: skip
    if status == "administrator":
        fields.update(can_be_edited=True, is_anonymous=False, can_manage_chat=True, can_delete_messages=True)
    if status == "kicked":
        fields["until_date"] = 0
    return {**fields, **extra}


def chat_member(update_id: int, when: int, actor: dict, old: dict, new: dict, kind="chat_member", **extra) -> dict:
    payload = {"chat": CHAT, "from": actor, "date": when, "old_chat_member": old, "new_chat_member": new, **extra}
    return {"update_id": update_id, kind: payload}


def service(update_id: int, message_id: int, when: int, actor: dict, **fields) -> dict:
    return {"update_id": update_id, "message": {"message_id": message_id, "from": actor, "chat": CHAT,
                                                "date": when, **fields}}  # fmt: skip


def text(update_id: int, message_id: int, when: int, sender: dict, words: str) -> dict:
    return {"update_id": update_id, "message": {"message_id": message_id, "from": sender, "chat": CHAT,
                                                "date": when, "text": words}}  # fmt: skip


INVITE_LINK = {"invite_link": "https://t.me/+AbCdEf", "creator": ADMIN, "creates_join_request": False,
               "is_primary": True, "is_revoked": False}  # fmt: skip

UPDATES = [
    # Carla joins by link: Telegram sends the service message and, to an admin bot, the chat_member update.
    service(900100, 500, at(9), CARLA, new_chat_members=[CARLA], new_chat_member=CARLA, new_chat_participant=CARLA),
    chat_member(900101, at(9), CARLA, member(CARLA, "left"), member(CARLA, "member"), invite_link=INVITE_LINK),
    # Dan joins a group that hides join messages: only the chat_member update.
    chat_member(900102, at(10), DAN, member(DAN, "left"), member(DAN, "member")),
    # The analytics bot is added: a service message naming it and its own my_chat_member update.
    service(900103, 501, at(11), ADMIN, new_chat_members=[BOT]),
    chat_member(900104, at(11), ADMIN, member(BOT, "left"), member(BOT, "administrator"), kind="my_chat_member"),
    # Eve leaves: the service message and the chat_member update, one leave.
    service(900105, 502, at(12), EVE, left_chat_member=EVE, left_chat_participant=EVE),
    chat_member(900106, at(12), EVE, member(EVE, "member"), member(EVE, "left")),
    # Fred is banned by an admin.
    chat_member(900107, at(13), ADMIN, member(FRED, "member"), member(FRED, "kicked")),
    # Gil, restricted, leaves: still "restricted", but no longer a member.
    chat_member(900108, at(14), GIL, member(GIL, "restricted"), member(GIL, "restricted", is_member=False)),
    # Hugo is promoted: neither a join nor a leave.
    chat_member(900109, at(15), ADMIN, member(HUGO, "member"), member(HUGO, "administrator")),
    # Ivo joins and leaves the same day.
    chat_member(900110, at(16), IVO, member(IVO, "left"), member(IVO, "member")),
    chat_member(900111, at(17), IVO, member(IVO, "member"), member(IVO, "left")),
    # Someone talks, so the day has messages.
    text(900112, 503, at(18), CARLA, "Oi pessoal!"),
    # The next day: Dan comes back after being removed (kicked → left is an unban, not a join; then a join).
    chat_member(900113, at(8, day=date(2026, 3, 11)), ADMIN, member(DAN, "kicked"), member(DAN, "left")),
    chat_member(900114, at(9, day=date(2026, 3, 11)), DAN, member(DAN, "left"), member(DAN, "member")),
]


def row(update: dict) -> dict:
    return parse.parse(json.dumps(update).encode())


def test_chat_member_rows_keep_the_member_and_both_statuses():
    joined = row(UPDATES[1])
    assert (joined["content_type"], joined["user_id"], joined["member_user_id"], joined["member_is_bot"]) == (
        "member",
        CARLA["id"],
        CARLA["id"],
        False,
    )
    assert (joined["member_old_status"], joined["member_new_status"]) == ("left", "member")
    assert (joined["member_was_in_chat"], joined["member_is_in_chat"]) == (False, True)
    banned = row(UPDATES[7])
    assert (banned["user_id"], banned["member_user_id"]) == (ADMIN["id"], FRED["id"])  # who did it, who it is about
    assert (banned["member_old_status"], banned["member_new_status"]) == ("member", "kicked")
    assert (banned["member_was_in_chat"], banned["member_is_in_chat"]) == (True, False)
    restricted = row(UPDATES[8])
    assert (restricted["member_old_status"], restricted["member_new_status"]) == ("restricted", "restricted")
    assert (restricted["member_was_in_chat"], restricted["member_is_in_chat"]) == (True, False)
    promoted = row(UPDATES[9])
    assert (promoted["member_was_in_chat"], promoted["member_is_in_chat"]) == (True, True)


def test_the_bot_added_is_kept_as_a_bot_joiner():
    added = row(json.loads((FIXTURES / "telegram" / "my_chat_member_bot_added.json").read_bytes()))
    assert (added["update_type"], added["member_user_id"], added["member_is_bot"]) == (
        "my_chat_member",
        BOT["id"],
        True,
    )
    assert (added["member_old_status"], added["member_new_status"]) == ("left", "administrator")
    message = row(UPDATES[3])
    assert (message["new_member_ids"], message["new_member_bot_ids"]) == ([BOT["id"]], [BOT["id"]])
    real = row(json.loads((FIXTURES / "telegram" / "new_chat_members.json").read_bytes()))
    assert (real["service_action"], real["new_member_ids"], real["new_member_bot_ids"]) == (
        "new_chat_members",
        [333333333],
        [],
    )


def test_a_left_chat_member_message_names_who_left_and_who_removed_them():
    left = row(UPDATES[5])
    assert (left["content_type"], left["service_action"]) == ("service", "left_chat_member")
    assert (left["user_id"], left["member_user_id"], left["member_is_bot"]) == (EVE["id"], EVE["id"], False)
    assert (left["member_was_in_chat"], left["member_is_in_chat"]) == (True, False)
    assert (left["member_old_status"], left["member_new_status"]) == (None, None)
    # A message that is not about membership says nothing about it.
    talk = row(UPDATES[12])
    assert [talk[c] for c in ("member_user_id", "member_was_in_chat", "member_is_in_chat")] == [None, None, None]


@pytest.fixture
def membership_lake(monkeypatch):
    monkeypatch.setenv("TIMEZONE", TZ)
    raw = storage.raw_store()
    for update in UPDATES:
        payload = next(v for v in update.values() if isinstance(v, dict))
        day = datetime.fromtimestamp(payload["date"], ZoneInfo(TZ)).date()
        raw.write(f"context_date={day}/{update['update_id']}.json", json.dumps(update, ensure_ascii=False).encode())
    for day in (date(2026, 3, 9), DAY, date(2026, 3, 11), date(2026, 3, 12)):
        assert consolidate.consolidate_day(day).quarantined == 0


def volume(first: date, last: date, **overrides) -> dict[date, tuple[int, int, int]]:
    settings = config.load()
    tables = reports.build(definitions.ReportRange.from_settings(first, last, settings, **overrides), settings)
    return {r["date"]: (r["messages"], r["new_members"], r["left_members"]) for r in tables["daily_volume"].to_pylist()}


def test_joins_and_leaves_from_both_sources_count_once_each(membership_lake):
    # Joined: Carla (message and chat_member: once), Dan (chat_member only), Ivo; not the bot.
    # Left: Eve (message and chat_member: once), Fred (banned), Gil (restricted, left), Ivo.
    assert volume(DAY, date(2026, 3, 11)) == {DAY: (1, 3, 4), date(2026, 3, 11): (0, 1, 0)}


def test_the_bot_counts_as_a_new_member_only_with_include_bots(membership_lake):
    assert volume(DAY, DAY, include_bots=True) == {DAY: (1, 4, 4)}


def test_athena_text_gives_the_same_joins_and_leaves(membership_lake):
    import sqlglot
    from telegram_pipeline.reports import duckdb_engine, sql

    settings = config.load()
    for include_bots in (False, True):
        rng = definitions.ReportRange.from_settings(DAY, date(2026, 3, 11), settings, include_bots=include_bots)
        duck = duckdb_engine.DuckDBReports(settings, rng.scan_last, markers=[])
        try:
            athena_text = sql.rendered_athena_sql("daily_volume", rng, markers=[])
            as_duckdb = sqlglot.transpile(athena_text, read="trino", write="duckdb")
            got = duck.con.execute(as_duckdb[0]).fetch_arrow_table()
        finally:
            duck.close()
        rows = {r["date"]: (r["new_members"], r["left_members"]) for r in got.to_pylist()}
        assert rows == {DAY: (3 + include_bots, 4), date(2026, 3, 11): (1, 0)}
