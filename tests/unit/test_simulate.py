"""The simulated group: reproducible, alive like a real one, shaped like the Bot API, sent like Telegram sends."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from telegram_pipeline import cli
from telegram_pipeline.dev import simulate

from tests.support.paths import FIXTURES

TZ = "America/Sao_Paulo"
CHAT_ID = -1001234567890


@pytest.fixture(scope="module")
def simulation() -> simulate.Simulation:
    return simulate.generate(seed=7, start=dt.date(2026, 11, 2), days=14, chat_id=CHAT_ID, timezone=TZ)


def group_messages(simulation):
    return [u["message"] for u in simulation.deliveries if "message" in u and u["message"]["chat"]["id"] == CHAT_ID]


def test_the_same_seed_gives_the_same_bytes_and_another_seed_does_not(simulation):
    again = simulate.generate(seed=7, start=dt.date(2026, 11, 2), days=14, chat_id=CHAT_ID, timezone=TZ)
    other = simulate.generate(seed=8, start=dt.date(2026, 11, 2), days=14, chat_id=CHAT_ID, timezone=TZ)
    assert [simulate.encode(u) for u in again.deliveries] == [simulate.encode(u) for u in simulation.deliveries]
    assert [simulate.encode(u) for u in other.deliveries] != [simulate.encode(u) for u in simulation.deliveries]


def test_update_ids_are_positive_and_increase_with_time(simulation):
    updates = simulation.deliveries[:-1]  # the last delivery is the redelivered one
    ids = [u["update_id"] for u in updates]
    assert all(i > 0 for i in ids) and ids == sorted(ids) and len(set(ids)) == len(ids)
    event_times = [
        next(v for k, v in u.items() if k != "update_id").get("edit_date")
        or next(v for k, v in u.items() if k != "update_id")["date"]
        for u in updates
    ]
    assert event_times == sorted(event_times)


def test_members_have_different_habits(simulation):
    counts = simulation.messages_by_sender
    humans = [sender for sender in counts if sender > 0]
    assert len(humans) >= 25
    total = sum(counts.values())
    top3 = sum(count for _, count in counts.most_common(3))
    assert top3 / total > 0.4, "a few very active members carry the conversation"
    assert sum(1 for s in humans if counts[s] / total < 0.02) >= 10, "many members are quiet"
    senders = [m["from"] for m in group_messages(simulation)]
    bots = {u["id"] for u in senders if u["is_bot"] and u["username"] != "GroupAnonymousBot"}
    assert len(bots) == 1


def test_daily_rhythm_in_the_group_time_zone(simulation):
    hours = Counter(dt.datetime.fromtimestamp(m["date"], ZoneInfo(TZ)).hour for m in group_messages(simulation))
    night = sum(hours[h] for h in range(0, 5))
    evening = sum(hours[h] for h in range(19, 23))
    assert evening > 10 * max(night, 1)
    days = {dt.datetime.fromtimestamp(m["date"], ZoneInfo(TZ)).date() for m in group_messages(simulation)}
    assert days == {dt.date(2026, 11, 2) + dt.timedelta(days=i) for i in range(14)}


def test_every_kind_of_traffic_is_there(simulation):
    messages = group_messages(simulation)
    kinds = Counter(next(k for k in u if k != "update_id") for u in simulation.deliveries)
    assert kinds["edited_message"] >= 5 and kinds["message_reaction"] >= 5 and kinds["my_chat_member"] == 1
    assert sum("reply_to_message" in m for m in messages) >= 20
    assert sum("forward_origin" in m for m in messages) >= 5
    assert sum("photo" in m and "caption" in m for m in messages) >= 5
    assert sum("sticker" in m for m in messages) >= 5
    assert sum("voice" in m for m in messages) >= 5
    assert sum("new_chat_members" in m for m in messages) >= 3
    assert any(m.get("sender_chat", {}).get("id") == CHAT_ID for m in messages), "an anonymous admin"
    copies = [m for m in messages if m.get("is_automatic_forward")]
    assert len(copies) >= 5, "the news channel's posts copied into its discussion group"
    comments = [m for m in messages if m.get("message_thread_id") in {c["message_id"] for c in copies}]
    assert len(comments) >= 10 and all(m["reply_to_message"]["message_id"] == m["message_thread_id"] for m in comments)
    assert any("🏃" in m.get("text", "") or "💪" in m.get("text", "") for m in messages), "emoji"
    portuguese = " ".join(m.get("text", "") for m in messages)
    for word in ("treino", "longão", "maratona", "Ibirapuera"):
        assert word in portuguese
    others = [u for u in simulation.deliveries if "message" in u and u["message"]["chat"]["id"] != CHAT_ID]
    assert len(others) >= 5 and {u["message"]["chat"]["type"] for u in others} == {"private", "supergroup"}
    ids = Counter(u["update_id"] for u in simulation.deliveries)
    assert [count for count in ids.values() if count > 1] == [2], "exactly one duplicate delivery"


def test_entity_offsets_count_utf16_code_units(simulation):
    checked = Counter()
    for update in simulation.deliveries:
        body = next(v for k, v in update.items() if k != "update_id")
        for text_key, entities_key in (("text", "entities"), ("caption", "caption_entities")):
            units = body.get(text_key, "").encode("utf-16-le")
            for entity in body.get(entities_key, []):
                value = units[entity["offset"] * 2 : (entity["offset"] + entity["length"]) * 2].decode("utf-16-le")
                prefix = {"hashtag": "#", "mention": "@", "url": "http", "bot_command": "/"}[entity["type"]]
                assert value.startswith(prefix) and " " not in value, (body.get(text_key), entity)
                checked[entity["type"]] += 1
                code_points_before = len(units[: entity["offset"] * 2].decode("utf-16-le"))
                checked["after an astral emoji"] += code_points_before != entity["offset"]
    assert checked["hashtag"] > 50 and checked["mention"] > 20 and checked["url"] > 10
    assert checked["after an astral emoji"] > 0, "some entity follows an emoji that takes two UTF-16 units"


def test_shapes_match_real_bot_api_updates(simulation):
    def fixture(name):
        return json.loads((FIXTURES / "telegram" / f"{name}.json").read_text())["message"]

    messages = group_messages(simulation)
    first = {  # the group's own messages (the channel's copies are shaped below)
        kind: next(m for m in messages if kind in m and not m.get("is_automatic_forward"))
        for kind in (
            "sticker",
            "voice",
            "photo",
            "forward_origin",
            "new_chat_members",
            "sender_chat",
            "reply_to_message",
        )
    }
    assert set(fixture("sticker")["sticker"]) <= set(first["sticker"]["sticker"])
    assert set(fixture("voice")["voice"]) <= set(first["voice"]["voice"])
    assert set(fixture("photo_with_caption")["photo"][0]) <= set(first["photo"]["photo"][0])
    assert set(fixture("new_chat_members")) <= set(first["new_chat_members"])
    assert set(fixture("anonymous_admin")) <= set(first["sender_chat"])
    assert first["sender_chat"]["from"]["username"] == "GroupAnonymousBot"
    assert {"message_id", "from", "chat", "date"} <= set(first["reply_to_message"]["reply_to_message"])
    assert set(fixture("forwarded_from_channel")["forward_origin"]) <= set(
        next(m for m in messages if m.get("forward_origin", {}).get("type") == "channel")["forward_origin"]
    )
    # a copy as the Bot API sends one: from Telegram (777000), on behalf of the channel, forwarded from it
    copy = next(m for m in messages if m.get("is_automatic_forward"))
    assert copy["from"] == {"id": 777000, "is_bot": False, "first_name": "Telegram"}
    assert copy["sender_chat"] == copy["forward_origin"]["chat"] == simulate.NEWS_CHANNEL
    for message in messages:
        assert set(message["chat"]) == set(fixture("message_text_supergroup")["chat"])
        assert isinstance(message["date"], int)


def test_cli_writes_the_updates_as_files(tmp_path, capsys):
    out = tmp_path / "updates"
    assert cli.main(["simulate", "--seed", "5", "--days", "3", "--start", "2026-01-10", "--out", str(out)]) == 0
    files = sorted(out.glob("*.json"))
    expected = simulate.generate(
        seed=5, start=dt.date(2026, 1, 10), days=3, chat_id=simulate.DEFAULT_CHAT_ID, timezone="UTC"
    ).deliveries
    assert [f.read_bytes() for f in files] == [simulate.encode(u) for u in expected]
    assert "top posters" in capsys.readouterr().out


def test_cli_refuses_to_send_without_a_secret(capsys):
    assert cli.main(["simulate", "--days", "1", "--url", "http://127.0.0.1:9/"]) == 2
    assert "secret" in capsys.readouterr().err


def test_a_second_group_that_becomes_a_supergroup():
    simulation = simulate.generate(
        seed=7, start=dt.date(2026, 11, 2), days=6, chat_id=CHAT_ID, timezone=TZ, second_group=True
    )
    old, new = simulate.HIKING_CHAT["id"], simulate.HIKING_SUPERGROUP["id"]
    assert list(simulation.groups) == [CHAT_ID, new] and simulation.groups[new].migrated_from == old
    assert simulation.chat_ids() == {CHAT_ID, old, new}
    messages = [u["message"] for u in simulation.deliveries[:-1] if "message" in u]
    moved = [m for m in messages if "migrate_to_chat_id" in m or "migrate_from_chat_id" in m]
    assert [(m["chat"]["id"], m.get("migrate_to_chat_id"), m.get("migrate_from_chat_id")) for m in moved] == [
        (old, new, None),
        (new, None, old),
    ]
    assert moved[0]["date"] == moved[1]["date"] and moved[1]["message_id"] == 1
    before = [m["date"] for m in messages if m["chat"]["id"] == old]
    after = [m["date"] for m in messages if m["chat"]["id"] == new]
    assert max(before) <= min(after), "the basic group falls silent once it has moved"
    ids_old = {m["message_id"] for m in messages if m["chat"]["id"] == old}
    ids_new = {m["message_id"] for m in messages if m["chat"]["id"] == new}
    assert ids_old & ids_new, "the supergroup numbers its messages anew, over the old ids"
    hikers = {m["from"]["id"] for m in messages if m["chat"]["id"] in (old, new) and not m["from"]["is_bot"]}
    runners = {m["from"]["id"] for m in messages if m["chat"]["id"] == CHAT_ID and not m["from"]["is_bot"]}
    assert hikers & runners, "some people are in both groups"
    counted = sum(
        1
        for m in messages
        if m["chat"]["id"] in (old, new)
        and not {"new_chat_members", "migrate_to_chat_id", "migrate_from_chat_id"} & set(m)
    )
    assert simulation.groups[new].messages == counted
