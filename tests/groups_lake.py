"""A lake of several groups, made the way the pipeline gets it: Bot API updates in the raw zone, then
the real consolidation. And the reports' numbers computed again from those raw updates in plain
Python, by another route than the SQL under test.

Three groups over Monday 2026-03-09 .. Wednesday 2026-03-11 in São Paulo: "Corrida SP" and "Trilhas"
(ana posts in both, each group numbering its messages from 1), and "Pedal", a basic group that becomes
a supergroup on Tuesday at noon: its history under the old id, then migrate_to_chat_id /
migrate_from_chat_id, then the new id, whose message ids start again at 1.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

from telegram_pipeline.lake import consolidate, storage

TZ = "America/Sao_Paulo"
FIRST, LAST = date(2026, 3, 9), date(2026, 3, 11)
CORRIDA = {"id": -1001000000001, "title": "Corrida SP", "type": "supergroup"}
TRILHAS = {"id": -1002000000002, "title": "Trilhas", "type": "supergroup"}
PEDAL_OLD = {"id": -4030000003, "title": "Pedal", "type": "group"}
PEDAL = {"id": -1003000000003, "title": "Pedal", "type": "supergroup"}
USERS = {
    name: {"id": uid, "is_bot": False, "first_name": name.capitalize()}
    for uid, name in enumerate(["ana", "bia", "caio", "duda", "edu", "fabi"], start=1)
}
USERS["ana"]["username"] = "ana_souza"
USERS["duda"]["username"] = "Duda"
BOT = {"id": 999, "is_bot": True, "first_name": "Clima", "username": "clima_bot"}
MESSAGE_TYPES = ("message", "edited_message", "channel_post", "edited_channel_post")
SERVICE_KEYS = ("new_chat_members", "left_chat_member", "migrate_to_chat_id", "migrate_from_chat_id", "pinned_message")


def at(text: str) -> int:
    """A wall-clock time in São Paulo as the Unix time Telegram sends."""
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(TZ)).timestamp())


class Updates:
    """Bot API updates, numbered as Telegram numbers them."""

    def __init__(self) -> None:
        self.items: list[dict] = []

    def add(self, kind: str, body: dict) -> dict:
        self.items.append({"update_id": 900000 + len(self.items), kind: body})
        return body

    def message(self, chat: dict, message_id: int, user: dict, when: str, text: str | None = None, **extra) -> dict:
        body = {"message_id": message_id, "from": user, "chat": chat, "date": at(when), **extra}
        if text is not None:
            body["text"] = text
        return self.add("message", body)

    def edit(self, original: dict, when: str, text: str) -> dict:
        return self.add("edited_message", {**original, "edit_date": at(when), "text": text})

    def reply(self, chat: dict, message_id: int, user: dict, when: str, text: str, to: dict) -> dict:
        quoted = {k: v for k, v in to.items() if k != "reply_to_message"}
        return self.message(chat, message_id, user, when, text, reply_to_message=quoted)


def three_groups() -> Updates:
    u = Updates()
    ana, bia, caio, duda, edu, fabi = (USERS[n] for n in ("ana", "bia", "caio", "duda", "edu", "fabi"))
    # The Sunday before the range, the period the 1-day reports compare Monday with.
    u.message(CORRIDA, 1, fabi, "2026-03-08T20:00", "Alguém corre amanhã?")
    # Corrida SP
    m2 = u.message(CORRIDA, 2, ana, "2026-03-09T10:00", "Treino hoje no parque")
    u.edit(m2, "2026-03-09T10:30", "Treino hoje no parque às 18h")
    u.reply(CORRIDA, 3, bia, "2026-03-09T10:05", "Vou sim", to=m2)
    u.message(
        CORRIDA,
        4,
        caio,
        "2026-03-09T12:00",
        caption="Foto do treino",
        photo=[{"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1}],
    )
    u.message(CORRIDA, 5, ana, "2026-03-10T08:00", "Treino de tiro amanhã")
    u.message(CORRIDA, 6, ana, "2026-03-10T23:30", "Boa noite, treino cedo")  # Wednesday in UTC
    u.message(CORRIDA, 7, BOT, "2026-03-10T06:00", "Previsão: sol")  # a bot: left out
    u.message(CORRIDA, 8, bia, "2026-03-11T09:00", "Parque lotado hoje")
    u.message(
        CORRIDA, 9, ana, "2026-03-11T11:00", new_chat_members=[edu], new_chat_member=edu, new_chat_participant=edu
    )
    # Trilhas: message ids from 1, like Corrida SP's
    u.message(TRILHAS, 1, ana, "2026-03-09T09:00", "Trilha no sábado?")
    u.message(TRILHAS, 2, duda, "2026-03-10T19:00", "Trilha confirmada")
    u.message(TRILHAS, 3, duda, "2026-03-10T19:02", "Levem água")
    u.message(TRILHAS, 4, ana, "2026-03-10T21:00", "Trilha ótima")
    u.message(TRILHAS, 5, duda, "2026-03-11T07:00", "Fotos da trilha")
    # Pedal: a basic group, then a supergroup from Tuesday noon
    u.message(PEDAL_OLD, 1, caio, "2026-03-09T18:00", "Pedal domingo?")
    u.message(PEDAL_OLD, 2, duda, "2026-03-09T18:10", "Eu vou")
    u.message(PEDAL_OLD, 3, caio, "2026-03-10T12:00", migrate_to_chat_id=PEDAL["id"])
    u.message(PEDAL, 1, caio, "2026-03-10T12:00", migrate_from_chat_id=PEDAL_OLD["id"])
    p2 = u.message(PEDAL, 2, caio, "2026-03-10T13:00", "Pedal domingo confirmado")  # id 2 again, another message
    u.reply(PEDAL, 3, duda, "2026-03-10T13:20", "Eu vou de novo", to=p2)
    p4 = u.message(PEDAL, 4, caio, "2026-03-11T08:00", "Saída 7h")
    u.edit(p4, "2026-03-12T01:00", "Saída 7h da praça")  # lands in Thursday's partition, counts on Wednesday
    return u


def event_day(update: dict) -> date:
    body = next(v for k, v in update.items() if k != "update_id")
    return datetime.fromtimestamp(body.get("edit_date") or body["date"], ZoneInfo(TZ)).date()


def write_and_consolidate(updates: Updates) -> list[date]:
    """The updates in the raw zone (the webhook's keys), then each day consolidated."""
    raw = storage.raw_store()
    days = set()
    for update in updates.items:
        day = event_day(update)
        days.add(day)
        raw.write(f"context_date={day.isoformat()}/{update['update_id']}.json", json.dumps(update).encode())
    for day in sorted(days):
        consolidate.consolidate_day(day)
    return sorted(days)


# --------------------------------------------------------------------------- the reference, in Python


def migrations(updates: Updates) -> dict[int, int]:
    moved = {}
    for update in updates.items:
        body = update.get("message") or {}
        if "migrate_to_chat_id" in body:
            moved[body["chat"]["id"]] = body["migrate_to_chat_id"]
        if "migrate_from_chat_id" in body:
            moved[body["migrate_from_chat_id"]] = body["chat"]["id"]
    return moved


def counted_messages(updates: Updates, include_bots: bool = False) -> list[dict]:
    """Each message once per (chat it was sent in, message id), its latest version, by the README's rules."""
    moved = migrations(updates)
    latest: dict[tuple[int, int], tuple] = {}
    for update in updates.items:
        kind = next(k for k in update if k != "update_id")
        body = update[kind]
        if kind not in MESSAGE_TYPES or any(k in body for k in SERVICE_KEYS):
            continue
        sender = body.get("sender_chat") or body["from"]
        if not include_bots and "sender_chat" not in body and body["from"]["is_bot"]:
            continue
        version = (body.get("edit_date") or body["date"], update["update_id"])
        key = (body["chat"]["id"], body["message_id"])
        if key not in latest or version > latest[key][0]:
            latest[key] = (version, body, sender)
    counted = []
    for (origin, message_id), (_, body, sender) in latest.items():
        local = datetime.fromtimestamp(body["date"], ZoneInfo(TZ))
        name = sender.get("title") or " ".join(p for p in (sender.get("first_name"), sender.get("last_name")) if p)
        counted.append(
            {
                "chat_id": moved.get(origin, origin),
                "origin": origin,
                "message_id": message_id,
                "sender": sender["id"],
                "name": name,
                "day": local.date(),
                "local": local,
                "date": body["date"],
                "text": body.get("text", body.get("caption")),
                "reply_to": (body.get("reply_to_message") or {}).get("message_id"),
            }
        )
    return sorted(counted, key=lambda m: (m["date"], m["origin"], m["message_id"]))


def in_range(messages: list[dict], first: date, last: date) -> list[dict]:
    return [m for m in messages if first <= m["day"] <= last]


def posters(messages: list[dict]) -> dict[int, Counter]:
    """chat id -> sender -> messages."""
    found: dict[int, Counter] = defaultdict(Counter)
    for m in messages:
        found[m["chat_id"]][m["sender"]] += 1
    return found
