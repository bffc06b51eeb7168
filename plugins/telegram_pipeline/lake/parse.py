"""One raw Telegram update (the exact JSON bytes Telegram sent) → one row of the curated ``messages`` table.

Fast, because it runs 100,000 times for a busy day: msgspec (which Airflow itself depends on) decodes
the JSON, three times faster than ``json``; whatever msgspec refuses, ``json`` decides and explains.

What is bad and what is merely odd:
- ``BadUpdate`` (the object goes to quarantine): not JSON, not a JSON object, no integer ``update_id``,
  no payload object, or no chat with an integer id (the table's key is (chat_id, message_id)).
- A field of the wrong type inside an otherwise good update (a string where a number belongs, a list
  where an object belongs, an entity with impossible offsets) becomes NULL / is skipped: one odd
  field must not cost the row, let alone the day. The raw zone keeps the original bytes.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from telegram_pipeline.lake import message_fields, schema
from telegram_pipeline.rules.days import unix_time
from telegram_pipeline.rules.updates import MEMBER_TYPES, MESSAGE_TYPES
from telegram_pipeline.text import facts


class BadUpdate(ValueError):
    """The raw object cannot become a row; ``reason`` says why (it is written next to the quarantined copy)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _int(value: Any) -> int | None:
    # JSON integers are unbounded; the table's are int64. A bigger one is as wrong as a string.
    return value if type(value) is int and -(2**63) <= value < 2**63 else None


def _str(value: Any) -> str | None:
    return value if type(value) is str else None


def _bool(value: Any) -> bool | None:
    return value if type(value) is bool else None


def _dict(value: Any) -> dict:
    return value if type(value) is dict else {}


def _list(value: Any) -> list:
    return value if type(value) is list else []


_decode = msgspec.json.Decoder().decode


def load(data: bytes) -> dict:
    """The update as a dict, or BadUpdate saying why it is not one."""
    try:
        update = _decode(data)
    except Exception:  # stricter than json (NaN, a BOM, a lone surrogate "\ud800", 1e400): json decides
        update = _load_with_json(data)
    if type(update) is not dict:
        raise BadUpdate(f"not an update: a JSON {type(update).__name__}, not an object")
    if _int(update.get("update_id")) is None:
        raise BadUpdate("not an update: no integer update_id")
    return update


def _load_with_json(data: bytes) -> Any:
    if not data.strip():
        raise BadUpdate("empty object")
    try:
        return json.loads(data)
    except UnicodeDecodeError:
        raise BadUpdate("not UTF-8") from None
    except json.JSONDecodeError as exc:
        ends_early = exc.msg.startswith("Unterminated") or exc.pos >= len(exc.doc.rstrip())
        raise BadUpdate(f"{'cut short' if ends_early else 'not JSON'}: {exc}") from None
    except RecursionError:
        raise BadUpdate("not JSON: nested too deeply") from None


def update_type(update: dict) -> str:
    """The update's payload key: Telegram sends exactly one besides update_id (exports add x_source)."""
    for key, value in update.items():
        if key != "update_id" and not key.startswith("x_") and type(value) is dict:
            return key
    raise BadUpdate("not an update: no payload object (message, edited_message, message_reaction, …)")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets. A lone surrogate (JSON can
    escape one: "\ud83d") counts as one, as utf16_slice sees it."""
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


def utf16_slice(encoded: bytes, offset: Any, length: Any) -> str | None:
    """The text of an entity: Telegram's offsets and lengths count UTF-16 code units."""
    if not _spans(offset, length, len(encoded)):
        return None
    return encoded[2 * offset : 2 * (offset + length)].decode("utf-16-le", errors="replace")


def _spans(offset: Any, length: Any, size: int) -> bool:
    """Whether an entity's offset and length mark a span of a text of ``size`` bytes in UTF-16."""
    return type(offset) is int and type(length) is int and offset >= 0 and length > 0 and 2 * (offset + length) <= size


_SPANNED_KINDS = frozenset({"hashtag", "mention", "url"})


def entities(text: str | None, entity_list: list) -> tuple[list[str], list[str], list[str]]:
    """(hashtags lower-cased with #, mentions with @, urls) found by the message's entities."""
    return _read_entities(text, entity_list)[:3]


