"""An exported message's reactions as the Bot API updates a bot receives for them.

The export holds, per reaction, its total and (``recent``) some of the people who gave it:
``"reactions": [{"type": "emoji", "count": 55, "emoji": "❤", "recent": [{"from", "from_id", "date"}]}]``
(``custom_emoji`` carries a ``document_id``: ``custom_emoji_id``; ``paid`` nothing more). They become
what the webhook stores for live reactions, so the reports count both alike:

- one ``message_reaction_count``: every reaction with its total, as Telegram sends for reactions it does
  not attribute;
- one ``message_reaction`` per person the export names: everything that person holds on the message.

Both are dated at the message's own time, so that they belong to its day and so that any live update
about the same message is later and wins (the reports take each person's latest reaction, and for each
reaction the larger of the people holding it and the latest total: see include/sql/reports/message_reactions.sql).
"""

from __future__ import annotations

from typing import Any


def custom_emoji_id(document_id: Any) -> str:
    """The ``custom_emoji_id`` of an exported custom emoji (a reaction, or a text part): its
    ``document_id`` when that is Telegram's number, else "" (unknown). Recent exports write there the
    path of the sticker file they saved ("stickers/sticker.webp"), or, without media, a "(File not
    included…)" note: neither names the emoji, and the same path names other emoji in other exports."""
    digits = str(document_id) if type(document_id) is int else document_id
    return digits if isinstance(digits, str) and digits.isascii() and digits.isdigit() else ""


def reaction_type(entry: dict[str, Any]) -> dict[str, Any] | None:
    """The Bot API ReactionType of an exported reaction; None for one it cannot name. Exports of some
    versions give an emoji reaction without its ``type``. A custom emoji of unknown id is still one."""
    kind = entry.get("type", "emoji" if "emoji" in entry else None)
    if kind == "emoji" and isinstance(entry.get("emoji"), str) and entry["emoji"]:
        return {"type": "emoji", "emoji": entry["emoji"]}
    if kind == "custom_emoji":
        return {"type": "custom_emoji", "custom_emoji_id": custom_emoji_id(entry.get("document_id"))}
    if kind == "paid":
        return {"type": "paid"}
    return None


def counted(reactions: Any) -> list[tuple[dict[str, Any], int, list[Any]]]:
    """(reaction type, total, the people named) of each reaction the export names and counts. Reactions
    of one type are one, their totals added: custom emoji of unknown id are all alike, and Telegram
    never lists a reaction twice."""
    found: list[tuple[dict[str, Any], int, list[Any]]] = []
    for entry in reactions if isinstance(reactions, list) else []:
        if not isinstance(entry, dict):
            continue
        kind, count = reaction_type(entry), entry.get("count")
        if kind is None or isinstance(count, bool) or not isinstance(count, int) or count <= 0:
            continue
        recent = entry.get("recent") if isinstance(entry.get("recent"), list) else []
        same = next((i for i, (held, _, _) in enumerate(found) if held == kind), None)
        if same is None:
            found.append((kind, count, recent))
        else:
            held, total, named = found[same]
            found[same] = (held, total + count, named + recent)
    return found


def total(reactions: Any) -> int:
    """How many reactions a message holds: each reaction's count, added up."""
    return sum(count for _, count, _ in counted(reactions))


def count_update(chat: dict[str, Any], message_id: int, date: int, reactions: list) -> dict[str, Any]:
    """The ``message_reaction_count`` payload: every reaction with its total."""
    totals = [{"type": kind, "total_count": count} for kind, count, _ in reactions]
    return {"chat": chat, "message_id": message_id, "date": date, "reactions": totals}


def reactor_updates(chat: dict[str, Any], message_id: int, date: int, reactions: list, peer) -> list[tuple[str, dict]]:
    """(who, the ``message_reaction`` payload) of each person the export names, in the order first
    named: all the reactions that person holds. ``peer(from_id, name)`` gives the payload's sender
    members (``user`` or ``actor_chat``), or None when the id cannot be read."""
    held: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    for kind, _, recent in reactions:
        for person in recent:
            if not isinstance(person, dict):
                continue
            who = person.get("from_id")
            sender = peer(who, person.get("from"))
            if sender is None:
                continue
            kinds = held.setdefault(str(who), (sender, []))[1]
            if kind not in kinds:
                kinds.append(kind)
    return [
        (
            who,
            {"chat": chat, "message_id": message_id, **sender, "date": date, "old_reaction": [], "new_reaction": kinds},
        )
        for who, (sender, kinds) in held.items()
    ]
