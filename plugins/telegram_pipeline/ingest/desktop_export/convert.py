"""One exported message -> one Bot API update, as the webhook would have stored it: the chat and its
ids, the times, the text and its entities, the sender, the service actions (media: ``media.py``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from telegram_pipeline.ingest.desktop_export import reactions
from telegram_pipeline.ingest.desktop_export.errors import ExportError, MalformedMessage
from telegram_pipeline.ingest.desktop_export.media import dimensions, media_fields
from telegram_pipeline.ingest.desktop_export.threads import ReplyThreads, replied_to
from telegram_pipeline.ingest.desktop_export.topics import GENERAL_TOPIC_ID, TopicChains, is_topic_creation
from telegram_pipeline.lake.parse import utf16_len
from telegram_pipeline.rules import raw_zone

# Export chat types -> Bot API chat types.
CHAT_TYPES = {
    "personal_chat": "private",
    "bot_chat": "private",
    "saved_messages": "private",
    "private_group": "group",
    "private_supergroup": "supergroup",
    "public_supergroup": "supergroup",
    "private_channel": "channel",
    "public_channel": "channel",
}

# Export text part types -> Bot API MessageEntity types. "plain" is no entity; bank_card and
# unknown have no Bot API counterpart and are dropped.
ENTITY_TYPES = {
    "mention": "mention",
    "hashtag": "hashtag",
    "cashtag": "cashtag",
    "bot_command": "bot_command",
    "link": "url",
    "email": "email",
    "phone": "phone_number",
    "bold": "bold",
    "italic": "italic",
    "underline": "underline",
    "strikethrough": "strikethrough",
    "spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "text_link": "text_link",
    "mention_name": "text_mention",
    "blockquote": "blockquote",
    "custom_emoji": "custom_emoji",
}

# Who Telegram names as `from` when a message is sent on behalf of a chat.
GROUP_ANONYMOUS_BOT = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}
# ... and when it copies a channel's post into the channel's discussion group (an automatic forward).
TELEGRAM_SERVICE = {"id": 777000, "is_bot": False, "first_name": "Telegram"}

# Telegram's first day (14 August 2013): an earlier time in an export is no time at all. Older
# Telegram Desktop versions wrote "edited": <the Unix epoch as a local time> for unedited messages.
TELEGRAM_LAUNCH = 1_376_438_400


@dataclass(frozen=True)
class Chat:
    id: int
    type: str
    title: str
    is_forum: bool = False  # a supergroup split into topics: the export holds topic_created messages

    def as_bot_api(self) -> dict[str, Any]:
        if self.type == "private":
            return {"id": self.id, "type": "private", "first_name": self.title}
        forum = {"is_forum": True} if self.is_forum else {}
        return {"id": self.id, "type": self.type, "title": self.title, **forum}


def chat_from_header(header: dict[str, Any], chat_id: int | None) -> Chat:
    """The chat an export holds, from the members before its messages; ``chat_id`` overrides its id."""
    export_type = header.get("type")
    chat_type = CHAT_TYPES.get(export_type) if isinstance(export_type, str) else None
    if chat_type is None:
        raise ExportError(f"unknown chat type {export_type!r} in the export (known: {', '.join(CHAT_TYPES)})")
    title = header.get("name") if isinstance(header.get("name"), str) else ""
    if chat_id is None:
        if isinstance(header.get("id"), bool) or not isinstance(header.get("id"), int):
            raise ExportError("the export names no chat id before its messages; give the Bot API one with --chat-id")
        chat_id = header_chat_id(header["id"], chat_type)
    return Chat(chat_id, chat_type, title)


# ---------------------------------------------------------------------------------------------
# Ids, dates and text


def bot_api_chat_id(export_id: int, chat_type: str) -> int:
    """The Bot API id of an exported chat: -100… (supergroups, channels), -id (basic groups), id (users)."""
    if chat_type in {"supergroup", "channel"}:
        return -(10**12 + export_id)
    if chat_type == "group":
        return -export_id
    return export_id


def export_chat_id(chat: Chat) -> int:
    """The bare id the export gives a chat: ``bot_api_chat_id`` undone."""
    if chat.type in {"supergroup", "channel"}:
        return -chat.id - 10**12
    return -chat.id if chat.type == "group" else chat.id


# Telegram Desktop before 2021 (before its 64-bit ids) wrote numeric peer ids with the kind of peer above
# the low 32 bits (export_data_types.cpp: UserPeerId(id) = 1 << 32 | id, ChatPeerId(id) = 2 << 32 | id,
# the latter for basic groups and channels alike): a group's or channel's own id in the header, and the
# from_id and actor_id of a channel's posts.
USER_PEER_SHIFT = 1 << 32
CHAT_PEER_SHIFT = 2 << 32


def header_chat_id(export_id: int, chat_type: str) -> int:
    """The Bot API id of the chat an export's header names. A group's or channel's id that carries Desktop's
    old chat shift is unshifted: bare ids of groups and channels are far below it. A user's is taken as it
    is: user ids now reach the shifted range. A negative id is a Bot API id already: Telegram Desktop
    never writes one, tools that write its format from the Bot API or Telethon do (-100…)."""
    if export_id < 0:
        return export_id
    if chat_type != "private" and CHAT_PEER_SHIFT <= export_id < CHAT_PEER_SHIFT + USER_PEER_SHIFT:
        export_id -= CHAT_PEER_SHIFT
    return bot_api_chat_id(export_id, chat_type)


def import_update_id(chat_id: int, message_id: int, *about: str) -> int:
    """A negative update id, fixed by (chat_id, message_id): never one of Telegram's (positive) ids.
    ``about`` names another update about the same message (its reactions: "reactions", or "reaction"
    and who gave them)."""
    key = ":".join((str(chat_id), str(message_id), *about))
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return -(1 + (int.from_bytes(digest, "big") >> 1))


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise MalformedMessage(f"{what} is {value!r}, not an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise MalformedMessage(f"{what} is {value!r}, not an integer") from None


def _timestamp(message: dict[str, Any], prefix: str, export_tz: ZoneInfo | None) -> int | None:
    """Unix time of ``date``/``edited``: the ``*_unixtime`` member when the export has it; else the
    ISO date-time, which says its zone when it ends in ``Z`` or an offset, and is otherwise the local
    time of the exporting machine, read in ``export_tz``. A time before Telegram existed is no time."""
    unix_key, local_key = f"{prefix}_unixtime", prefix
    if message.get(unix_key) is not None:
        moment = _int(message[unix_key], unix_key)
    elif message.get(local_key) is None:
        return None
    else:
        moment = _local_timestamp(message, local_key, export_tz)
    return moment if moment >= TELEGRAM_LAUNCH else None


def _local_timestamp(message: dict[str, Any], key: str, export_tz: ZoneInfo | None) -> int:
    text = message[key]
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise MalformedMessage(f"{key} {text!r} is not an ISO date-time") from None
    if moment.tzinfo is None:
        if export_tz is None:
            raise export_timezone_missing(message, key)
        # An hour that happens twice when clocks go back is read as its first occurrence (fold=0).
        moment = moment.replace(tzinfo=export_tz)
    return int(moment.timestamp())


def export_timezone_missing(message: dict[str, Any], key: str) -> ExportError:
    """The error for a message whose ``key`` time can only be read with the exporting machine's time zone."""
    return ExportError(
        f"message {message.get('id')} has no {key}_unixtime (an export made by an older Telegram Desktop): its "
        f"{key} {message.get(key)!r} is the local time of the machine that exported it, in a zone the file does "
        "not name. Rerun with --export-timezone Area/City (that machine's IANA time zone, e.g. America/Sao_Paulo)."
    )