def _read_entities(text: str | None, entity_list: list) -> tuple[list[str], list[str], list[str], set]:
    """``entities``, and the types of the message's entities (what ``blanked`` looks for: read here in
    the same pass, so that a text without a span to blank is not read again)."""
    hashtags: list[str] = []
    mentions: list[str] = []
    urls: list[str] = []
    kinds: set = set()
    if not entity_list or text is None:
        return hashtags, mentions, urls, kinds
    encoded = None  # the text in UTF-16, once an entity needs it (bold, italic and links do not)
    for entity in entity_list:
        if type(entity) is not dict:
            continue
        kind = _str(entity.get("type"))  # hashed below: junk such as a list must not raise
        kinds.add(kind)
        if kind == "text_link":
            url = _str(entity.get("url"))
            if url:
                urls.append(url)
            continue
        if kind not in _SPANNED_KINDS:
            continue
        if encoded is None:
            encoded = text.encode("utf-16-le", errors="surrogatepass")
        value = utf16_slice(encoded, entity.get("offset"), entity.get("length"))
        if value is None:
            continue
        if kind == "hashtag":
            hashtags.append(value.lower())
        elif kind == "mention":
            mentions.append(value)
        else:
            urls.append(value)
    return hashtags, mentions, urls, kinds


def content_type(kind: str, payload: dict) -> tuple[str, str | None]:
    """(content_type, service_action) of the update. A message's comes from its fields
    (``message_fields``); a message_reaction_count update is ``reaction_count``: anonymous totals of a
    message's reactions at that moment, not one person's reaction as ``reaction`` is."""
    if kind == "message_reaction":
        return "reaction", None
    if kind == "message_reaction_count":
        return "reaction_count", None
    if kind in MEMBER_TYPES:
        return "member", None
    if kind not in MESSAGE_TYPES:
        return "other", None
    return message_fields.classify(payload)


# The fields that say a message is forwarded: without one, forward_origin_type and forward_source are None.
FORWARD_FIELDS = frozenset({"forward_origin", "forward_from", "forward_sender_name", "forward_from_chat"})


def forward_origin_type(payload: dict) -> str | None:
    origin = payload.get("forward_origin")
    if type(origin) is dict:
        return _str(origin.get("type"))
    # Before Bot API 7.0 a forward was described by these fields.
    if "forward_from" in payload:
        return "user"
    if "forward_sender_name" in payload:
        return "hidden_user"
    if "forward_from_chat" in payload:
        return "channel" if _dict(payload["forward_from_chat"]).get("type") == "channel" else "chat"
    return None


# How a custom emoji reaction is named: ``custom:<custom_emoji_id>``, or this alone when its id is unknown
# (an export that wrote a file path where the id belongs).
CUSTOM_EMOJI = "custom"


def reaction_name(reaction: Any) -> str | None:
    """A ReactionType as one string: the emoji, ``custom:<custom_emoji_id>`` (``custom`` without an id)
    or ``paid``."""
    reaction = _dict(reaction)
    if reaction.get("type") == "emoji" and _str(reaction.get("emoji")):
        return reaction["emoji"]
    if reaction.get("type") == "custom_emoji":
        emoji_id = _str(reaction.get("custom_emoji_id"))
        return f"{CUSTOM_EMOJI}:{emoji_id}" if emoji_id else CUSTOM_EMOJI
    if reaction.get("type") == "paid":
        return "paid"
    return None


def reaction_emojis(payload: dict) -> list[str]:
    emojis = []
    for reaction in _list(payload.get("new_reaction")):
        if (name := reaction_name(reaction)) is not None:
            emojis.append(name)
    return emojis


def reaction_counts(payload: dict) -> tuple[list[str], list[int]]:
    """(reactions, their totals) of a message_reaction_count update, in Telegram's order."""
    names, totals = [], []
    for count in _list(payload.get("reactions")):
        count = _dict(count)
        name, total = reaction_name(count.get("type")), _int(count.get("total_count"))
        if name is not None and total is not None:
            names.append(name)
            totals.append(total)
    return names, totals


# How a member joined, as a chat_member update or an imported service message says.
JOINED_BY = frozenset({"link", "request"})

# Entities whose text is an address or a handle, not words of the conversation.
NOT_WORDS = frozenset(
    {"url", "text_link", "mention", "text_mention", "email", "phone_number", "bot_command", "cashtag"}
)


