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
# The sender of a channel's post Telegram copies into the channel's discussion group (is_automatic_forward).
TELEGRAM = {"id": 777000, "is_bot": False, "first_name": "Telegram"}
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
    """Each message once per (chat it was sent in, message id), its latest version, by the counting rules (docs/reports.md)."""
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
        if body.get("is_automatic_forward"):  # the channel's post copied into its discussion group
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


# --------------------------------------------------------------------------- engagement


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def mentioned(text: str) -> dict:
    """The text with an entity for each @handle in it, offsets in UTF-16 code units as Telegram counts them."""
    entities, position = [], 0
    for word in text.split(" "):
        handle = word.rstrip("!?.,")
        if handle.startswith("@") and len(handle) > 1:
            entities.append({"type": "mention", "offset": utf16(text[:position]), "length": utf16(handle)})
        position += len(word) + 1
    return {"text": text, "entities": entities} if entities else {"text": text}


def emoji(name: str) -> dict:
    return {"type": "emoji", "emoji": name}


class Engagement(Updates):
    def react(self, chat: dict, message_id: int, user: dict, when: str, new: list[str], old: list[str] = ()) -> None:
        self.add("message_reaction", {"chat": chat, "message_id": message_id, "user": user, "date": at(when),
                                      "old_reaction": [emoji(e) for e in old], "new_reaction": [emoji(e) for e in new]})  # fmt: skip

    def count(self, chat: dict, message_id: int, when: str, totals: dict[str, int]) -> None:
        reactions = [{"type": emoji(e), "total_count": n} for e, n in totals.items()]
        self.add(
            "message_reaction_count", {"chat": chat, "message_id": message_id, "date": at(when), "reactions": reactions}
        )

    def member(self, chat: dict, user: dict, when: str, old: str, new: str, by: dict | None = None) -> None:
        self.add("chat_member", {"chat": chat, "from": by or user, "date": at(when),
                                 "old_chat_member": {"user": user, "status": old}, "new_chat_member": {"user": user, "status": new}})  # fmt: skip


def engaged_groups() -> Engagement:
    """The three groups, with reactions (added, changed, removed, anonymous totals, a bot's), replies
    (to oneself too), @mentions (of oneself, of nobody, in another case), emoji with skin tones, flags,
    keycaps and joined sequences, joins and leaves of three kinds, and members who go quiet."""
    u = Engagement()
    u.items = three_groups().items
    ana, bia, caio, duda, edu, fabi = (USERS[n] for n in ("ana", "bia", "caio", "duda", "edu", "fabi"))
    m2 = next(
        x["message"] for x in u.items if x.get("message", {}).get("chat") == CORRIDA and x["message"]["message_id"] == 2
    )
    m5 = next(
        x["message"] for x in u.items if x.get("message", {}).get("chat") == CORRIDA and x["message"]["message_id"] == 5
    )
    m8 = next(
        x["message"] for x in u.items if x.get("message", {}).get("chat") == CORRIDA and x["message"]["message_id"] == 8
    )
    m1 = next(
        x["message"] for x in u.items if x.get("message", {}).get("chat") == CORRIDA and x["message"]["message_id"] == 1
    )
    # Corrida SP: mentions, emoji, replies
    m10 = u.message(CORRIDA, 10, bia, "2026-03-10T08:10", **mentioned("Bom treino @ana_souza 👍🏽 👍🏽 🇧🇷"))
    u.message(CORRIDA, 11, ana, "2026-03-10T08:20", reply_to_message={k: v for k, v in m10.items() if k != "entities"},
              **mentioned("Valeu! 👩‍💻 🏃‍♀️ @ana_souza @ninguem"))  # fmt: skip
    u.reply(CORRIDA, 12, caio, "2026-03-11T09:30", "Também 😂", to=m8)
    u.reply(CORRIDA, 13, ana, "2026-03-11T09:31", "corrigindo: 7h", to=m5)  # to herself
    u.reply(CORRIDA, 14, caio, "2026-03-11T10:00", "Atrasado, mas vou 👍🏽", to=m2)
    u.reply(CORRIDA, 15, edu, "2026-03-11T11:05", "Oi ❤️ ❤ 1️⃣", to=m1)  # to Sunday's message, the period before
    # reactions: changed, removed, two at once (premium), anonymous totals, a bot's, after the range
    u.react(CORRIDA, 2, bia, "2026-03-09T10:10", ["👍"])
    u.react(CORRIDA, 2, caio, "2026-03-09T10:20", ["🔥"])
    u.react(CORRIDA, 2, bia, "2026-03-09T11:00", ["❤️"], old=["👍"])  # bia changes her mind
    u.react(CORRIDA, 2, caio, "2026-03-09T12:00", [], old=["🔥"])  # caio takes his back
    u.react(CORRIDA, 3, ana, "2026-03-09T10:06", ["👍", "🔥"])
    u.count(CORRIDA, 3, "2026-03-10T09:00", {"👍": 3})  # more 👍 than the named reactions show
    u.react(CORRIDA, 5, fabi, "2026-03-10T09:00", ["🔥"])
    u.react(CORRIDA, 5, BOT, "2026-03-10T09:01", ["🔥"])  # a bot: left out
    u.count(CORRIDA, 8, "2026-03-11T10:00", {"🔥": 5, "👍": 2})
    u.count(CORRIDA, 8, "2026-03-11T12:00", {"🔥": 6, "👍": 2})
    u.count(CORRIDA, 8, "2026-03-12T08:00", {"🔥": 9})  # after the range
    u.react(CORRIDA, 1, ana, "2026-03-09T07:00", ["👍"])  # on Sunday's message: not a message of the range
    # members: duda joins by chat_member, fabi leaves with a service message, caio is restricted but stays
    u.member(CORRIDA, duda, "2026-03-10T14:00", "left", "member")
    u.member(CORRIDA, caio, "2026-03-10T15:00", "member", "restricted", by=ana)
    u.message(CORRIDA, 16, fabi, "2026-03-11T15:00", left_chat_member=fabi)
    # Trilhas: a mention in another case, a reaction
    u.message(TRILHAS, 6, duda, "2026-03-11T07:30", **mentioned("@Ana_Souza bora? 🏔️"))
    u.react(TRILHAS, 2, ana, "2026-03-10T19:05", ["🔥"])
    # Pedal: message 2 of the basic group and message 2 of the supergroup, each reacted to
    u.react(PEDAL_OLD, 2, caio, "2026-03-09T18:20", ["👏"])
    u.react(PEDAL, 2, duda, "2026-03-10T13:10", ["🚴"])
    return u


