"""Real exports through the import, as people really have them: a whole-account export of a forum with
reactions, a two-chat account export, an older client's export whose senders are sometimes 0, a 2020
channel's export whose ids carry Desktop's old peer shift, 2026 exports that name custom emoji by file
paths, a channel's forwards named only by name, a forum fixture of another project (tests/data/README.md
says where each comes from).

Every message lands in its forum topic; reactions become the updates a bot receives for them; the chat is
chosen out of a whole-account export; a sender that names nobody is the unknown sender, not a skipped
message. What is expected is read off the export files: by hand (the topics) or with plain json, never
through the converter under test."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from telegram_pipeline import cli
from telegram_pipeline.ingest import desktop_export
from telegram_pipeline.ingest.desktop_export.topics import GENERAL_TOPIC_ID, TopicChains
from telegram_pipeline.lake import parse, storage

DATA = Path(__file__).resolve().parents[1] / "data"
FORUM = DATA / "forum_account_export_2024.json"
TWO_CHATS = DATA / "account_export_two_chats.json"
OLDER = DATA / "older_client_from_id_zero.json"
TG_PARSER_FORUM = DATA / "forum_topics_tg_parser.json"
SHIFTED_2020 = DATA / "channel_shifted_ids_2020.json"
CUSTOM_REACTION = DATA / "supergroup_custom_emoji_reaction_2026.json"
CUSTOM_TEXT = DATA / "channel_custom_emoji_paths_2026.json"
FORWARDS_BY_NAME = DATA / "channel_forwards_by_name_2023.json"
FORUM_CHAT_ID = -1002482670091  # the export's 2482670091, a supergroup

# Read by hand off forum_account_export_2024.json: each message the group's members posted, and the
# topic_created message its replies lead back to (General: it replies to nothing).
TOPIC_OF_MESSAGE = {
    4: 3,  # "Welcome to all those who believe…" in Welcome board
    11: GENERAL_TOPIC_ID,  # "Let the chat begin"
    247: GENERAL_TOPIC_ID,  # the official channel's link
    556: 554,  # Consulting
    559: 240,  # Companies
    563: 562,  # Opportunities
    564: 562,
    567: 237,  # Research
    568: 237,
    573: 240,
    720: 240,
}
TOPICS_CREATED = {
    3: "Welcome board",
    236: "Q&A",
    237: "Research",
    238: "Entrepreneurship",
    239: "Startups",
    240: "Companies",
    246: "Freelance",
    554: "Consulting",
    562: "Opportunities",
    597: "CDE - ENSIA",
}


def exported_messages(path: Path, chat: int = 0) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["chats"]["list"][chat]["messages"] if "chats" in data else data["messages"]


def stored_updates() -> list[dict]:
    """Every update the import wrote, read back from the raw zone's JSON-lines objects."""
    store = storage.raw_store()
    return [json.loads(line) for key in store.list() for line in store.read(key).splitlines() if line.strip()]


def payload_of(update: dict) -> tuple[str, dict]:
    return next((kind, body) for kind, body in update.items() if isinstance(body, dict))


def by_kind(updates: list[dict], kind: str) -> list[dict]:
    return [body for update in updates for k, body in [payload_of(update)] if k == kind]


@pytest.fixture
def forum_import(monkeypatch):
    monkeypatch.setenv("TIMEZONE", "Africa/Algiers")
    result = desktop_export.import_export(FORUM)
    return result, stored_updates()


# ----------------------------------------------------------------------------------------------
# Topics