def needs_export_timezone(message: Any) -> bool:
    """Whether this message's time can only be read with the exporting machine's time zone."""
    if not isinstance(message, dict) or message.get("date_unixtime") is not None:
        return False
    text = message.get("date")
    if not isinstance(text, str):
        return False
    try:
        return datetime.fromisoformat(text).tzinfo is None
    except ValueError:
        return False


def convert_text(parts: Any) -> tuple[str, list[dict[str, Any]]]:
    """The plain text and Bot API entities (offsets and lengths in UTF-16 code units) of an export's
    ``text_entities`` list or ``text`` value (a string, or a list of strings and {type, text} parts)."""
    if isinstance(parts, str):
        return parts, []
    if not isinstance(parts, list):
        raise MalformedMessage(f"text is a {type(parts).__name__}, not a string or a list")
    pieces: list[str] = []
    entities: list[dict[str, Any]] = []
    offset = 0
    for part in parts:
        if isinstance(part, str):
            part = {"type": "plain", "text": part}
        if not isinstance(part, dict) or not isinstance(part.get("text"), str):
            raise MalformedMessage(f"text part {part!r} is not a string or a {{type, text}} object")
        text = part["text"]
        length = utf16_len(text)
        part_type = part.get("type", "plain")
        kind = ENTITY_TYPES.get(part_type) if isinstance(part_type, str) else None
        if kind and length:
            entities.append(_entity(part, kind, offset, length))
        pieces.append(text)
        offset += length
    return "".join(pieces), entities


