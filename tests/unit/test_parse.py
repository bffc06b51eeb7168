"""parse.py: every real Bot API fixture becomes the row its JSON says; bad objects say why; odd fields become NULL."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram_pipeline.lake import parse, schema
from telegram_pipeline.rules import days

from tests.support.paths import FIXTURES

FIXTURE_FILES = sorted((FIXTURES / "telegram").glob("*.json"))

# What each fixture must give beyond the fields checked against the JSON generically.
EXPECTED = {
    "anonymous_admin": {"content_type": "text", "sender_chat_id": -1001234567890, "user_is_bot": True},
    "channel_post": {
        "update_type": "channel_post",
        "chat_type": "channel",
        "user_id": None,
        "sender_chat_id": -1009876543210,
    },
    # a private chat is titled with the other person's name, as Telegram shows it
    "docs_example_edited_message": {
        "update_type": "edited_message",
        "edited_at": 1441646600,
        "chat_title": "Test Firstname Test Lastname",
    },
    "docs_example_message_with_entities": {
        "hashtags": [],
        "mentions": [],
        "urls": [],
        "chat_title": "Test Firstname Test Lastname",
    },
    "edited_message_supergroup": {
        "update_type": "edited_message",
        "edited_at": 1731899100,
        "hashtags": ["#corrida"],
        "mentions": ["@joaop"],
        "urls": ["https://exemplo.com.br/rota"],
    },
    "forum_topic_message": {"message_thread_id": 12, "topic_id": 12, "topic_name": None},
    "forwarded_from_channel": {"forward_origin_type": "channel"},
    "group_migrated_to_supergroup": {
        "content_type": "service",
        "service_action": "migrate_to_chat_id",
        "chat_type": "group",
        "text": None,
    },
    "message_reaction": {
        "update_type": "message_reaction",
        "content_type": "reaction",
        "reaction_emojis": ["🔥"],
        "message_id": 4202,
        "user_id": 111111111,
    },
    "message_text_supergroup": {
        "content_type": "text",
        "hashtags": ["#corrida"],
        "mentions": ["@joaop"],
        "urls": ["https://exemplo.com.br/rota"],
        "user_last_name": "Souza",
    },
    "my_chat_member_bot_added": {
        "update_type": "my_chat_member",
        "content_type": "member",
        "message_id": None,
        "user_id": 111111111,
    },
    "new_chat_members": {
        "content_type": "service",
        "service_action": "new_chat_members",
        "new_member_ids": [333333333],
    },
    "other_chat_message": {"chat_id": 222222222, "chat_type": "private", "text": "/start", "chat_title": "João"},
    "photo_with_caption": {
        "content_type": "photo",
        "text": "Resultado da prova de domingo: 42km em 3h58 💪 #maratona",
        "hashtags": ["#maratona"],
    },
    "reply_and_quote": {"reply_to_message_id": 4202, "topic_id": None},
    "sticker": {"content_type": "sticker", "text": None},
    "voice": {"content_type": "voice", "text": None},
}
NOT_ROWS = {"callback_query_no_chat": "no chat"}


def test_every_fixture_is_covered():
    assert {p.stem for p in FIXTURE_FILES} == set(EXPECTED) | set(NOT_ROWS)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.stem for p in FIXTURE_FILES])
def test_fixture_row_matches_its_json(path):
    data = path.read_bytes()
    if path.stem in NOT_ROWS:
        with pytest.raises(parse.BadUpdate, match=NOT_ROWS[path.stem]):
            parse.parse(data)
        return
    update = json.loads(data)
    row = parse.parse(data)
    assert list(row) == list(schema.COLUMN_NAMES)
    kind = next(k for k in update if k != "update_id")
    payload = update[kind]
    sender = payload.get("user") if kind == "message_reaction" else payload.get("from", {})
    generic = {
        "update_id": update["update_id"],
        "update_type": kind,
        "source": "webhook",
        "chat_id": payload["chat"]["id"],
        "chat_type": payload["chat"]["type"],
        "chat_title": payload["chat"].get("title"),
        "message_id": payload.get("message_id"),
        "sent_at": payload["date"],
        "edited_at": payload.get("edit_date"),
        "user_id": (sender or {}).get("id"),
        "user_first_name": (sender or {}).get("first_name"),
        "user_username": (sender or {}).get("username"),
        "text": payload.get("text", payload.get("caption")),
    }
    assert {k: row[k] for k in generic} == {**generic, **{k: v for k, v in EXPECTED[path.stem].items() if k in generic}}
    assert {k: row[k] for k in EXPECTED[path.stem]} == EXPECTED[path.stem]


def test_entity_offsets_count_utf16_code_units():
    # 😀 is 2 UTF-16 code units and 🏃‍♀️ is 5 (runner 2, joiner 1, ♀ 1, variation selector 1).
    text = "😀 #Café @ana https://a.b/c 🏃‍♀️ #fim"
    encoded = text.encode("utf-16-le")

    def at(fragment: str) -> tuple[int, int]:
        prefix = text[: text.index(fragment)]
        return len(prefix.encode("utf-16-le")) // 2, len(fragment.encode("utf-16-le")) // 2

    entities = [
        {"type": kind, "offset": at(frag)[0], "length": at(frag)[1]}
        for kind, frag in [("hashtag", "#Café"), ("mention", "@ana"), ("url", "https://a.b/c"), ("hashtag", "#fim")]
    ]
    entities.append({"type": "text_link", "offset": 0, "length": 2, "url": "https://link.example"})
    assert len(encoded) // 2 != len(text)  # the test means something only if code units differ from characters
    assert parse.entities(text, entities) == (["#café", "#fim"], ["@ana"], ["https://a.b/c", "https://link.example"])


def update(**message) -> bytes:
    base = {"message_id": 1, "date": 1767225600, "chat": {"id": -100123, "type": "supergroup"}, "from": {"id": 7}}
    return json.dumps({"update_id": 5, "message": {**base, **message}}).encode()


def test_wrong_types_inside_a_good_update_become_null():
    row = parse.parse(
        update(
            message_id="1",
            date="yesterday",
            text=["not", "text"],
            caption=42,
            entities="nope",
            reply_to_message=[],
            **{"from": {"id": "7", "is_bot": "no", "first_name": 3}},
        )
    )
    assert row["message_id"] is None and row["sent_at"] is None and row["text"] is None
    assert row["user_id"] is None and row["user_is_bot"] is None and row["user_first_name"] is None
    assert row["reply_to_message_id"] is None and row["hashtags"] == []


def test_impossible_entities_and_dates_are_skipped():
    row = parse.parse(
        update(
            date=10**12,
            text="#ok",
            entities=[
                {"type": "hashtag", "offset": 0, "length": 99},
                {"type": "hashtag", "offset": -1, "length": 2},
                "x",
            ],
        )
    )
    assert row["sent_at"] is None and row["hashtags"] == []


def test_export_updates_are_marked():
    data = json.loads(update(text="old"))
    data.update(update_id=-42, x_source="export")
    row = parse.parse(json.dumps(data).encode())
    assert (row["update_id"], row["source"], row["update_type"]) == (-42, "export", "message")


def test_legacy_forward_fields():
    assert parse.parse(update(text="x", forward_from={"id": 1}))["forward_origin_type"] == "user"
    assert parse.parse(update(text="x", forward_sender_name="Ana"))["forward_origin_type"] == "hidden_user"
    assert (
        parse.parse(update(text="x", forward_from_chat={"id": -1, "type": "channel"}))["forward_origin_type"]
        == "channel"
    )


def test_a_custom_emoji_reaction_is_named_by_its_id_or_as_custom_without_one():
    reaction = json.loads((FIXTURES / "telegram" / "message_reaction.json").read_text(encoding="utf-8"))
    reaction["message_reaction"]["new_reaction"] = [
        {"type": "custom_emoji", "custom_emoji_id": "5368324170671202286"},  # live: Telegram's id, as before
        {"type": "custom_emoji", "custom_emoji_id": ""},  # an export that named it by a file path
        {"type": "custom_emoji"},
    ]
    row = parse.parse(json.dumps(reaction).encode())
    assert row["reaction_emojis"] == ["custom:5368324170671202286", "custom", "custom"]


def test_animation_is_not_a_document():
    assert parse.parse(update(animation={}, document={}))["content_type"] == "animation"


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty"),
        (b"not json", "not JSON"),
        (b'{"update_id": 1, "message": {"text": "cut', "cut short"),
        (b'{"update_id": 1,', "cut short"),
        (b"[1, 2]", "not an update"),
        (b'{"update_id": "1", "message": {}}', "no integer update_id"),
        (b'{"update_id": true, "message": {}}', "no integer update_id"),
        (b'{"update_id": 1}', "no payload"),
        (b'{"update_id": 1, "message": {"chat": {"id": "x"}}}', "no chat"),
        (b"\xff\xfe\x00", "not"),
    ],
)
def test_bad_objects_say_why(data, reason):
    with pytest.raises(parse.BadUpdate, match=reason):
        parse.parse(data)


def test_event_time_is_edit_date_for_edits():
    edit = parse.parse(
        json.dumps({"update_id": 1, "edited_message": json.loads(update(edit_date=1767300000))["message"]}).encode()
    )
    assert (
        days.event_time(edit["update_type"], edit["sent_at"], edit["edited_at"]) == 1767300000
        and edit["sent_at"] == 1767225600
    )
    row = parse.parse(update())
    assert days.event_time(row["update_type"], row["sent_at"], row["edited_at"]) == 1767225600


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)
message_keys = st.sampled_from(
    [
        "text",
        "caption",
        "entities",
        "from",
        "chat",
        "date",
        "edit_date",
        "message_id",
        "photo",
        "new_chat_members",
        "forward_origin",
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    payload=st.dictionaries(message_keys, json_values, max_size=8),
    kind=st.sampled_from(["message", "edited_message", "message_reaction"]),
)
def test_any_shape_either_parses_or_is_a_bad_update(payload, kind):
    payload.setdefault("chat", {"id": -1})
    try:
        row = parse.parse(json.dumps({"update_id": 9, kind: payload}).encode())
    except parse.BadUpdate:
        return
    assert row["update_id"] == 9 and isinstance(row["chat_id"], int)
    assert all(isinstance(v, str) for v in row["hashtags"] + row["mentions"] + row["urls"])