def test_every_message_of_the_forum_is_in_the_topic_its_replies_lead_to(forum_import):
    result, updates = forum_import
    assert result.chat.id == FORUM_CHAT_ID and result.chat.is_forum
    messages = {body["message_id"]: body for body in by_kind(updates, "message")}
    for message_id, topic in TOPIC_OF_MESSAGE.items():
        body = messages[message_id]
        assert body["chat"]["is_forum"] is True
        if topic == GENERAL_TOPIC_ID:  # as the Bot API sends a message of the General topic
            assert "message_thread_id" not in body and "is_topic_message" not in body, message_id
        else:
            assert (body["message_thread_id"], body["is_topic_message"]) == (topic, True), message_id
    for message_id in TOPICS_CREATED:  # a topic's id is its creation message's, which is in it
        assert messages[message_id]["message_thread_id"] == message_id
    rows = {
        (row["message_id"], row["update_type"]): row
        for row in (parse.parse(json.dumps(update).encode()) for update in updates)
    }
    assert {m: rows[(m, "message")]["topic_id"] for m in TOPIC_OF_MESSAGE} == TOPIC_OF_MESSAGE
    names = {m: row["topic_name"] for (m, _), row in rows.items() if row["topic_name"] is not None}
    assert names == TOPICS_CREATED
    # the export's topic_edit (message 245) says no topic: it names none, and the group keeps General's name
    assert rows[(245, "message")]["service_action"] == "forum_topic_edited"
    assert rows[(245, "message")]["topic_name"] is None
    assert result.unresolved_topics == 0


def test_a_reply_chain_leads_to_its_topic_and_a_reply_to_a_missing_message_to_general():
    chains = TopicChains()
    created = {"id": 10, "type": "service", "action": "topic_created", "title": "Vagas"}
    assert chains.topic(10, created, None) == 10
    assert chains.topic(11, {"id": 11}, 10) == 10
    assert chains.topic(12, {"id": 12}, 11) == 10  # a reply to a reply, two steps from the topic
    assert chains.topic(14, {"id": 14}, 12) == 10
    assert chains.topic(13, {"id": 13}, 14) == 10  # out of id order: still found
    assert chains.topic(15, {"id": 15}, None) == GENERAL_TOPIC_ID
    assert chains.topic(16, {"id": 16}, 15) == GENERAL_TOPIC_ID
    assert chains.unresolved == 0
    assert chains.topic(17, {"id": 17}, 9) == GENERAL_TOPIC_ID  # 9 is not in the export (deleted, or before it)
    assert chains.unresolved == 1


def test_a_chain_through_messages_no_bot_receives_and_a_cut_chain_are_counted(tmp_path, capsys):
    messages = [
        {"id": 10, "type": "service", "date_unixtime": "1731845100", "actor": "Ana", "actor_id": "user1",
         "action": "topic_created", "title": "Vagas", "text": ""},
        {"id": 11, "type": "message", "date_unixtime": "1731845101", "from": "Ana", "from_id": "user1",
         "reply_to_message_id": 10, "text": "a", "media_type": "unsupported_kind"},
        {"id": 12, "type": "unsupported", "date_unixtime": "1731845102", "reply_to_message_id": 11},
        {"id": 13, "type": "message", "date_unixtime": "1731845103", "from": "Bia", "from_id": "user2",
         "reply_to_message_id": 12, "text": "b"},  # through a message no bot receives
        {"id": 14, "type": "message", "date_unixtime": "1731845104", "from": "Bia", "from_id": "user2",
         "reply_to_message_id": 99, "text": "c"},
    ]  # fmt: skip
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"name": "F", "type": "private_supergroup", "id": 5, "messages": messages}))
    assert cli.main(["import-export", str(path), "--quiet"]) == 0
    threads = {body["message_id"]: body.get("message_thread_id") for body in by_kind(stored_updates(), "message")}
    assert threads == {10: 10, 11: 10, 13: 10, 14: None}
    assert "1 reply to messages the export does not hold" in capsys.readouterr().out


def test_the_tg_parser_forum_fixture(monkeypatch):
    result = desktop_export.import_export(TG_PARSER_FORUM)
    messages = {body["message_id"]: body for body in by_kind(stored_updates(), "message")}
    # by hand: 3 replies to topic 2 (a topic its creator named "General"), 5 and 6 to topic 4, 7 to nothing
    assert {m: messages[m].get("message_thread_id") for m in (3, 5, 6, 7)} == {3: 2, 5: 4, 6: 4, 7: None}
    assert result.chat.is_forum and (result.messages, result.service_messages) == (4, 3)


def test_a_group_without_topics_is_unchanged(tmp_path):
    messages = exported_messages(TWO_CHATS, 1)
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"name": "Chat Two", "type": "private_group", "id": 700000002, "messages": messages}))
    result = desktop_export.import_export(path)
    assert not result.chat.is_forum
    for body in by_kind(stored_updates(), "message"):
        assert "is_forum" not in body["chat"] and "message_thread_id" not in body
        assert parse.parse(json.dumps({"update_id": -1, "message": body}).encode())["topic_id"] is None