def keyword_text(text: str | None, entity_list: list, marked: set | None = None) -> str | None:
    """``text`` with every span an entity marks in NOT_WORDS replaced by spaces (offsets in UTF-16).
    ``marked``: the entities' types, where the caller has read them (a text none of whose entities is of
    those types is then not read again)."""
    if marked is not None and NOT_WORDS.isdisjoint(marked):
        return text
    return blanked(text, entity_list, NOT_WORDS)


def blanked(text: str | None, entity_list: list, kinds: frozenset[str]) -> str | None:
    """``text`` with every span an entity of one of ``kinds`` marks replaced by spaces (offsets in UTF-16)."""
    if text is None or not entity_list or not any(_str(_dict(entity).get("type")) in kinds for entity in entity_list):
        return text
    encoded = bytearray(text.encode("utf-16-le", errors="surrogatepass"))
    changed = False
    for entity in entity_list:
        entity = _dict(entity)
        offset, length = entity.get("offset"), entity.get("length")
        if _str(entity.get("type")) not in kinds or not _spans(offset, length, len(encoded)):
            continue
        encoded[2 * offset : 2 * (offset + length)] = " ".encode("utf-16-le") * length
        changed = True
    return encoded.decode("utf-16-le", errors="surrogatepass") if changed else text


def is_question(text: str | None, entity_list: list) -> bool | None:
    """Whether the text asks: a question mark of any script outside its links and code
    (``text/facts.py``); None without a text."""
    if text is None:
        return None
    return facts.may_ask(text) and facts.asks(blanked(text, entity_list, facts.NOT_ASKING))


def _person_name(user: dict) -> str | None:
    """A user's first and last name, else their @username (as the reports name senders)."""
    name = " ".join(part for part in (_str(user.get("first_name")), _str(user.get("last_name"))) if part).strip()
    username = _str(user.get("username"))
    return name or (f"@{username}" if username else None)


def forward_source(payload: dict) -> tuple[int | None, str | None]:
    """(id, name) of whoever a forwarded message comes from: a user (their id and name), a hidden user
    (only the name they chose to show), a group or channel (its id and title)."""
    origin = payload.get("forward_origin")
    if type(origin) is dict:
        kind = origin.get("type")
        if kind == "user":
            user = _dict(origin.get("sender_user"))
            return _int(user.get("id")), _person_name(user)
        if kind == "hidden_user":
            return None, _str(origin.get("sender_user_name"))
        chat = _dict(origin.get("sender_chat" if kind == "chat" else "chat"))
        return _int(chat.get("id")), _str(chat.get("title"))
    # Before Bot API 7.0 (forward_origin_type says which)
    if "forward_from" in payload:
        user = _dict(payload["forward_from"])
        return _int(user.get("id")), _person_name(user)
    if "forward_sender_name" in payload:
        return None, _str(payload["forward_sender_name"])
    chat = _dict(payload.get("forward_from_chat"))
    return _int(chat.get("id")), _str(chat.get("title"))


# The General topic of a forum: its messages carry no message_thread_id.
GENERAL_TOPIC_ID = 1


def topic(kind: str, payload: dict, chat: dict) -> tuple[int | None, str | None]:
    """(the forum topic a message belongs to, the topic's name where the message creates or renames it,
    or else the name the topic was created with where the message carries its first message).
    ``message_thread_id`` alone is no topic: outside forums it names the thread a reply belongs to."""
    if kind not in MESSAGE_TYPES:
        return None, None
    thread = _int(payload.get("message_thread_id"))
    if payload.get("is_topic_message") is True and thread is not None:
        topic_id = thread
    elif chat.get("is_forum") is True:
        return GENERAL_TOPIC_ID, _topic_named(payload)
    else:
        return None, None
    return topic_id, _topic_named(payload) or _topic_created_name(payload, topic_id)


def _topic_named(payload: dict) -> str | None:
    named = _dict(payload.get("forum_topic_created")) or _dict(payload.get("forum_topic_edited"))
    return _str(named.get("name")) or None


def _topic_created_name(payload: dict, topic_id: int) -> str | None:
    """The name a topic was created with, where the message carries the topic's first message: Telegram
    sends it as the reply_to_message of every message of the topic that answers no other. It names topics
    created before the bot joined; the reports let any forum_topic_created or forum_topic_edited message
    of the topic outrank it (include/sql/reports/forum_topics.sql)."""
    first = _dict(payload.get("reply_to_message"))
    if _int(first.get("message_id")) != topic_id:
        return None
    return _str(_dict(first.get("forum_topic_created")).get("name")) or None


