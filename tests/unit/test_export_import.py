"""History import from a Telegram Desktop export: exact update shapes, ids, dates, streaming, errors,
and the samples of ../shared/fixtures/telegram_export end to end (import → consolidate → reports)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from telegram_pipeline import cli, config
from telegram_pipeline.ingest import desktop_export
from telegram_pipeline.lake import storage

from tests.support.telegram_exports import DM, GROUP, GROUP_CHAT_ID, OLD_EXPORT, curated_rows

GROUP_CHAT = {"id": GROUP_CHAT_ID, "type": "supergroup", "title": "Grupo de Corrida SP"}


def raw_updates(settings: config.Settings | None = None) -> dict[str, dict]:
    """Every update of the raw zone, decoded, by where it is: its key, or ``<key>#line<n>`` for a line of
    an imported JSON-lines object."""
    store = storage.raw_store(settings)
    found = {}
    for key in store.list():
        data = store.read(key)
        if not key.endswith(".jsonl"):
            found[key] = json.loads(data)
            continue
        assert data.endswith(b"\n")
        for number, line in enumerate(data.splitlines(), start=1):
            found[f"{key}#line{number}"] = json.loads(line)
    return found


def by_message_id(updates: dict[str, dict]) -> dict[int, tuple[str, dict]]:
    """message_id -> (day, update)."""
    found = {}
    for key, update in updates.items():
        body = update.get("message") or update.get("channel_post")
        found[body["message_id"]] = (key.split("/")[0].removeprefix("context_date="), update)
    return found


def write_export(tmp_path: Path, messages: list, filename: str = "result.json", **header) -> Path:
    export = {"name": "Grupo", "type": "public_supergroup", "id": 1234567890, **header, "messages": messages}
    path = tmp_path / filename
    path.write_text(json.dumps(export, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def text_message(message_id: int, unix: int, text="oi", **extra) -> dict:
    return {
        "id": message_id,
        "type": "message",
        "date": "2024-11-17T09:00:00",
        "date_unixtime": str(unix),
        "from": "Ana Souza",
        "from_id": "user111111111",
        "text": text,
        "text_entities": [{"type": "plain", "text": text}] if isinstance(text, str) else text,
        **extra,
    }


# ----------------------------------------------------------------------------------------------
# The group sample, update by update


@pytest.fixture
def group_updates(monkeypatch) -> dict[int, tuple[str, dict]]:
    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    result = desktop_export.import_export(GROUP)
    exported = [m["type"] for m in json.loads(GROUP.read_text(encoding="utf-8"))["messages"]]
    # messages people posted and service messages, counted apart (the export's own types, read here)
    assert (result.messages, result.service_messages) == (exported.count("message"), exported.count("service"))
    assert result.skipped == 0 and result.not_for_bots == 0
    assert result.chat == desktop_export.Chat(GROUP_CHAT_ID, "supergroup", "Grupo de Corrida SP")
    return by_message_id(raw_updates())


def test_edited_text_with_entities_in_utf16(group_updates):
    day, update = group_updates[2]
    assert day == "2024-11-17"
    assert update == {
        "update_id": desktop_export.import_update_id(GROUP_CHAT_ID, 2),
        "x_source": "export",
        "message": {
            "message_id": 2,
            "from": {"id": 111111111, "is_bot": False, "first_name": "Ana Souza"},
            "chat": GROUP_CHAT,
            "date": 1731845100,
            "edit_date": 1731845170,
            "text": "Treino amanhã às 6h #corrida com @joaop 🏃‍♀️",
            "entities": [
                {"offset": 20, "length": 8, "type": "hashtag"},
                {"offset": 33, "length": 6, "type": "mention"},
            ],
        },
    }


def test_photo_caption_reply_sticker_voice_forward(group_updates):
    photo = group_updates[3][1]["message"]
    assert photo["reply_to_message"] == {"message_id": 2}
    assert photo["photo"] == [{"width": 1280, "height": 960}]
    assert photo["caption"] == "Resultado da prova: 42km em 3h58" and "text" not in photo
    sticker = group_updates[4][1]["message"]
    assert sticker["sticker"] == {
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "👏",
    }
    assert "text" not in sticker and "caption" not in sticker
    voice = group_updates[8][1]["message"]
    assert voice["voice"] == {"duration": 7, "mime_type": "audio/ogg"}
    forward = group_updates[5][1]["message"]
    assert forward["forward_origin"] == {"type": "hidden_user", "sender_user_name": "Notícias da Corrida"}
    assert forward["text"] == "Inscrições abertas para a São Silvestre!"
    link = group_updates[9][1]["message"]
    assert link["entities"] == [{"offset": 36, "length": 30, "type": "url"}]


def test_anonymous_admin_is_the_group_itself(group_updates):
    message = group_updates[7][1]["message"]
    assert message["sender_chat"] == GROUP_CHAT
    assert message["from"]["username"] == "GroupAnonymousBot" and message["from"]["is_bot"] is True
    assert message["author_signature"] == "Moderação"


def test_service_messages(group_updates):
    migrate = group_updates[1][1]["message"]
    assert "migrate_from_chat_id" in migrate and "text" not in migrate
    invite = group_updates[6][1]["message"]
    assert invite["from"] == {"id": 222222222, "is_bot": False, "first_name": "João"}
    # Carla is named only by her display name; her id comes from her own later message.
    assert invite["new_chat_members"] == [{"id": 333333333, "is_bot": False, "first_name": "Carla"}]


def test_keys_and_update_ids(group_updates):
    ids = [update["update_id"] for _, update in group_updates.values()]
    assert all(i < 0 for i in ids) and len(set(ids)) == 9
    assert all(-(2**63) <= i for i in ids)
    assert desktop_export.import_update_id(GROUP_CHAT_ID, 2) == desktop_export.import_update_id(GROUP_CHAT_ID, 2)
    assert desktop_export.import_update_id(GROUP_CHAT_ID, 2) != desktop_export.import_update_id(-1009, 2)
    # One object per chat and day, in a folder named after the chat and the day's first message, the
    # file named after its content.
    store = storage.raw_store()
    assert sorted(store.list()) == [
        f"context_date=2024-11-17/export-chat{GROUP_CHAT_ID}-msg1/{digest('context_date=2024-11-17')}.jsonl",
        f"context_date=2024-11-18/export-chat{GROUP_CHAT_ID}-msg8/{digest('context_date=2024-11-18')}.jsonl",
    ]
    lines = [key.rsplit("#", 1) for key in raw_updates()]
    assert [(key.split("/")[0], line) for key, line in lines] == [
        *(("context_date=2024-11-17", f"line{n}") for n in range(1, 8)),
        *(("context_date=2024-11-18", f"line{n}") for n in range(1, 3)),
    ]


def digest(folder: str) -> str:
    """The sha256 (16 hex digits) of the one object under ``folder``, computed from what is stored."""
    import hashlib

    store = storage.raw_store()
    (key,) = [key for key in store.list() if key.startswith(folder + "/")]
    return hashlib.sha256(store.read(key)).hexdigest()[:16]


@pytest.mark.parametrize(
    ("timezone", "days"),
    [
        ("UTC", {"2024-11-17": [1, 2, 3, 4, 5, 6], "2024-11-18": [7, 8, 9]}),
        ("America/Sao_Paulo", {"2024-11-17": [1, 2, 3, 4, 5, 6, 7], "2024-11-18": [8, 9]}),
    ],
)
def test_the_day_is_the_message_date_in_timezone(monkeypatch, timezone, days):
    # Message 7 was sent at 23:30 in São Paulo, 02:30 the next day in UTC.
    monkeypatch.setenv("TIMEZONE", timezone)
    result = desktop_export.import_export(GROUP)
    assert result.days == set(days)
    found: dict[str, list[int]] = {}
    for message_id, (day, _) in sorted(by_message_id(raw_updates()).items()):
        found.setdefault(day, []).append(message_id)
    assert found == days


# ----------------------------------------------------------------------------------------------
# Text, ids, dates


def test_entities_count_utf16_code_units():
    text, entities = desktop_export.convert_text(
        [
            "👀 ",  # a surrogate pair: 2 code units, then a space
            {"type": "hashtag", "text": "#ação"},
            " ",
            {"type": "text_link", "text": "aqui", "href": "https://exemplo.com"},
            " ",
            {"type": "mention_name", "text": "Carla", "user_id": 333333333},
            {"type": "bank_card", "text": " 4111"},
            {"type": "pre", "text": "x=1", "language": "python"},
            {"type": "bold", "text": ""},
        ]
    )
    assert text == "👀 #ação aqui Carla 4111x=1"
    assert entities == [
        {"offset": 3, "length": 5, "type": "hashtag"},
        {"offset": 9, "length": 4, "type": "text_link", "url": "https://exemplo.com"},
        {
            "offset": 14,
            "length": 5,
            "type": "text_mention",
            "user": {"id": 333333333, "is_bot": False, "first_name": "Carla"},
        },
        {"offset": 24, "length": 3, "type": "pre", "language": "python"},
    ]
    encoded = text.encode("utf-16-le")
    assert encoded[6:16].decode("utf-16-le") == "#ação"
    assert desktop_export.convert_text("plain") == ("plain", [])
    with pytest.raises(desktop_export.MalformedMessage):
        desktop_export.convert_text(42)


def test_bot_api_chat_ids():
    assert desktop_export.bot_api_chat_id(1234567890, "supergroup") == -1001234567890
    assert desktop_export.bot_api_chat_id(1001234, "channel") == -1000001001234
    assert desktop_export.bot_api_chat_id(4012345678, "group") == -4012345678
    assert desktop_export.bot_api_chat_id(700000000, "private") == 700000000


def test_chat_id_override_and_basic_group(tmp_path):
    path = write_export(tmp_path, [text_message(1, 1731845100)], type="private_group", id=4012345678)
    desktop_export.import_export(path)
    (update,) = raw_updates().values()
    assert update["message"]["chat"] == {"id": -4012345678, "type": "group", "title": "Grupo"}
    desktop_export.import_export(path, chat_id=-1001234567890)
    chats = {u["message"]["chat"]["id"] for u in raw_updates().values()}
    assert chats == {-4012345678, -1001234567890}


def test_a_supergroups_replies_carry_their_thread_as_the_bot_api_gives_it(tmp_path):
    messages = [
        text_message(1, 1731845100),
        text_message(2, 1731845160, reply_to_message_id=1),
        text_message(3, 1731845220, reply_to_message_id=2),  # a reply to a reply: the thread at the top
        text_message(4, 1731845280, reply_to_message_id=40),  # a reply to a message the export does not hold
        text_message(5, 1731845340, reply_to_message_id=4),
        text_message(6, 1731845400, reply_to_message_id=1, reply_to_peer_id="channel99"),  # another chat's
    ]
    desktop_export.import_export(write_export(tmp_path, messages))
    desktop_export.import_export(write_export(tmp_path, messages, type="private_group", id=4012345678))
    threads: dict[str, dict] = {"supergroup": {}, "group": {}}
    for update in raw_updates().values():
        message = update["message"]
        threads[message["chat"]["type"]][message["message_id"]] = message.get("message_thread_id")
    assert threads["supergroup"] == {1: None, 2: 1, 3: 1, 4: 40, 5: 40, 6: None}
    assert set(threads["group"].values()) == {None}  # a basic group has no threads, in the Bot API either


def test_a_real_supergroups_replies_lead_to_the_top_of_their_chain(monkeypatch):
    """tests/data/supergroup_ru_chat_2026.json (a real Russian supergroup, tests/data/README.md): each
    reply's thread, found here by following the export's own reply_to_message_id by hand."""
    monkeypatch.setenv("TIMEZONE", "Europe/Moscow")
    export = Path(__file__).resolve().parents[1] / "data" / "supergroup_ru_chat_2026.json"
    replies = {
        m["id"]: m["reply_to_message_id"]
        for m in json.loads(export.read_text())["messages"]
        if "reply_to_message_id" in m
    }

    def top(message_id: int) -> int:
        while message_id in replies:
            message_id = replies[message_id]
        return message_id

    desktop_export.import_export(export)
    messages = [u["message"] for u in raw_updates().values() if "message" in u]  # not its reactions' updates
    threads = {m["message_id"]: m.get("message_thread_id") for m in messages}
    assert {m: threads[m] for m in replies} == {m: top(m) for m in replies}
    assert sum(top(m) != replies[m] for m in replies) >= 2  # replies to replies, deeper than one step


@pytest.mark.parametrize("forum", [False, True])
def test_ids_beyond_64_bits_are_imported_and_lead_no_reply(tmp_path, forum):
    """A damaged export's id too large for the threads' and topics' arrays: the messages are imported, and
    a reply to such an id is in no thread (or topic) but its own."""
    messages = [
        text_message(1, 1731845100),
        text_message(2, 1731845160, reply_to_message_id=2**70),
        text_message(2**70, 1731845220, reply_to_message_id=1),
        text_message(3, 1731845280, reply_to_message_id=2),
    ]
    if forum:
        opened = {"type": "service", "action": "topic_created", "title": "Treinos", "actor": "Ana", "actor_id": "user1"}
        messages.insert(0, {**text_message(0, 1731845000), **opened})
    result = desktop_export.import_export(write_export(tmp_path, messages))
    assert (result.messages, result.skipped) == (4, 0)
    threads = {m: u["message"].get("message_thread_id") for m, (_, u) in by_message_id(raw_updates()).items()}
    if forum:  # every message in General: the topic is found through ids the arrays hold only
        assert {threads[m] for m in (1, 2, 2**70, 3)} == {None}
    else:  # the reply to 2**70 is in no thread; one to that reply is in its thread
        assert (threads[2], threads[2**70], threads[3]) == (None, 1, 2)


def test_a_channels_post_copied_into_its_discussion_group_is_the_bot_apis_automatic_forward(tmp_path):
    channel = {"from": "Canal", "from_id": "channel777", "forwarded_from": "Canal"}
    messages = [
        text_message(1, 1731845100, **channel, forwarded_from_id="channel777"),  # the copy, as exports write it now
        text_message(2, 1731845160, **channel),  # an older export names the origin by name alone
        text_message(3, 1731845220, forwarded_from="Canal", forwarded_from_id="channel777"),  # ana forwards it
        text_message(4, 1731845280, **{"from": "Grupo", "from_id": "channel1234567890"}),  # an anonymous admin
    ]
    desktop_export.import_export(write_export(tmp_path, messages))
    found = {m: u["message"] for m, (_, u) in by_message_id(raw_updates()).items()}
    copy = found[1]
    assert copy["from"] == {"id": 777000, "is_bot": False, "first_name": "Telegram"}
    assert copy["sender_chat"] == {"id": -1000000000777, "type": "channel", "title": "Canal"}
    assert copy["is_automatic_forward"] is True and copy["forward_origin"]["type"] == "channel"
    assert [m for m, message in found.items() if "is_automatic_forward" in message] == [1]
    assert found[2]["from"]["username"] == "Channel_Bot" and found[4]["from"]["username"] == "GroupAnonymousBot"


def test_channel_export_gives_channel_posts(tmp_path):
    post = text_message(10, 1731845100, from_id="channel1234567890", **{"from": "Canal"})
    desktop_export.import_export(write_export(tmp_path, [post], type="public_channel", name="Canal"))
    (update,) = raw_updates().values()
    chat = {"id": -1001234567890, "type": "channel", "title": "Canal"}
    assert update["channel_post"]["sender_chat"] == chat and "from" not in update["channel_post"]


def test_private_chat_and_missing_unixtime_needs_the_export_timezone(monkeypatch):
    # dm_sample's first messages have only `date`, the exporting machine's local time.
    with pytest.raises(desktop_export.ExportError, match="--export-timezone"):
        desktop_export.import_export(DM)
    monkeypatch.setenv("TIMEZONE", "UTC")
    result = desktop_export.import_export(DM, export_timezone="America/Sao_Paulo")
    assert (result.messages, result.not_for_bots, result.skipped) == (6, 1, 0)  # "joined Telegram" is not for bots
    updates = by_message_id(raw_updates())
    assert set(updates) == {3644, 3645, 3662, 3663, 3672, 3673}
    day, update = updates[3644]
    message = update["message"]
    # 16:55:32 in São Paulo (UTC−3) is 19:55:32 UTC.
    assert message["date"] == int(datetime(2019, 7, 12, 19, 55, 32, tzinfo=UTC).timestamp())
    assert message["chat"] == {"id": 700000000, "type": "private", "first_name": "Bob"}
    assert message["text"] == "https://google.com 👀"
    assert message["entities"] == [{"offset": 0, "length": 18, "type": "url"}]
    assert updates[3662][1]["message"]["date"] == 1652135033  # date_unixtime wins when present
    assert updates[3672][1]["message"]["photo"] == [{"width": 960, "height": 1280}]
    assert "text" not in updates[3672][1]["message"]
    with pytest.raises(desktop_export.ExportError, match="IANA"):
        desktop_export.import_export(DM, export_timezone="Mars/Olympus")


def test_service_messages_name_members_by_id_when_the_export_shows_it(tmp_path):
    def service(number, action, **extra):
        return {
            "id": number,
            "type": "service",
            "date_unixtime": str(1731845100 + number),
            "actor": "João",
            "actor_id": "user222222222",
            "action": action,
            "text": "",
            "text_entities": [],
            **extra,
        }

    messages = [
        service(1, "invite_members", members=["Carla", "Zé", "Ana"]),
        service(2, "join_group_by_link", inviter="Ana"),
        service(3, "remove_members", members=["Carla"]),
        service(4, "pin_message", message_id=6),
        service(5, "phone_call", duration_seconds=30),
        text_message(6, 1731845106, **{"from": "Carla", "from_id": "user333333333"}),
        text_message(7, 1731845107, **{"from": "Ana", "from_id": "user111111111"}),
        text_message(8, 1731845108, **{"from": "Ana", "from_id": "user444444444"}),  # another Ana
    ]
    result = desktop_export.import_export(write_export(tmp_path, messages))
    assert (result.messages, result.service_messages, result.not_for_bots) == (3, 4, 1)
    found = {m: update["message"] for m, (_, update) in by_message_id(raw_updates()).items()}
    carla = {"id": 333333333, "is_bot": False, "first_name": "Carla"}
    # Zé never posted and two people are called Ana: the export gives no id for them.
    assert found[1]["new_chat_members"] == [
        carla,
        {"is_bot": False, "first_name": "Zé"},
        {"is_bot": False, "first_name": "Ana"},
    ]
    assert found[2]["new_chat_members"] == [{"id": 222222222, "is_bot": False, "first_name": "João"}]
    assert found[3]["left_chat_member"] == carla
    assert found[4]["pinned_message"] == {
        "chat": {"id": -1001234567890, "type": "supergroup", "title": "Grupo"},
        "message_id": 6,
        "date": 0,
    }


def test_a_service_action_that_is_not_a_string_is_nothing_a_bot_receives(tmp_path):
    # A damaged export: the action a list or an object. It is passed over like an action no bot receives,
    # and the import goes on (it once stopped with "TypeError: unhashable type").
    service = {"type": "service", "date_unixtime": "1731845101", "actor": "Ana", "actor_id": "user111111111"}
    messages = [
        {**service, "id": 1, "action": ["invite_members"], "members": ["Carla"]},
        {**service, "id": 2, "action": {"name": "remove_members"}},
        text_message(3, 1731845103),
    ]
    result = desktop_export.import_export(write_export(tmp_path, messages))
    assert (result.messages, result.not_for_bots, result.skipped) == (1, 2, 0)
    assert sorted(by_message_id(raw_updates())) == [3]


def test_a_type_that_is_not_a_string_is_a_clear_error_not_a_crash(tmp_path):
    # Damaged exports again: a list where the message's, a text part's or the chat's type belongs.
    messages = [
        {**text_message(1, 1731845101), "type": ["message"]},
        text_message(2, 1731845102, text=[{"type": ["bold"], "text": "forte"}, " e claro"]),
        text_message(3, 1731845103),
    ]
    result = desktop_export.import_export(write_export(tmp_path, messages))
    assert (result.messages, result.skipped) == (2, 1)
    assert "neither message nor service" in dict(result.skipped_details)["message 1"]
    kept = by_message_id(raw_updates())[2][1]["message"]
    assert kept["text"] == "forte e claro" and "entities" not in kept  # the text kept, the odd part's style not
    with pytest.raises(desktop_export.ExportError, match="unknown chat type"):
        desktop_export.import_export(write_export(tmp_path, [text_message(1, 1731845100)], type=["public_supergroup"]))


def test_progress_bar_on_a_terminal(capsys):
    bar = desktop_export.Progress(enabled=True)
    bar.done(desktop_export.ImportResult(messages=1234, skipped=2, bytes_read=2**20, bytes_total=2**21))
    err = capsys.readouterr().err
    assert "50.0%" in err and "1.0/2.0 MiB" in err and "1,234 messages" in err and "2 skipped" in err
    desktop_export.Progress(enabled=False).done(desktop_export.ImportResult())
    assert capsys.readouterr().err == ""


def test_an_account_export_without_chats_and_unknown_chat_type_are_refused(tmp_path):
    account = tmp_path / "account.json"
    account.write_text(json.dumps({"about": "x", "chats": {"list": []}}))
    with pytest.raises(desktop_export.ExportError, match="whole-account"):
        desktop_export.import_export(account)
    with pytest.raises(desktop_export.ExportError, match="unknown chat type"):
        desktop_export.import_export(write_export(tmp_path, [text_message(1, 1731845100)], type="secret_chat"))
    with pytest.raises(FileNotFoundError):
        desktop_export.import_export(tmp_path / "nope.json")


# ----------------------------------------------------------------------------------------------
# Streaming, bad input, reruns


def test_tiny_chunks_give_the_same_updates(monkeypatch):
    desktop_export.import_export(GROUP)
    expected = {key: storage.raw_store().read(key) for key in storage.raw_store().list()}
    for key in expected:
        storage.raw_store().delete([key])
    monkeypatch.setattr(desktop_export.reader, "CHUNK_BYTES", 7)
    desktop_export.import_export(GROUP)
    assert {key: storage.raw_store().read(key) for key in storage.raw_store().list()} == expected


@pytest.mark.parametrize("chunk_bytes", [desktop_export.reader.CHUNK_BYTES, 7])
def test_malformed_messages_are_reported_and_skipped(tmp_path, monkeypatch, chunk_bytes):
    monkeypatch.setattr(desktop_export.reader, "CHUNK_BYTES", chunk_bytes)
    messages = [
        text_message(1, 1731845100),
        text_message(2, 1731845101, date_unixtime="yesterday"),
        text_message(3, 1731845102, text=17, text_entities=None),
        text_message(4, 1731845103, from_id="robot9"),  # a sender id that names nobody: the unknown sender
        "not a message",
        text_message(6, 1731845105),
        text_message(7, 1731845106),
        text_message(8, 1731845107),
    ]
    path = write_export(tmp_path, messages)
    # Telegram Desktop writes control characters as \xNN, which is not JSON: message 7 cannot be decoded.
    raw = path.read_text(encoding="utf-8")
    seventh = raw.index('"id": 7')
    broken = raw[:seventh] + raw[seventh:].replace('"text": "oi"', '"text": "o\\x0Bi"', 1)
    path.write_text(broken, encoding="utf-8")
    result = desktop_export.import_export(path)
    assert result.messages == 4
    assert sorted(by_message_id(raw_updates())) == [1, 4, 6, 8]
    assert "from" not in by_message_id(raw_updates())[4][1]["message"]
    assert result.skipped == 4
    skipped = dict(result.skipped_details)
    assert set(skipped) == {"message 2", "message 3", "message ?", "message 7"}
    assert "date_unixtime" in skipped["message 2"]
    assert "not valid JSON" in skipped["message 7"]


def test_a_lone_surrogate_skips_its_message_not_the_import(tmp_path):
    path = write_export(tmp_path, [text_message(1, 1731845100), text_message(2, 1731845101, text="x")])
    raw = path.read_text(encoding="utf-8")
    second = raw.index('"id": 2')
    path.write_text(raw[:second] + raw[second:].replace('"text": "x"', '"text": "x\\ud83d"'), encoding="utf-8")
    result = desktop_export.import_export(path)
    assert sorted(by_message_id(raw_updates())) == [1]
    assert result.skipped == 1 and "surrogate" in dict(result.skipped_details)["message 2"]


def test_cut_short_file_keeps_what_came_before(tmp_path, capsys):
    raw = GROUP.read_bytes()
    cut = tmp_path / "cut.json"
    cut.write_bytes(raw[: raw.index(b'"id": 5')])
    with pytest.raises(desktop_export.CutShortError, match="after message id 4") as error:
        desktop_export.import_export(cut)
    assert "(messages: 3; service messages: 1)" in str(error.value) and "stays imported" in str(error.value)
    assert error.value.result.updates == 4
    assert sorted(by_message_id(raw_updates())) == [1, 2, 3, 4]
    assert cli.main(["import-export", str(cut), "--quiet"]) == 1
    out, err = capsys.readouterr()
    assert "imported 3 messages" in out and "ends early" in err


def test_every_cut_point_is_reported_and_counts_whole_messages(tmp_path):
    raw = GROUP.read_bytes()
    text = raw.decode("utf-8")
    # Where each message object closes: a cut after that point has it whole.
    array_start = text.index('"messages"')
    ends, depth = [], 0
    for index, char in enumerate(text[array_start:], start=array_start):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                ends.append(len(text[: index + 1].encode("utf-8")))
    assert len(ends) == 9
    cut = tmp_path / "cut.json"
    # Every 5th byte, and every byte around the end of each message and of the file.
    sizes = set(range(raw.index(b"[") + 1, len(raw.rstrip()), 5))
    sizes |= {end + d for end in [*ends, len(raw.rstrip())] for d in range(-3, 4)}
    cut.write_bytes(raw[:40])  # inside the chat's name, before any message
    with pytest.raises(desktop_export.CutShortError):
        desktop_export.import_export(cut, dry_run=True)
    for size in sorted(s for s in sizes if raw.index(b"[") < s < len(raw.rstrip())):
        cut.write_bytes(raw[:size])
        with pytest.raises(desktop_export.CutShortError) as error:
            desktop_export.import_export(cut, dry_run=True)
        assert error.value.result.updates == sum(end <= size for end in ends), size


def test_cli_summary_next_commands_and_dry_run(capsys, monkeypatch):
    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    assert cli.main(["import-export", str(GROUP), "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert list(storage.raw_store().list()) == []
    assert "would import 7 messages" in out and err == ""  # no progress bar when stderr is not a terminal
    assert "also 2 service messages" in out  # the migration and the invitation: not counted as messages
    assert cli.main(["import-export", str(GROUP)]) == 0
    out, _ = capsys.readouterr()
    assert "imported 7 messages of 'Grupo de Corrida SP' (chat_id -1001234567890, supergroup)" in out
    assert "days: 2, from 2024-11-17 to 2024-11-18 (America/Sao_Paulo); 2 objects written" in out
    assert "python -m telegram_pipeline consolidate --date 2024-11-17 --to 2024-11-18" in out
    assert """airflow dags trigger telegram_consolidate --conf '{"from": "2024-11-17", "to": "2024-11-18"}'""" in out
    assert "python -m telegram_pipeline report --from 2024-11-17 --to 2024-11-18" in out
    assert cli.main(["import-export", str(DM)]) == 2
    assert "--export-timezone" in capsys.readouterr().err


SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def sao_paulo(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=SAO_PAULO).timestamp())


def test_an_older_export_imports_with_the_exporting_machines_time_zone(monkeypatch):
    """Telegram Desktop before date_unixtime: bare integer from_id/actor_id, local dates (some ending in
    Z), and "edited" set to the Unix epoch (as a local time) on messages never edited."""
    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    result = desktop_export.import_export(OLD_EXPORT, export_timezone="America/Sao_Paulo")
    assert (result.messages, result.service_messages, result.skipped, result.not_for_bots) == (10, 3, 0, 0)
    assert result.days == {"2019-03-10", "2019-03-11"} and result.objects == 2
    found = {m: (day, update["message"]) for m, (day, update) in by_message_id(raw_updates()).items()}
    assert found[2][1]["from"] == {"id": 111111111, "is_bot": False, "first_name": "Ana Souza"}
    assert found[2][1]["date"] == sao_paulo("2019-03-10T08:01:00") and "edit_date" not in found[2][1]
    assert found[2][1]["entities"] == [{"offset": 29, "length": 8, "type": "hashtag"}]
    assert found[3][1]["edit_date"] == sao_paulo("2019-03-10T09:05:00")
    assert found[1][1]["from"]["id"] == 111111111 and "migrate_from_chat_id" in found[1][1]  # actor_id 111111111
    # Carla was invited before she posted: her id comes from her own later message.
    assert found[4][1]["new_chat_members"] == [{"id": 333333333, "is_bot": False, "first_name": "Carla"}]
    assert found[12][1]["left_chat_member"]["id"] == 333333333
    # "…Z" is UTC whatever the exporting machine's zone: 23:30Z is 20:30 in São Paulo, 02:30Z the
    # next day is 23:30 the same day there.
    assert found[6] == (
        "2019-03-10",
        {**found[6][1], "date": int(datetime(2019, 3, 10, 23, 30, tzinfo=UTC).timestamp())},
    )
    assert found[7][0] == "2019-03-10" and "edit_date" not in found[7][1]
    assert found[13][0] == "2019-03-11"
    # A deleted account keeps its id; a message whose sender key is damaged or null has no sender.
    assert found[8][1]["from"] == {"id": 444444444, "is_bot": False, "first_name": "Deleted Account"}
    assert "from" not in found[9][1] and "sender_chat" not in found[9][1]
    assert "from" not in found[10][1]


def test_dates_that_name_their_zone_need_no_export_time_zone(tmp_path, monkeypatch):
    monkeypatch.setenv("TIMEZONE", "UTC")
    messages = [
        {"id": 1, "type": "message", "date": "2019-03-10T23:30:00Z", "from": "Ana", "from_id": 111, "text": "oi"},
        {"id": 2, "type": "message", "date": "2019-03-10T23:30:00-03:00", "from": "Ana", "from_id": 111, "text": "x"},
    ]
    desktop_export.import_export(write_export(tmp_path, messages))
    found = {m: update["message"]["date"] for m, (_, update) in by_message_id(raw_updates()).items()}
    assert found == {1: 1552260600, 2: 1552271400}


def test_an_older_export_without_its_time_zone_stops_before_writing_anything(capsys):
    with pytest.raises(desktop_export.ExportError, match="message 1 has no date_unixtime.*--export-timezone"):
        desktop_export.import_export(OLD_EXPORT)
    assert list(storage.raw_store().list()) == []
    assert cli.main(["import-export", str(OLD_EXPORT), "--quiet"]) == 2
    assert "--export-timezone" in capsys.readouterr().err and list(storage.raw_store().list()) == []


def test_an_hour_that_happens_twice_is_read_as_its_first_occurrence(tmp_path, monkeypatch):
    # São Paulo left daylight saving time on 2019-02-17 at 00:00: 23:30 on the 16th happened twice.
    monkeypatch.setenv("TIMEZONE", "UTC")
    message = {"id": 1, "type": "message", "date": "2019-02-16T23:30:00", "from": "Ana", "from_id": 111, "text": "oi"}
    desktop_export.import_export(write_export(tmp_path, [message]), export_timezone="America/Sao_Paulo")
    ((_, update),) = by_message_id(raw_updates()).values()
    assert update["message"]["date"] == int(datetime(2019, 2, 17, 1, 30, tzinfo=UTC).timestamp())  # UTC−2, not −3


@pytest.mark.parametrize(
    "from_id, expected",
    [(111, ("user", 111)), ("111", ("user", 111)), ("user111", ("user", 111)), ("channel5", ("channel", 5))],
)
def test_sender_ids_old_and_new(from_id, expected):
    assert desktop_export.convert._peer(from_id) == expected


@pytest.mark.parametrize("from_id", [True, -5, 0, "robot9", "１２", None, 1.5])
def test_sender_ids_that_name_nobody(from_id):
    with pytest.raises(desktop_export.MalformedMessage, match="sender id"):
        desktop_export.convert._peer(from_id)


def test_an_import_that_converts_nothing_fails_and_says_why(tmp_path, capsys):
    broken = [text_message(n, 1731845100 + n, date_unixtime=f"soon{n}") for n in range(1, 4)]
    path = write_export(tmp_path, broken)
    result = desktop_export.import_export(path)
    assert result.messages == 0 and "none of the export's 3 messages became an update" in result.why_nothing()
    assert cli.main(["import-export", str(path), "--quiet"]) == 1
    out, err = capsys.readouterr()
    assert "nothing imported" in err and "3 could not be read" in err and "soon1" in err
    calls = [{"id": 1, "type": "service", "date_unixtime": "1731845100", "actor": "Ana", "actor_id": "user1",
              "action": "phone_call", "text": ""}]  # fmt: skip
    assert cli.main(["import-export", str(write_export(tmp_path, calls, filename="calls.json")), "--quiet"]) == 1
    assert "1 are things no bot receives" in capsys.readouterr().err
    # An export with no messages at all imports nothing and that is no error.
    assert cli.main(["import-export", str(write_export(tmp_path, [], filename="empty.json")), "--quiet"]) == 0


# ----------------------------------------------------------------------------------------------
# One object per chat and day


def per_message_lake(updates: dict[str, dict], root: Path) -> storage.Store:
    """The same updates one object each, where the webhook (or an import before this one) put them."""
    store = storage.open_store(str(root))
    raw = storage.raw_store()
    for key in raw.list():
        data = raw.read(key)
        for line in data.splitlines():
            update = json.loads(line)
            day = key.split("/")[0]
            store.write(f"{day}/{update['update_id']}.json", line)
    return store


def test_day_objects_give_exactly_the_rows_of_one_object_per_message(monkeypatch, tmp_path):
    from telegram_pipeline.lake import consolidate

    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    desktop_export.import_export(GROUP)
    desktop_export.import_export(OLD_EXPORT, export_timezone="America/Sao_Paulo")
    per_message_lake(raw_updates(), tmp_path / "raw-one-per-message")
    days = [date(2019, 3, 10), date(2019, 3, 11), date(2024, 11, 17), date(2024, 11, 18)]
    imported = {day: consolidate.consolidate_day(day) for day in days}
    monkeypatch.setenv("RAW_URI", str(tmp_path / "raw-one-per-message"))
    monkeypatch.setenv("CURATED_URI", str(tmp_path / "curated-one-per-message"))
    single = {day: consolidate.consolidate_day(day) for day in days}
    for day in days:
        assert imported[day].parquet_sha256 == single[day].parquet_sha256, day
        assert (imported[day].objects, single[day].objects) == (1, imported[day].rows)
        assert imported[day].updates == single[day].updates == imported[day].rows


def test_a_later_export_replaces_the_day_and_the_late_data_check_sees_it(monkeypatch, tmp_path):
    from telegram_pipeline.lake import consolidate

    monkeypatch.setenv("TIMEZONE", "UTC")
    monkeypatch.setenv("START_DATE", "2024-11-01")
    monkeypatch.setenv("LATE_DAYS", "1")
    day = date(2024, 11, 17)
    early = [text_message(n, 1731845100 + n, text=f"msg {n}") for n in (1, 2)]
    desktop_export.import_export(write_export(tmp_path, early))
    assert consolidate.consolidate_with_late_days(day + timedelta(days=1))["dates"] == ["2024-11-17", "2024-11-18"]
    # The same export again: the same object, nothing to redo.
    desktop_export.import_export(write_export(tmp_path, early))
    assert consolidate.consolidate_with_late_days(day + timedelta(days=1))["dates"] == ["2024-11-18"]
    # A later export holds the rest of that day: its object replaces the first in the same folder, under
    # a new name, and the next run rewrites the day.
    later = [*early, text_message(3, 1731845103, text="msg 3")]
    desktop_export.import_export(write_export(tmp_path, later))
    keys = list(storage.raw_store().list("context_date=2024-11-17"))
    assert len(keys) == 1 and keys[0].startswith(f"context_date=2024-11-17/export-chat{GROUP_CHAT_ID}-msg1/")
    assert consolidate.consolidate_with_late_days(day + timedelta(days=1))["dates"] == ["2024-11-17", "2024-11-18"]
    assert [r["message_id"] for r in sorted(curated_rows(day), key=lambda r: r["message_id"])] == [1, 2, 3]


def test_days_out_of_order_and_large_days_become_more_objects_and_lose_nothing(monkeypatch, tmp_path):
    from telegram_pipeline.lake import consolidate

    monkeypatch.setenv("TIMEZONE", "UTC")
    monkeypatch.setattr(desktop_export.days, "PART_BYTES", 1500)  # a few messages an object
    day = 86400
    base = 1731801600  # 2024-11-17 00:00 UTC
    # Ten messages on the 17th, then the 18th, the 19th (which closes the 17th), then one more on the
    # 17th (a message whose date goes back, as history imported into Telegram from other apps has).
    dates = [base + 60 * n for n in range(10)] + [base + day, base + 2 * day, base + 600]
    messages = [text_message(n, unix, text=f"mensagem número {n}") for n, unix in enumerate(dates, start=1)]
    result = desktop_export.import_export(write_export(tmp_path, messages))
    keys = sorted(storage.raw_store().list())
    first_ids = sorted(int(key.split("-msg")[1].split("/")[0]) for key in keys if "2024-11-17" in key)
    assert result.objects == len(keys) and len(first_ids) >= 3 and first_ids[-1] == 13
    assert sorted(by_message_id(raw_updates())) == list(range(1, 14))
    rows = consolidate.consolidate_day(date(2024, 11, 17)).rows
    assert rows == 11 and sorted(r["message_id"] for r in curated_rows(date(2024, 11, 17))) == [*range(1, 11), 13]


def test_a_bad_line_is_quarantined_alone(monkeypatch):
    from telegram_pipeline.lake import consolidate

    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    monkeypatch.setenv("MAX_BAD_SHARE", "0.2")
    desktop_export.import_export(GROUP)
    store = storage.raw_store()
    (key,) = [k for k in store.list() if k.startswith("context_date=2024-11-17/")]
    lines = store.read(key).splitlines()
    store.write(key, b"\n".join([lines[0], b'{"update_id": -1, "message": {"chat": "x"', *lines[1:]]) + b"\n")
    result = consolidate.consolidate_day(date(2024, 11, 17))
    assert (result.rows, result.quarantined, result.updates) == (7, 1, 8)
    quarantine = storage.quarantine_store()
    names = sorted(quarantine.list())
    assert names == [
        f"context_date=2024-11-17/{key.rsplit('/', 1)[1]}#line2",
        f"context_date=2024-11-17/{key.rsplit('/', 1)[1]}#line2.reason.json",
    ]
    note = json.loads(quarantine.read(names[1]))
    assert note["raw_key"] == f"{key}#line2" and note["reason"].startswith("cut short")


def test_updates_are_the_bytes_json_dumps_gives(monkeypatch, tmp_path):
    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    desktop_export.import_export(GROUP)
    desktop_export.import_export(OLD_EXPORT, export_timezone="America/Sao_Paulo")
    huge = text_message(1, 1731845100, width=2**70, photo="(File not included.)")  # beyond msgspec's integers
    desktop_export.import_export(write_export(tmp_path, [huge], id=99))
    store = storage.raw_store()
    lines = [line for key in store.list() for line in store.read(key).splitlines()]
    assert len(lines) == 9 + 13 + 1
    for line in lines:
        assert json.dumps(json.loads(line), ensure_ascii=False, separators=(",", ":")).encode() == line


@pytest.mark.parametrize(
    "zone", ["America/Sao_Paulo", "Asia/Kathmandu", "Australia/Eucla", "Pacific/Chatham", "America/St_Johns"]
)
def test_the_day_remembered_per_quarter_hour_is_the_day_of_each_second(zone):
    tz = ZoneInfo(zone)
    converter = desktop_export.Converter(desktop_export.Chat(-1001, "supergroup", "x"), tz)
    start = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())
    for moment in range(start, start + 366 * 86400, 7 * 60 + 13):  # every 7 min 13 s of a year, DST days included
        assert converter._day(moment) == datetime.fromtimestamp(moment, tz).date().isoformat(), moment