# ----------------------------------------------------------------------------------------------
# Reactions


def test_exported_reactions_become_the_updates_a_bot_receives(forum_import):
    result, updates = forum_import
    exported = {m["id"]: m for m in exported_messages(FORUM) if m.get("reactions")}
    totals = {body["message_id"]: body for body in by_kind(updates, "message_reaction_count")}
    named = by_kind(updates, "message_reaction")
    dates = {body["message_id"]: body["date"] for body in by_kind(updates, "message")}
    assert set(totals) == set(exported)
    for message_id, message in exported.items():
        counts = {r["emoji"]: r["count"] for r in message["reactions"]}
        got = totals[message_id]
        assert {r["type"]["emoji"]: r["total_count"] for r in got["reactions"]} == counts
        assert got["date"] == dates[message_id] == int(message["date_unixtime"])
        people = {
            int(p["from_id"].removeprefix("user")): r["emoji"]
            for r in message["reactions"]
            for p in r.get("recent", [])
        }
        theirs = {
            b["user"]["id"]: [r["emoji"] for r in b["new_reaction"]] for b in named if b["message_id"] == message_id
        }
        assert theirs == {user: [emoji] for user, emoji in people.items()}
    assert result.reacted_messages == len(exported)
    assert result.reactions == sum(r["count"] for m in exported.values() for r in m["reactions"]) == 124


def test_reactions_of_every_kind_and_a_person_holding_two(tmp_path):
    message = {
        "id": 7, "type": "message", "date_unixtime": "1731845107", "from": "Ana", "from_id": "user1", "text": "oi",
        "reactions": [
            {"type": "emoji", "count": 3, "emoji": "👍", "recent": [{"from": "Bia", "from_id": "user2", "date": "x"}]},
            {"type": "custom_emoji", "count": 2, "document_id": "5368324170671202286",
             "recent": [{"from": "Bia", "from_id": "user2", "date": "x"}, {"from": "Canal", "from_id": "channel9"}]},
            {"type": "paid", "count": 5},
            {"emoji": "🔥", "count": 1},  # an older export: no type
            {"type": "emoji", "count": 0, "emoji": "😢"},  # nothing held: no reaction
            {"type": "something_new", "count": 1},
        ],
    }  # fmt: skip
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"name": "G", "type": "private_supergroup", "id": 5, "messages": [message]}))
    result = desktop_export.import_export(path)
    updates = stored_updates()
    (count,) = by_kind(updates, "message_reaction_count")
    assert [(r["type"], r["total_count"]) for r in count["reactions"]] == [
        ({"type": "emoji", "emoji": "👍"}, 3),
        ({"type": "custom_emoji", "custom_emoji_id": "5368324170671202286"}, 2),
        ({"type": "paid"}, 5),
        ({"type": "emoji", "emoji": "🔥"}, 1),
    ]
    people = {
        json.dumps(b.get("user", b.get("actor_chat", {})).get("id")): b["new_reaction"]
        for b in by_kind(updates, "message_reaction")
    }
    assert people == {
        "2": [{"type": "emoji", "emoji": "👍"}, {"type": "custom_emoji", "custom_emoji_id": "5368324170671202286"}],
        "-1000000000009": [{"type": "custom_emoji", "custom_emoji_id": "5368324170671202286"}],
    }
    row = parse.parse(json.dumps([u for u in updates if "message_reaction_count" in u][0]).encode())
    assert row["reaction_count_emojis"] == ["👍", "custom:5368324170671202286", "paid", "🔥"]
    assert result.reactions == 11 and result.reacted_messages == 1


UNKNOWN_CUSTOM_EMOJI = {"type": "custom_emoji", "custom_emoji_id": ""}