def chat_title(chat: dict) -> str | None:
    """A group's or channel's title; a private chat's is the other person's name, as Telegram shows it."""
    title = _str(chat.get("title"))
    if title is None and chat.get("type") == "private":
        parts = [_str(chat.get("first_name")), _str(chat.get("last_name"))]
        title = " ".join(part for part in parts if part) or None
    return title


IN_CHAT_STATUSES = {"creator": True, "administrator": True, "member": True, "left": False, "kicked": False}


def in_chat(chat_member: dict) -> bool | None:
    """Whether a ChatMember is in the chat: its status says so, but for ``restricted``, which is
    whether the restricted user is still a member (``is_member``)."""
    status = chat_member.get("status")
    if status == "restricted":
        return _bool(chat_member.get("is_member"))
    return IN_CHAT_STATUSES.get(status) if type(status) is str else None


_MEMBER_COLUMNS = (
    "member_user_id member_is_bot member_old_status member_new_status member_was_in_chat member_is_in_chat member_name"
).split()
_NOT_ABOUT_A_MEMBER = (None,) * len(_MEMBER_COLUMNS)


def membership(kind: str, payload: dict) -> tuple:
    """Who a membership change is about, the status it moved from and to, whether the member was in
    the chat before and is after it (a join: not before, then yes; a leave: the reverse), and their
    name: the values of ``_MEMBER_COLUMNS``, in their order."""
    if kind not in MEMBER_TYPES and "left_chat_member" not in payload:
        return _NOT_ABOUT_A_MEMBER
    if kind in MEMBER_TYPES:
        old, new = _dict(payload.get("old_chat_member")), _dict(payload.get("new_chat_member"))
        member = _dict(new.get("user"))
        old_status, new_status = _str(old.get("status")), _str(new.get("status"))
        was_in, is_in = in_chat(old), in_chat(new)
    elif (member := _dict(payload.get("left_chat_member"))) and kind in MESSAGE_TYPES:
        old_status = new_status = None
        was_in, is_in = True, False
    else:
        member, old_status, new_status, was_in, is_in = {}, None, None, None, None
    return (
        _int(member.get("id")),
        _bool(member.get("is_bot")),
        old_status,
        new_status,
        was_in,
        is_in,
        _person_name(member),
    )


def joined_by(kind: str, payload: dict, update: dict) -> tuple[str | None, str | None, str | None]:
    """How a member joined, where Telegram says: (the invite link of a chat_member join, its name,
    ``request`` for an approved join request or ``link`` for a chat folder's invite link). An imported
    service message says ``link`` or ``request`` too (ingest/desktop_export/convert.py)."""
    if kind not in MEMBER_TYPES:
        way = update.get("x_joined_by")
        return None, None, way if _str(way) in JOINED_BY else None
    link = _dict(payload.get("invite_link"))
    if payload.get("via_join_request") is True:
        way = "request"
    elif payload.get("via_chat_folder_invite_link") is True:
        way = "link"
    else:
        way = None
    return _str(link.get("invite_link")), _str(link.get("name")), way


# A row before its values: every column of the table, in its order, None; consolidation fills ``emojis``
# (consolidate.to_table), ``language``, ``terms`` and ``term_forms`` (lake/tokens.py) for a batch of
# rows at once; ``keyword_tokens`` is retired. A copy of it with the values set costs a quarter of
# what a dict display of all its keys does.
_EMPTY_ROW: dict[str, Any] = dict.fromkeys(schema.COLUMN_NAMES)
_NO_KINDS: frozenset[str] = frozenset()