def _entity(part: dict[str, Any], kind: str, offset: int, length: int) -> dict[str, Any]:
    """The Bot API MessageEntity of one text part, with the members its type has."""
    entity: dict[str, Any] = {"offset": offset, "length": length, "type": kind}
    if kind == "text_link":
        entity["url"] = part.get("href", "")
    elif kind == "text_mention":
        entity["user"] = {
            "id": _int(part.get("user_id"), "mention_name user_id"),
            "is_bot": False,
            "first_name": part["text"],
        }
    elif kind == "pre" and part.get("language"):
        entity["language"] = part["language"]
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = reactions.custom_emoji_id(part.get("document_id"))
    elif kind == "blockquote" and part.get("collapsed"):
        entity["type"] = "expandable_blockquote"
    return entity


# ---------------------------------------------------------------------------------------------
# Senders


def _peer(from_id: Any) -> tuple[str, int]:
    """('user'|'channel'|'chat', bare id) of an export's ``from_id``/``actor_id``: "user123", "channel123",
    "chat123", or, in exports of older Telegram Desktop versions, a number: a user's id, or a peer id with
    its kind shifted above the low 32 bits (``USER_PEER_SHIFT``)."""
    if type(from_id) is int and 0 < from_id < 1 << 32:  # < USER_PEER_SHIFT, as a constant Python folds
        return "user", from_id
    if type(from_id) is str and from_id.startswith("user") and from_id[4:].isascii() and from_id[4:].isdigit():
        return "user", int(from_id[4:])  # nearly every sender: the loop below reads it too, slower
    if type(from_id) is int and from_id > 0:
        return _shifted_peer(from_id)
    if isinstance(from_id, str):
        for kind in ("", "user", "channel", "chat"):
            digits = from_id[len(kind) :]
            if from_id.startswith(kind) and digits.isascii() and digits.isdigit():
                return kind or "user", int(digits)
    raise MalformedMessage(f"sender id {from_id!r} is not user<id>, channel<id>, chat<id> or a user's number")


def _shifted_peer(peer_id: int) -> tuple[str, int]:
    """A numeric peer id of at least 2^32: Desktop's old shifted user id, or its shifted group or channel
    id, read as a channel (the export does not tell them apart; ``_sender`` knows the chat's own)."""
    if peer_id < CHAT_PEER_SHIFT:
        return "user", peer_id - USER_PEER_SHIFT
    if peer_id < CHAT_PEER_SHIFT + USER_PEER_SHIFT:
        return "channel", peer_id - CHAT_PEER_SHIFT
    return "user", peer_id


def _readable_peer(from_id: Any) -> tuple[str, int] | None:
    """``_peer``, or None for an id that names nobody: older exports write 0 for a sender they could not
    resolve, damaged ones anything. Such a message is still the group's: its sender is unknown."""
    try:
        kind, bare = _peer(from_id)
    except MalformedMessage:
        return None
    return (kind, bare) if bare > 0 else None


def _user(user_id: int | None, name: Any) -> dict[str, Any]:
    # The export has one display name; it goes whole into first_name. Whether a sender is a bot is not
    # exported either. A member named only in a service message may have no known id.
    user = {"id": user_id} if user_id is not None else {}
    return {**user, "is_bot": False, "first_name": name if isinstance(name, str) and name else "Deleted Account"}


