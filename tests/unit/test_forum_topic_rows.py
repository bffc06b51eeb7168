"""The curated topic of live updates (parse.py): ``message_thread_id`` is a forum topic only with
``is_topic_message``; the rest of a forum (``chat.is_forum``) is the General topic; outside forums a
``message_thread_id`` names a reply thread and no topic. The real forum topic message of
../shared/fixtures/telegram is the starting point; the service messages are built from it as the Bot
API reference describes them."""

from __future__ import annotations

import json

import pytest
from telegram_pipeline.lake import parse

from tests.support.paths import FIXTURES, REPO

FORUM_MESSAGE = json.loads((FIXTURES / "telegram" / "forum_topic_message.json").read_text(encoding="utf-8"))
# Real updates of a support forum (tests/data/README.md): each message of a topic carries the topic's first
# message, forum_topic_created with the topic's name, as its reply_to_message
REAL_FORUM = json.loads((REPO / "tests" / "data" / "botapi_forum_topic_roots_2023.json").read_text(encoding="utf-8"))
NOT_A_FORUM = json.loads((FIXTURES / "telegram" / "reply_and_quote.json").read_text(encoding="utf-8"))


def row(update: dict) -> dict:
    return parse.parse(json.dumps(update, ensure_ascii=False).encode())


def with_message(update: dict, drop: tuple[str, ...] = (), kind: str = "message", **fields) -> dict:
    body = {k: v for k, v in update["message"].items() if k not in drop}
    return {"update_id": update["update_id"] + 1, kind: {**body, **fields}}


def test_the_real_forum_message_is_in_its_topic():
    assert FORUM_MESSAGE["message"]["is_topic_message"] is True
    got = row(FORUM_MESSAGE)
    assert (got["topic_id"], got["message_thread_id"], got["topic_name"]) == (12, 12, None)


def test_a_forum_message_outside_any_topic_is_in_general():
    general = with_message(FORUM_MESSAGE, drop=("message_thread_id", "is_topic_message"))
    assert general["message"]["chat"]["is_forum"] is True
    assert row(general)["topic_id"] == 1
    # a reply in General: Telegram gives it the thread of the message it answers, but no topic
    reply = with_message(FORUM_MESSAGE, drop=("is_topic_message",), message_thread_id=4100)
    assert row(reply)["topic_id"] == 1


def test_outside_forums_a_thread_is_no_topic():
    thread = with_message(NOT_A_FORUM, message_thread_id=4202)
    assert "is_forum" not in thread["message"]["chat"]
    got = row(thread)
    assert (got["message_thread_id"], got["topic_id"]) == (4202, None)
    assert row(NOT_A_FORUM)["topic_id"] is None


@pytest.mark.parametrize(
    ("service", "name"),
    [
        ({"forum_topic_created": {"name": "Longões", "icon_color": 7322096}}, "Longões"),
        ({"forum_topic_edited": {"name": "Longões de sábado"}}, "Longões de sábado"),
        ({"forum_topic_edited": {"icon_custom_emoji_id": "5312536423851630001"}}, None),  # the icon only
        ({"forum_topic_closed": {}}, None),
    ],
)
def test_topic_service_messages_name_their_topic(service, name):
    body = {k: v for k, v in FORUM_MESSAGE["message"].items() if k != "text"}
    got = row({"update_id": 1, "message": {**body, "message_id": 12, **service}})
    assert (got["content_type"], got["topic_id"], got["topic_name"]) == ("service", 12, name)


def test_an_edit_keeps_its_topic_and_reactions_have_none():
    edit = with_message(FORUM_MESSAGE, kind="edited_message", edit_date=FORUM_MESSAGE["message"]["date"] + 60)
    assert row(edit)["topic_id"] == 12
    reaction = {
        "update_id": 2,
        "message_reaction": {
            "chat": FORUM_MESSAGE["message"]["chat"],
            "message_id": 4207,
            "user": FORUM_MESSAGE["message"]["from"],
            "date": FORUM_MESSAGE["message"]["date"] + 5,
            "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": "👍"}],
        },
    }
    assert row(reaction)["topic_id"] is None  # the reports find it through its message


def test_a_topic_message_is_named_by_the_first_message_of_its_topic_that_it_carries():
    in_topic = next(u for u in REAL_FORUM if u["message"]["message_id"] == 40)
    root = in_topic["message"]["reply_to_message"]
    assert root["message_id"] == in_topic["message"]["message_thread_id"] == 30 and "forum_topic_created" in root
    got = row(in_topic)
    assert (got["content_type"], got["topic_id"], got["topic_name"]) == ("text", 30, "@pismenny по имени Danil из (/)")
    # an explicit reply to another message of the topic carries that message, not the topic's first
    answer = with_message(in_topic, reply_to_message={**root, "message_id": 40, "text": "12321"})
    del answer["message"]["reply_to_message"]["forum_topic_created"]
    assert (row(answer)["topic_id"], row(answer)["topic_name"]) == (30, None)
    # a reply in General to a topic's first message (not a topic message) names no topic
    general = with_message(in_topic, drop=("is_topic_message", "message_thread_id"))
    assert (row(general)["topic_id"], row(general)["topic_name"]) == (1, None)