def by_event_time(updates: Updates) -> list[dict]:
    return sorted(updates.items, key=lambda u: next(v for k, v in u.items() if k != "update_id").get("date", 0))


def latest_reactions(updates: Updates, last: date, include_bots: bool = False) -> dict[tuple[int, int], Counter]:
    """(chat sent in, message id) -> reaction -> how many hold it at the end of ``last``."""
    held: dict[tuple, list[str]] = {}
    totals: dict[tuple, tuple[int, dict]] = {}
    for update in updates.items:
        if "message_reaction" in update:
            body = update["message_reaction"]
            if body["user"]["is_bot"] and not include_bots or event_day(update) > last:
                continue
            key = (body["chat"]["id"], body["message_id"], body["user"]["id"])
            version = (body["date"], update["update_id"])
            if key not in held or version > held[key][0]:
                held[key] = (version, [r["emoji"] for r in body["new_reaction"]])
        if "message_reaction_count" in update:
            body = update["message_reaction_count"]
            if event_day(update) > last:
                continue
            key = (body["chat"]["id"], body["message_id"])
            version = (body["date"], update["update_id"])
            if key not in totals or version > totals[key][0]:
                totals[key] = (version, {r["type"]["emoji"]: r["total_count"] for r in body["reactions"]})
    per_message: dict[tuple, Counter] = defaultdict(Counter)
    for (chat, message, _), (_, emojis) in held.items():
        per_message[(chat, message)].update(emojis)
    for key, (_, counts) in totals.items():
        for name, total in counts.items():
            per_message[key][name] = max(per_message[key][name], total)
    return {
        key: Counter({e: n for e, n in counts.items() if n})
        for key, counts in per_message.items()
        if sum(counts.values())
    }


def usernames(updates: Updates) -> dict[str, int]:
    """Lower-cased username -> the user who used it last."""
    found: dict[str, tuple] = {}
    for update in updates.items:
        body = next(v for k, v in update.items() if k != "update_id")
        user = body.get("from") or body.get("user") or {}
        if user.get("username") and not user.get("is_bot"):
            key, version = user["username"].lower(), (body["date"], update["update_id"])
            if key not in found or version > found[key][0]:
                found[key] = (version, user["id"])
    return {name: user for name, (_, user) in found.items()}


def mentions_of(updates: Updates) -> dict[tuple[int, int], list[str]]:
    """(chat sent in, message id) -> the @handles its entities mark (latest version)."""
    found = {}
    for update in updates.items:
        body = update.get("message") or update.get("edited_message")
        if body and "text" in body:
            units = body["text"].encode("utf-16-le")
            found[(body["chat"]["id"], body["message_id"])] = [
                units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
                for e in body.get("entities", [])
                if e["type"] == "mention"
            ]
    return found