def test_a_custom_emoji_reaction_named_by_a_file_path_is_one_of_unknown_id():
    exported = {m["id"]: m for m in exported_messages(CUSTOM_REACTION)}
    (reaction,) = exported[32933]["reactions"]
    assert reaction["document_id"] == "stickers/sticker.webp"  # what the export holds: no emoji id
    result = desktop_export.import_export(CUSTOM_REACTION)
    updates = stored_updates()
    totals = {body["message_id"]: body["reactions"] for body in by_kind(updates, "message_reaction_count")}
    assert totals == {
        32933: [{"type": UNKNOWN_CUSTOM_EMOJI, "total_count": 1}],
        32936: [{"type": {"type": "emoji", "emoji": "🔥"}, "total_count": 1}],
    }
    named = {(b["message_id"], b["user"]["id"]): b["new_reaction"] for b in by_kind(updates, "message_reaction")}
    assert named == {(32933, 288635200): [UNKNOWN_CUSTOM_EMOJI], (32936, 788773532): [{"type": "emoji", "emoji": "🔥"}]}
    rows = [parse.parse(json.dumps(u).encode()) for u in updates if "message_reaction_count" in u]
    assert sorted(r["reaction_count_emojis"][0] for r in rows) == ["custom", "🔥"]
    assert (result.reactions, result.reacted_messages) == (2, 2)


def test_custom_emoji_text_parts_named_by_file_paths_have_no_id():
    (post, *_) = exported_messages(CUSTOM_TEXT)
    parts = [part for part in post["text_entities"] if part["type"] == "custom_emoji"]
    assert [part["document_id"] for part in parts][:2] == ["stickers/sticker.webp", "stickers/sticker (1).webp"]
    desktop_export.import_export(CUSTOM_TEXT)
    body = next(b for b in by_kind(stored_updates(), "channel_post") if b["message_id"] == post["id"])
    caption = body["caption"].encode("utf-16-le")
    found = [e for e in body["caption_entities"] if e["type"] == "custom_emoji"]
    assert [e["custom_emoji_id"] for e in found] == [""] * len(parts) == [""] * 4
    shown = [caption[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le") for e in found]
    assert shown == [part["text"] for part in parts] == ["🤪", "📹", "💳", "💬"]


def test_custom_emoji_of_unknown_id_are_one_reaction_and_telegrams_ids_stay(tmp_path):
    recent = [{"from": "Bia", "from_id": "user2"}]
    message = {
        "id": 7, "type": "message", "date_unixtime": "1731845107", "from": "Ana", "from_id": "user1", "text": "oi",
        "reactions": [
            {"type": "custom_emoji", "count": 2, "document_id": "stickers/sticker.webp", "recent": recent},
            {"type": "custom_emoji", "count": 3, "document_id": "stickers/sticker (1).webp"},
            {"type": "custom_emoji", "count": 1,
             "document_id": "(File not included. Change data exporting settings to download.)"},
            {"type": "custom_emoji", "count": 4, "document_id": "5368324170671202286"},
        ],
    }  # fmt: skip
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"name": "G", "type": "private_supergroup", "id": 5, "messages": [message]}))
    assert desktop_export.import_export(path).reactions == 10
    updates = stored_updates()
    (count,) = by_kind(updates, "message_reaction_count")
    assert count["reactions"] == [
        {"type": UNKNOWN_CUSTOM_EMOJI, "total_count": 6},
        {"type": {"type": "custom_emoji", "custom_emoji_id": "5368324170671202286"}, "total_count": 4},
    ]
    (bia,) = by_kind(updates, "message_reaction")
    assert bia["new_reaction"] == [UNKNOWN_CUSTOM_EMOJI]


def test_a_rerun_writes_the_same_reaction_updates(forum_import, monkeypatch):
    _, first = forum_import
    desktop_export.import_export(FORUM)
    again = stored_updates()
    assert sorted(json.dumps(u, sort_keys=True) for u in again) == sorted(json.dumps(u, sort_keys=True) for u in first)
    ids = Counter(u["update_id"] for u in again)
    assert max(ids.values()) == 1 and all(i < 0 for i in ids)


# ----------------------------------------------------------------------------------------------
# Whole-account exports


def test_an_account_export_holding_one_group_imports_without_choosing(forum_import):
    result, updates = forum_import
    messages = exported_messages(FORUM)
    assert result.chat.title == "ENSIA IMPACT © Group"
    assert result.messages == sum(m["type"] == "message" for m in messages) == 11
    assert result.service_messages == sum(m["type"] == "service" for m in messages) == 20