def _peer_chat(kind: str, bare: int, title: str) -> dict[str, Any]:
    """The Bot API chat of a ``channel<id>``/``chat<id>`` peer."""
    chat_type = "channel" if kind == "channel" else "group"
    return {"id": bot_api_chat_id(bare, chat_type), "type": chat_type, "title": title}


def _sender(chat: Chat, message: dict[str, Any]) -> dict[str, Any]:
    peer = _readable_peer(message.get("from_id"))
    if peer is None:
        # Channel posts of older exports name no sender: the channel itself posted. Elsewhere a
        # message without a readable sender id (0 in older exports; a damaged export: the key renamed,
        # "ERROR:from_id") gets no `from`, and the reports count it under "unknown sender".
        return {"sender_chat": chat.as_bot_api()} if chat.type == "channel" else {}
    kind, bare = peer
    if kind == "user":
        return {"from": _user(bare, message.get("from"))}
    if chat.type == "channel":
        return {"sender_chat": chat.as_bot_api()}
    if bare == export_chat_id(chat):
        # An anonymous admin: Telegram sends it as GroupAnonymousBot on behalf of the group itself.
        return {"from": dict(GROUP_ANONYMOUS_BOT), "sender_chat": chat.as_bot_api()}
    sender_chat = _peer_chat(kind, bare, message.get("from") if isinstance(message.get("from"), str) else "")
    return {"from": dict(CHANNEL_BOT), "sender_chat": sender_chat}


def _actor(chat: Chat, message: dict[str, Any]) -> dict[str, Any]:
    peer = _readable_peer(message.get("actor_id"))
    if peer is None:
        return {}
    kind, bare = peer
    if kind == "user":
        return {"from": _user(bare, message.get("actor"))}
    if chat.type == "channel":
        return {"sender_chat": chat.as_bot_api()}
    return {"from": dict(GROUP_ANONYMOUS_BOT), "sender_chat": chat.as_bot_api()}


def _reply(message: dict[str, Any]) -> dict[str, Any]:
    reply_to = message.get("reply_to_message_id")
    if reply_to is None or message.get("reply_to_peer_id"):
        # A reply to a message of another chat has no message_id in this one.
        return {}
    return {"reply_to_message": {"message_id": _int(reply_to, "reply_to_message_id")}}


def _forward(message: dict[str, Any]) -> dict[str, Any]:
    if "forwarded_from" not in message and "forwarded_from_id" not in message:
        return {}
    name = message.get("forwarded_from") if isinstance(message.get("forwarded_from"), str) else ""
    # The export does not say when the original was sent.
    if (peer := _readable_peer(message.get("forwarded_from_id"))) is not None:
        kind, bare = peer
        if kind == "user":
            return {"forward_origin": {"type": "user", "sender_user": _user(bare, name)}}
        if kind == "channel":
            return {"forward_origin": {"type": "channel", "chat": _peer_chat(kind, bare, name)}}
        return {"forward_origin": {"type": "chat", "sender_chat": _peer_chat(kind, bare, name)}}
    # Only a name (older exports name every origin so, channels too): the Bot API has no origin for a
    # source it names without its id but a hidden user's. The reports call both 'name only'.
    return {"forward_origin": {"type": "hidden_user", "sender_user_name": name}}


def _copied_from_channel(chat: Chat, message: dict[str, Any]) -> bool:
    """A channel's post copied into its discussion group: in a supergroup, sent on behalf of a channel
    and forwarded from it (an older export, naming the origin by name alone, does not say; the
    consolidation tells those by the names, ``group_updates.copied_from_channel``)."""
    if chat.type != "supergroup":
        return False
    sender = _readable_peer(message.get("from_id"))
    if sender is None or sender[0] != "channel" or sender[1] == export_chat_id(chat):
        return False
    return _readable_peer(message.get("forwarded_from_id")) == sender


# What the Bot API's automatic forward says beyond a message sent on behalf of the channel: Telegram
# sent it, and it marks it so.
AUTOMATIC_FORWARD = {"from": TELEGRAM_SERVICE, "is_automatic_forward": True}


# ---------------------------------------------------------------------------------------------
# One exported message -> one Bot API update


_encode = msgspec.json.Encoder().encode