def flatten(update: dict) -> dict[str, Any]:
    """The row (column name → value) of a loaded update; timestamps as Unix seconds. What only some
    kinds of update or some messages hold (entities, members, joins, reactions, forwards, forum topics,
    spans to blank) is looked at only where it can be there: this runs for every update of a day."""
    kind = update_type(update)
    payload = update[kind]
    chat = _dict(payload.get("chat")) or _dict(_dict(payload.get("message")).get("chat"))
    chat_id = _int(chat.get("id"))
    if chat_id is None:
        raise BadUpdate(f"no chat: a {kind} update without an integer chat id is not part of the messages table")
    is_message = kind in MESSAGE_TYPES
    reacting = kind == "message_reaction"
    user = _dict(payload.get("user") if reacting else payload.get("from"))
    sender_chat = _dict(payload.get("actor_chat") if reacting else payload.get("sender_chat"))
    text = _str(payload.get("text"))
    entity_list = _list(payload.get("entities"))
    if text is None:
        text = _str(payload.get("caption"))
        entity_list = _list(payload.get("caption_entities"))
    if entity_list and text is not None:
        hashtags, mentions, urls, marked = _read_entities(text, entity_list)
    else:
        hashtags, mentions, urls, marked = [], [], [], _NO_KINDS
    content, service_action = content_type(kind, payload)
    counted_names, counted_totals = reaction_counts(payload) if kind == "message_reaction_count" else ([], [])
    member = membership(kind, payload)
    if kind in MEMBER_TYPES or "x_joined_by" in update:
        invite_link, invite_link_name, way = joined_by(kind, payload, update)
    else:
        invite_link = invite_link_name = way = None
    forwarded = not FORWARD_FIELDS.isdisjoint(payload)
    message_id = _int(payload.get("message_id"))
    if message_id is None and kind == "callback_query":
        message_id = _int(_dict(payload.get("message")).get("message_id"))
    if is_message and (payload.get("is_topic_message") is True or chat.get("is_forum") is True):
        topic_id, topic_name = topic(kind, payload, chat)
    else:
        topic_id = topic_name = None  # what topic() says of a message of no forum
    joining = payload.get("new_chat_members")
    if type(joining) is list and joining:
        people = [person for person in map(_dict, joining) if _int(person.get("id")) is not None]
        new_member_ids = [_int(person["id"]) for person in people]
        new_member_names = [_person_name(person) for person in people]
        new_member_bot_ids = [_int(person["id"]) for person in people if person.get("is_bot") is True]
    else:
        new_member_ids, new_member_names, new_member_bot_ids = [], [], []
    row = _EMPTY_ROW.copy()
    row["update_id"] = update["update_id"]
    row["update_type"] = kind
    row["source"] = "export" if update.get("x_source") == "export" else "webhook"
    row["chat_id"] = chat_id
    row["chat_type"] = _str(chat.get("type"))
    row["chat_title"] = chat_title(chat)
    row["message_id"] = message_id
    row["message_thread_id"] = _int(payload.get("message_thread_id"))
    row["sent_at"] = unix_time(payload.get("date"))
    row["edited_at"] = unix_time(payload.get("edit_date"))
    row["user_id"] = _int(user.get("id"))
    row["user_is_bot"] = _bool(user.get("is_bot"))
    row["user_first_name"] = _str(user.get("first_name"))
    row["user_last_name"] = _str(user.get("last_name"))
    row["user_username"] = _str(user.get("username"))
    row["sender_chat_id"] = _int(sender_chat.get("id"))
    row["sender_chat_title"] = _str(sender_chat.get("title"))
    row["text"] = text
    row["content_type"] = content
    row["service_action"] = service_action
    row["new_member_ids"] = new_member_ids
    row["reply_to_message_id"] = _int(_dict(payload.get("reply_to_message")).get("message_id"))
    row["hashtags"] = hashtags
    row["mentions"] = mentions
    row["urls"] = urls
    row["reaction_emojis"] = reaction_emojis(payload) if reacting else []
    row["new_member_bot_ids"] = new_member_bot_ids
    row["reaction_count_emojis"] = counted_names
    row["reaction_count_totals"] = counted_totals
    row["keyword_text"] = keyword_text(text, entity_list, marked)
    row["migrate_chat_id"] = _int(payload.get("migrate_to_chat_id", payload.get("migrate_from_chat_id")))
    row["topic_id"] = topic_id
    row["topic_name"] = topic_name
    row["chat_username"] = _str(chat.get("username"))
    row["member_invite_link"] = invite_link
    row["member_invite_link_name"] = invite_link_name
    row["member_joined_by"] = way
    row["is_question"] = is_question(text, entity_list) if is_message else None
    row["link_domains"] = facts.link_domains(urls, text) or None
    row["new_member_names"] = new_member_names
    if member is not _NOT_ABOUT_A_MEMBER:
        row.update(zip(_MEMBER_COLUMNS, member, strict=True))
    if forwarded:
        row["forward_origin_type"] = forward_origin_type(payload)
        if is_message:
            row["forward_source_id"], row["forward_source_name"] = forward_source(payload)
    return row


def parse(data: bytes) -> dict[str, Any]:
    """Raw bytes → row; BadUpdate when the object cannot become a row."""
    return flatten(load(data))