def test_an_account_export_of_several_chats_asks_which_and_lists_them(capsys):
    with pytest.raises(desktop_export.ExportError, match="whole-account export of 2 chats") as error:
        desktop_export.import_export(TWO_CHATS)
    for export_id, name, kind, count in ((700000001, "Chat One", "private", 2), (700000002, "Chat Two", "group", 4)):
        assert f"{export_id} '{name}' ({kind}, {count} messages)" in str(error.value)
    assert list(storage.raw_store().list()) == []
    assert cli.main(["import-export", str(TWO_CHATS), "--quiet"]) == 2
    assert "--chat ID|NAME" in capsys.readouterr().err


@pytest.mark.parametrize("chosen", ["Chat Two", "chat two", "700000002", "-700000002"])
def test_a_chat_is_chosen_by_name_or_id(chosen):
    result = desktop_export.import_export(TWO_CHATS, chat=chosen)
    assert (result.chat.id, result.chat.type, result.chat.title) == (-700000002, "group", "Chat Two")
    ids = sorted(body["message_id"] for body in by_kind(stored_updates(), "message"))
    chat_two = exported_messages(TWO_CHATS, 1)
    assert ids == [m["id"] for m in chat_two if m.get("action") != "phone_call"] == [2001, 2002, 2004]


def test_several_chats_in_one_command_and_a_chat_that_is_not_there(capsys):
    assert cli.main(["import-export", str(TWO_CHATS), "--chat", "700000001", "--chat", "Chat Two", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "imported 2 messages of 'Chat One' (chat_id 700000001, private)" in out
    assert "imported 3 messages of 'Chat Two' (chat_id -700000002, group)" in out
    chats = {body["chat"]["id"]: body["chat"] for body in by_kind(stored_updates(), "message")}
    assert chats[700000001] == {"id": 700000001, "type": "private", "first_name": "Chat One"}
    with pytest.raises(desktop_export.ExportError, match="holds no chat 'Chat Three'; it holds: 700000001"):
        desktop_export.import_export(TWO_CHATS, chat="Chat Three")
    assert cli.main(["import-export", str(TWO_CHATS), "--chat", "1", "--chat", "2", "--chat-id", "-5"]) == 2


def test_two_chats_of_one_name_are_told_apart_by_id(tmp_path):
    twins = [{"name": "Twin", "type": "private_group", "id": n, "messages": []} for n in (1, 2)]
    account = {"about": "x", "chats": {"about": "y", "list": twins}}
    path = tmp_path / "result.json"
    path.write_text(json.dumps(account))
    with pytest.raises(
        desktop_export.ExportError,
        match="2 chats named 'twin'; choose one by its id: 1 'Twin' \\(group, 0 messages\\); 2 'Twin'",
    ):
        desktop_export.import_export(path, chat="twin")
    assert desktop_export.import_export(path, chat="2").chat.id == -2


# ----------------------------------------------------------------------------------------------
# Senders that name nobody


def test_an_older_export_whose_sender_is_0_keeps_the_message_under_the_unknown_sender():
    messages = exported_messages(OLDER)
    result = desktop_export.import_export(OLDER)
    assert (result.messages, result.skipped) == (len(messages), 0) == (29, 0)
    stored = {body["message_id"]: body for body in by_kind(stored_updates(), "message")}
    for message in messages:
        sender = stored[message["id"]].get("from")
        if message["from_id"] == 0:
            assert sender is None, message["id"]
        else:
            assert (sender["id"], sender["first_name"]) == (message["from_id"], message["from"])
    assert sum(m["from_id"] == 0 for m in messages) == sum("from" not in b for b in stored.values()) == 1


def test_a_chat_of_a_type_the_bot_api_has_not_does_not_hide_the_others(tmp_path):
    replies = {"type": "replies", "id": 1271266957, "messages": []}  # Telegram Desktop's "Replies" chat: no name
    group = {"name": "Grupo", "type": "private_supergroup", "id": 5, "messages": exported_messages(TWO_CHATS, 1)}
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"about": "x", "chats": {"about": "y", "list": [replies, group]}}))
    with pytest.raises(desktop_export.ExportError, match=r"of 2 chats.*1271266957 None \(replies, 0 messages\)"):
        desktop_export.import_export(path)
    assert desktop_export.import_export(path, chat="Grupo").messages == 3
    with pytest.raises(desktop_export.ExportError, match="unknown chat type 'replies'"):
        desktop_export.import_export(path, chat="1271266957")