def _compact_json(update: dict[str, Any]) -> bytes:
    """The update as compact UTF-8 JSON: msgspec writes the bytes ``json.dumps(update, ensure_ascii=False,
    separators=(",", ":"))`` does, four times faster; ``json`` takes what msgspec cannot (an integer
    beyond 64 bits)."""
    try:
        try:
            return _encode(update)
        except (OverflowError, TypeError):
            return json.dumps(update, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedMessage("holds half of a UTF-16 surrogate pair (a lone \\udXXX escape), not text") from None


@dataclass(frozen=True)
class Update:
    update_id: int
    context_date: str
    body: bytes
    message_id: int = 0
    service: bool = False  # a service message (a join, a pin, a topic created, …), not one a person posted

    @property
    def key(self) -> str:
        """Where the webhook would store this update alone (imports write days of them, ``DayObjects``)."""
        return raw_zone.update_key(self.context_date, self.update_id)


class Converter:
    """Turns exported messages of one chat into Bot API updates. A first pass over the chat (``learn``)
    remembers senders' names, so that service messages, which name members only by display name, can
    give their user ids, whether the chat is a forum, and a supergroup's replies; the second converts,
    following each forum message's replies to its topic (``topics.py``), and each other reply of a
    supergroup to the top of its thread (``threads.py``)."""

    def __init__(self, chat: Chat, tz: ZoneInfo, export_tz: ZoneInfo | None = None):
        self.chat, self.tz, self.export_tz = chat, tz, export_tz
        self.user_ids_by_name: dict[str, int | None] = {}
        self.chat_object = chat.as_bot_api()  # the same in every update, and only ever serialised
        self.topics: TopicChains | None = TopicChains() if chat.is_forum else None
        self.threads: ReplyThreads | None = ReplyThreads() if chat.type == "supergroup" else None
        self._days: dict[int, str] = {}

    def _day(self, moment: int) -> str:
        """The day of ``moment`` in TIMEZONE, remembered per quarter of an hour: no time zone changes
        its offset inside one, and a busy day's messages then cost one conversion each quarter."""
        quarter = moment // 900
        day = self._days.get(quarter)
        if day is None:
            if len(self._days) > 4096:
                self._days.clear()
            day = self._days[quarter] = datetime.fromtimestamp(moment, self.tz).date().isoformat()
        return day

    def learn(self, message: dict[str, Any]) -> None:
        """What the first pass notes of a message: its sender's name, and a topic's creation (the chat is
        then a forum, every message of it in a topic)."""
        if self.topics is None and is_topic_creation(message):
            self.chat = replace(self.chat, is_forum=True)
            self.chat_object = self.chat.as_bot_api()
            self.topics = TopicChains()
        self.learn_names(message)

    def learn_names(self, message: dict[str, Any]) -> None:
        for name_key, id_key in (("from", "from_id"), ("actor", "actor_id")):
            name, peer = message.get(name_key), message.get(id_key)
            if not isinstance(name, str):
                continue
            try:
                kind, user_id = _peer(peer)
            except MalformedMessage:
                continue
            # Two people with the same display name: neither can be told by name.
            if kind == "user" and self.user_ids_by_name.setdefault(name, user_id) != user_id:
                self.user_ids_by_name[name] = None

    def member(self, name: Any) -> dict[str, Any]:
        # None when never seen posting, or ambiguous: the export gives no id for this member.
        return _user(self.user_ids_by_name.get(name) if isinstance(name, str) else None, name)

    def convert(self, message: dict[str, Any]) -> Update | None:
        """The update of one exported message; None for what a bot never receives (calls, "joined
        Telegram", unsupported media, …). Raises MalformedMessage for a message that cannot be read."""
        if not isinstance(message, dict):
            raise MalformedMessage(f"a {type(message).__name__} where a message object was expected")
        message_id = _int(message.get("id"), "id")
        topic = self._topic(message, message_id)  # of every message: a reply to one no bot receives leads on
        kind = message.get("type")
        if kind == "unsupported":
            return None
        if not isinstance(kind, str) or kind not in {"message", "service"}:
            raise MalformedMessage(f"type {kind!r} is neither message nor service")
        sent = _timestamp(message, "date", self.export_tz)
        if sent is None:
            found = message.get("date_unixtime", message.get("date"))
            raise MalformedMessage(
                "no date_unixtime and no date" if found is None else f"date {found!r} is before Telegram (2013-08-14)"
            )
        body = self._body(message, message_id, sent, topic)
        if body is None:
            return None
        update_id = import_update_id(self.chat.id, message_id)
        update_type = "channel_post" if self.chat.type == "channel" and kind == "message" else "message"
        action = message.get("action") if kind == "service" else None
        # how a member joined, which no field of the Bot API's service message says: parse.joined_by reads it
        joined = {"x_joined_by": JOINED_BY[action]} if isinstance(action, str) and action in JOINED_BY else {}
        update = {"update_id": update_id, "x_source": "export", **joined, update_type: body}
        day = self._day(sent)
        return Update(update_id, day, _compact_json(update), message_id, service=kind == "service")

    def _topic(self, message: dict[str, Any], message_id: int) -> int | None:
        """The forum topic of a message (None outside forums): that of the message it replies to."""
        if self.topics is None:
            return None
        return self.topics.topic(message_id, message, replied_to(message))

    def reactions(self, message: dict[str, Any], update: Update) -> list[Update]:
        """The updates of the reactions an exported message holds (``reactions.py``), dated and filed like
        the message's own ``update``."""
        held = reactions.counted(message.get("reactions"))
        if not held:
            return []
        date = _timestamp(message, "date", self.export_tz)  # read already by convert: it cannot fail here
        chat_id, message_id = self.chat.id, update.message_id
        payloads = [
            ("reactions", "message_reaction_count", reactions.count_update(self.chat_object, message_id, date, held))
        ]
        payloads += [
            (f"reaction:{who}", "message_reaction", payload)
            for who, payload in reactions.reactor_updates(self.chat_object, message_id, date, held, self._reactor)
        ]
        found = []
        for about, kind, payload in payloads:
            update_id = import_update_id(chat_id, message_id, about)
            body = _compact_json({"update_id": update_id, "x_source": "export", kind: payload})
            found.append(Update(update_id, update.context_date, body, message_id))
        return found

    def _reactor(self, from_id: Any, name: Any) -> dict[str, Any] | None:
        """Who reacted, as a message_reaction names them: a ``user``, or the ``actor_chat`` a chat reacted as."""
        peer = _readable_peer(from_id)
        if peer is None:
            return None
        kind, bare = peer
        if kind == "user":
            return {"user": _user(bare, name)}
        return {"actor_chat": _peer_chat(kind, bare, name if isinstance(name, str) else "")}

    def _body(self, message: dict[str, Any], message_id: int, sent: int, topic: int | None) -> dict[str, Any] | None:
        """The Bot API Message of an exported message or service message; None for a service message
        no bot receives."""
        service = message.get("type") == "service"
        body: dict[str, Any] = {
            "message_id": message_id,
            **(_actor(self.chat, message) if service else _sender(self.chat, message)),
            "chat": self.chat_object,
            "date": sent,
        }
        if topic is not None:
            if topic != GENERAL_TOPIC_ID:
                # as the Bot API marks a message of a topic; a message of the General topic carries neither
                body.update(message_thread_id=topic, is_topic_message=True)
        elif self.threads is not None and (reply_to := replied_to(message)) is not None:
            body["message_thread_id"] = self.threads.thread_of(reply_to)
        if service:
            action = self._service(message, body.get("from"))
            return None if action is None else {**body, **action}
        edited = _timestamp(message, "edited", self.export_tz)
        if edited is not None:
            body["edit_date"] = edited
        if isinstance(message.get("author"), str):
            body["author_signature"] = message["author"]
        body.update(_reply(message))
        body.update(_forward(message))
        if "forwarded_from_id" in message and _copied_from_channel(self.chat, message):
            body.update(AUTOMATIC_FORWARD)
        body.update(self._content(message))
        return body

    def _content(self, message: dict[str, Any]) -> dict[str, Any]:
        """What the message holds: its media (if any) and its text, which is the media's caption when
        the media can have one."""
        text, entities = convert_text(
            message["text_entities"] if "text_entities" in message else message.get("text", "")
        )
        media, captioned = media_fields(message)
        if not text:
            return media
        if media and captioned:
            return {**media, "caption": text, **({"caption_entities": entities} if entities else {})}
        return {**media, "text": text, **({"entities": entities} if entities else {})}

    def _service(self, message: dict[str, Any], actor: dict[str, Any] | None) -> dict[str, Any] | None:
        """The Bot API service member of a service message (``actor`` is its ``from``); None when bots
        never receive it, or when the action is no action Telegram Desktop writes (not a string)."""
        action = message.get("action")
        build = _SERVICE_ACTIONS.get(action) if isinstance(action, str) else None
        return None if build is None else build(self, message, actor)


# ---------------------------------------------------------------------------------------------
# Service actions: export ``action`` -> the Bot API service member, built from (converter, message, actor)


def _members(message: dict[str, Any]) -> list[Any]:
    return message.get("members") if isinstance(message.get("members"), list) else []


def _joined(converter: Converter, message: dict[str, Any], actor: dict[str, Any] | None) -> dict[str, Any]:
    return {"new_chat_members": [actor]} if actor else {"new_chat_members": []}


def _removed(converter: Converter, message: dict[str, Any], actor: dict[str, Any] | None) -> dict[str, Any]:
    members = _members(message)
    return {"left_chat_member": converter.member(members[0])} if members else {"left_chat_member": actor or {}}


def _pinned(converter: Converter, message: dict[str, Any], actor: dict[str, Any] | None) -> dict[str, Any] | None:
    pinned = message.get("message_id")
    if pinned is None:
        return None
    # An InaccessibleMessage, as the Bot API gives for a pinned message it does not repeat.
    chat = converter.chat.as_bot_api()
    return {"pinned_message": {"chat": chat, "message_id": _int(pinned, "message_id"), "date": 0}}


def _group_call(converter: Converter, message: dict[str, Any], actor: dict[str, Any] | None) -> dict[str, Any]:
    duration = message.get("duration")
    return {"video_chat_ended": {"duration": duration}} if duration else {"video_chat_started": {}}


def _topic_edited(converter: Converter, message: dict[str, Any], actor: dict[str, Any] | None) -> dict[str, Any]:
    # Telegram Desktop writes no reply_to_message_id on a service message, so an export's topic_edit
    # does not say which topic it renamed: its new name is not given to any topic.
    return {"forum_topic_edited": {}}


# How a member who joined by themselves came in, which the Bot API's service message does not say.
JOINED_BY = {"join_group_by_link": "link", "join_group_by_request": "request"}

_SERVICE_ACTIONS = {
    "invite_members": lambda c, m, a: {"new_chat_members": [c.member(name) for name in _members(m)]},
    "join_group_by_link": _joined,
    "join_group_by_request": _joined,
    "remove_members": _removed,
    "create_group": lambda c, m, a: {"group_chat_created": True},
    "create_channel": lambda c, m, a: {"channel_chat_created": True},
    # The export names the old group by title only: its id is not known.
    "migrate_from_group": lambda c, m, a: {"migrate_from_chat_id": None},
    "migrate_to_supergroup": lambda c, m, a: {"migrate_to_chat_id": None},
    "edit_group_title": lambda c, m, a: {"new_chat_title": m.get("title", "")},
    "edit_group_photo": lambda c, m, a: {"new_chat_photo": [dimensions(m)]},
    "delete_group_photo": lambda c, m, a: {"delete_chat_photo": True},
    "pin_message": _pinned,
    "set_messages_ttl": lambda c, m, a: {
        "message_auto_delete_timer_changed": {"message_auto_delete_time": m.get("period", 0)}
    },
    "group_call": _group_call,
    "group_call_scheduled": lambda c, m, a: {"video_chat_scheduled": {"start_date": m.get("schedule_date", 0)}},
    "invite_to_group_call": lambda c, m, a: {
        "video_chat_participants_invited": {"users": [c.member(name) for name in _members(m)]}
    },
    "topic_created": lambda c, m, a: {"forum_topic_created": {"name": m.get("title", "")}},
    "topic_edit": _topic_edited,
    "boost_apply": lambda c, m, a: {"boost_added": {"boost_count": m.get("boosts", 1)}},
}