# ----------------------------------------------------------------------------------------------
# Ids of exports made before 2021, shifted by the kind of peer


def test_a_2020_channel_export_gives_the_channel_id_and_posts_as_the_channel():
    header = json.loads(SHIFTED_2020.read_text(encoding="utf-8"))
    messages = header.pop("messages")
    assert header["id"] == (2 << 32) + 1292077344  # by hand: Desktop's ChatPeerId of the channel
    result = desktop_export.import_export(SHIFTED_2020, export_timezone="Europe/Moscow")
    channel = {"id": -1001292077344, "type": "channel", "title": "test"}
    assert (result.chat.id, result.messages, result.service_messages) == (channel["id"], 12, 1)
    updates = stored_updates()
    posts = by_kind(updates, "channel_post")
    assert sorted(body["message_id"] for body in posts) == [m["id"] for m in messages if m["type"] == "message"]
    for body in posts + by_kind(updates, "message"):  # the posts, and create_channel by its actor
        assert body["chat"] == body["sender_chat"] == channel and "from" not in body, body["message_id"]
    (created,) = by_kind(updates, "message")
    assert created["channel_chat_created"] is True


@pytest.mark.parametrize(
    ("from_id", "sender"),
    [
        (777000, (777000, None)),  # a user, as every bare number was before
        ((1 << 32) + 777000, (777000, None)),  # Desktop's old UserPeerId
        ((2 << 32) + 1234567890, ("GroupAnonymousBot", -1001234567890)),  # its ChatPeerId of the group itself
        ((2 << 32) + 55, ("Channel_Bot", -1000000000055)),  # of another chat: taken for a channel
    ],
)
def test_numeric_sender_ids_of_older_exports_in_a_supergroup(tmp_path, from_id, sender):
    message = {"id": 1, "type": "message", "date_unixtime": "1731845100", "from": "X", "from_id": from_id,
               "text": "oi"}  # fmt: skip
    header = {"name": "G", "type": "private_supergroup", "id": (2 << 32) + 1234567890, "messages": [message]}
    path = tmp_path / "result.json"
    path.write_text(json.dumps(header))
    assert desktop_export.import_export(path).chat.id == -1001234567890
    (body,) = by_kind(stored_updates(), "message")
    sent_by = body["from"].get("username", body["from"]["id"])
    assert (sent_by, body.get("sender_chat", {}).get("id")) == sender


def test_a_private_chats_id_is_never_unshifted(tmp_path):
    user_id = (2 << 32) + 5  # user ids reach 2^33 now: a private chat's id there is no sign of an old export
    chat = {"name": "Ana", "type": "personal_chat", "id": user_id, "messages": []}
    path = tmp_path / "result.json"
    path.write_text(json.dumps(chat))
    assert desktop_export.import_export(path).chat.id == user_id


def test_a_header_id_written_as_a_bot_api_id_is_kept(tmp_path):
    # Desktop writes bare ids; a tool writing its format from Telethon wrote the Bot API's -100… (seen in
    # lyhoang280592-maker/chatbot-easytrip, telegram_chat.json): negated again it named another chat
    chat = {"name": "G", "type": "private_supergroup", "id": -1003602997038, "messages": []}
    path = tmp_path / "result.json"
    path.write_text(json.dumps(chat))
    assert desktop_export.import_export(path).chat.id == -1003602997038


# ----------------------------------------------------------------------------------------------
# Forwards an export names only by name


def test_a_forward_named_only_by_name_keeps_the_bot_api_shape_of_a_hidden_user():
    named = {m["id"]: m["forwarded_from"] for m in exported_messages(FORWARDS_BY_NAME) if "forwarded_from" in m}
    assert named[1344] == "跨儿之家"  # a channel, which the export names without its id
    desktop_export.import_export(FORWARDS_BY_NAME)
    posts = {body["message_id"]: body for body in by_kind(stored_updates(), "channel_post")}
    forwarded = {m: body["forward_origin"] for m, body in posts.items() if "forward_origin" in body}
    assert forwarded == {m: {"type": "hidden_user", "sender_user_name": name} for m, name in named.items()}
