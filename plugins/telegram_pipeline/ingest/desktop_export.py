"""Import a Telegram Desktop chat export ("Export chat history", JSON) into the raw zone.

Each exported message becomes one Bot API-shaped update, as the webhook would have stored it, and the
updates of one chat and day go into one JSON-lines object (one update a line) in that day's folder:
``{RAW_URI}/context_date=YYYY-MM-DD/export-chat{chat_id}-msg{first message id}/{content hash}.jsonl``,
the day being the message's ``date`` in TIMEZONE. The consolidation reads these objects beside the
webhook's single updates, so history and live data are counted alike. One object a day is one PUT a
day on S3, where one object a message was one PUT a message.

- ``update_id`` is negative and derived from (chat_id, message_id): it never collides with
  Telegram's (positive) ids, and a rerun gives the same updates, the same objects, the same names.
- An object's folder is named after its chat and first message, its file after its content: a rerun
  rewrites the same key with the same bytes; an export that says more about a day (a later export of
  the same chat) replaces that folder's object, and the new name tells the consolidation's late-data
  check that the day changed.
- The update carries ``"x_source": "export"``, so the curated column ``source`` is ``export``.
- The chat id is the Bot API's (``-100…`` for supergroups and channels), so a message both imported
  and received live has the same (chat_id, message_id) and is counted once.
- An edited message is imported as ``message`` with ``edit_date``: it counts once, with the text the
  export holds (its latest).

The export is one JSON object whose ``messages`` array may hold millions of messages, so it is read
in chunks and decoded one message at a time, twice: first for the senders' names (service messages
name the members they add or remove by display name only), then to convert and write. Memory holds
the names and the days being filled, whatever the file's size.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import sys
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from telegram_pipeline import config
from telegram_pipeline.lake import storage
from telegram_pipeline.lake.parse import utf16_len

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

# Telegram's first day (14 August 2013): an earlier time in an export is no time at all. Older
# Telegram Desktop versions wrote "edited": <the Unix epoch as a local time> for unedited messages.
TELEGRAM_LAUNCH = 1_376_438_400

CHUNK_BYTES = 1 << 20
# A JSON error this far before the end of what has been read is in the file, not an effect of
# reading it in chunks: no string in an export comes near it (a message is at most 4096 characters).
ERROR_MARGIN_CHARS = 1 << 16
# A day's object holds at most this much; a bigger day (or one whose messages the export does not
# keep together) continues in another object, named after its own first message.
PART_BYTES = 8 << 20
# Days filled at once: the day being read and the one before it (a message dated just before midnight
# may follow one dated just after it); a third day closes the oldest.
OPEN_DAYS = 2
# Objects being written at once: S3 PUTs wait on the network, so a few in flight.
PARTS_IN_FLIGHT = 8
_WHITESPACE = re.compile(r"[ \t\n\r]*")
# Telegram Desktop writes "id" first in every message, and nowhere else: where the next message starts.
_MESSAGE_START = re.compile(r'\{\s*"id"\s*:')
_ID_NEAR = re.compile(r'"id"\s*:\s*(-?\d+)')
_END_OF_EXPORT = re.compile(r"\]\s*\}\s*\Z")


class ExportError(ValueError):
    """The export cannot be imported as asked (the CLI prints it and exits with status 2)."""


class MalformedMessage(ValueError):
    """One message of the export cannot be converted; it is reported and skipped."""


class CutShortError(ExportError):
    """The file ends before the export does; what was read before that point stays imported."""

    def __init__(self, message: str, result: ImportResult):
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class Chat:
    id: int
    type: str
    title: str

    def as_bot_api(self) -> dict[str, Any]:
        if self.type == "private":
            return {"id": self.id, "type": "private", "first_name": self.title}
        return {"id": self.id, "type": self.type, "title": self.title}


@dataclass
class ImportResult:
    chat: Chat | None = None
    messages: int = 0
    skipped: int = 0
    skipped_details: list[tuple[str, str]] = field(default_factory=list)
    not_for_bots: int = 0
    days: set[str] = field(default_factory=set)
    objects: int = 0  # objects written to the raw zone
    bytes_read: int = 0
    bytes_total: int = 0

    @property
    def first_day(self) -> str | None:
        return min(self.days) if self.days else None

    @property
    def last_day(self) -> str | None:
        return max(self.days) if self.days else None

    def skip(self, what: str, reason: str) -> None:
        self.skipped += 1
        if len(self.skipped_details) < 1000:
            self.skipped_details.append((what, reason))

    def why_nothing(self) -> str | None:
        """Why an export that has messages gave no update at all; None when it gave some, or had none."""
        if self.messages or not (self.skipped or self.not_for_bots):
            return None
        seen = self.skipped + self.not_for_bots
        parts = []
        if self.skipped:
            reasons = list(dict.fromkeys(reason for _, reason in self.skipped_details))
            parts.append(f"{self.skipped:,} could not be read (" + "; ".join(reasons[:3]) + ")")
        if self.not_for_bots:
            parts.append(f'{self.not_for_bots:,} are things no bot receives (calls, "joined Telegram", …)')
        return f"none of the export's {seen:,} messages became an update: " + ", and ".join(parts)


# ---------------------------------------------------------------------------------------------
# Ids, dates and text


def bot_api_chat_id(export_id: int, chat_type: str) -> int:
    """The Bot API id of an exported chat: -100… (supergroups, channels), -id (basic groups), id (users)."""
    if chat_type in {"supergroup", "channel"}:
        return -(10**12 + export_id)
    if chat_type == "group":
        return -export_id
    return export_id


def import_update_id(chat_id: int, message_id: int) -> int:
    """A negative update id, fixed by (chat_id, message_id): never one of Telegram's (positive) ids."""
    digest = hashlib.blake2b(f"{chat_id}:{message_id}".encode("ascii"), digest_size=8).digest()
    return -(1 + (int.from_bytes(digest, "big") >> 1))


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
        kind = ENTITY_TYPES.get(part.get("type", "plain"))
        if kind and length:
            entity: dict[str, Any] = {"offset": offset, "length": length, "type": kind}
            if kind == "text_link":
                entity["url"] = part.get("href", "")
            elif kind == "text_mention":
                entity["user"] = {
                    "id": _int(part.get("user_id"), "mention_name user_id"),
                    "is_bot": False,
                    "first_name": text,
                }
            elif kind == "pre" and part.get("language"):
                entity["language"] = part["language"]
            elif kind == "custom_emoji":
                entity["custom_emoji_id"] = str(part.get("document_id", ""))
            elif kind == "blockquote" and part.get("collapsed"):
                entity["type"] = "expandable_blockquote"
            entities.append(entity)
        pieces.append(text)
        offset += length
    return "".join(pieces), entities


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
            raise ExportError(_needs_export_timezone(message, key))
        # An hour that happens twice when clocks go back is read as its first occurrence (fold=0).
        moment = moment.replace(tzinfo=export_tz)
    return int(moment.timestamp())


def _needs_export_timezone(message: dict[str, Any], key: str) -> str:
    return (
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


def _peer(from_id: Any) -> tuple[str, int]:
    """('user'|'channel'|'chat', bare id) of an export's ``from_id``/``actor_id``: "user123", "channel123",
    "chat123", or, in exports of older Telegram Desktop versions (which named only users), 123."""
    if type(from_id) is int and from_id > 0:
        return "user", from_id
    if isinstance(from_id, str):
        for kind in ("", "user", "channel", "chat"):
            digits = from_id[len(kind) :]
            if from_id.startswith(kind) and digits.isascii() and digits.isdigit():
                return kind or "user", int(digits)
    raise MalformedMessage(f"sender id {from_id!r} is not user<id>, channel<id>, chat<id> or a user's number")


def _user(user_id: int | None, name: Any) -> dict[str, Any]:
    # The export has one display name; it goes whole into first_name. Whether a sender is a bot is not
    # exported either. A member named only in a service message may have no known id.
    user = {"id": user_id} if user_id is not None else {}
    return {**user, "is_bot": False, "first_name": name if isinstance(name, str) and name else "Deleted Account"}


def _size(message: dict[str, Any]) -> dict[str, int]:
    return {k: message[k] for k in ("width", "height") if isinstance(message.get(k), int)}


def _peer_chat(kind: str, bare: int, title: str) -> dict[str, Any]:
    """The Bot API chat of a ``channel<id>``/``chat<id>`` peer."""
    chat_type = "channel" if kind == "channel" else "group"
    return {"id": bot_api_chat_id(bare, chat_type), "type": chat_type, "title": title}


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


def _media(message: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """(the Bot API media fields of an exported message, whether its text is their caption)."""
    if "photo" in message:
        return {"photo": [_photo(message)]}, True
    if "file" in message or message.get("media_type"):
        return _file(message)
    for is_it, build in _OTHER_MEDIA:
        if is_it(message):
            return build(message), True
    return {}, False


def _photo(message: dict[str, Any]) -> dict[str, Any]:
    photo = _size(message)
    if isinstance(message.get("photo_file_size"), int):
        photo["file_size"] = message["photo_file_size"]
    return photo


def _file(message: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """A file of the export: a sticker, voice or video message, video, animation, audio or document."""
    info = {k: message[k] for k in ("file_name", "mime_type", "file_size") if message.get(k) is not None}
    duration = message.get("duration_seconds")
    timed = {"duration": duration} if isinstance(duration, int) else {}
    size = _size(message)
    media_type = message.get("media_type")
    if media_type == "sticker":
        name = str(message.get("file") or "")
        emoji = {"emoji": message["sticker_emoji"]} if message.get("sticker_emoji") else {}
        sticker = {"type": "regular", **size, "is_animated": name.endswith(".tgs"), "is_video": name.endswith(".webm")}
        return {"sticker": {**sticker, **emoji}}, False
    if media_type == "voice_message":
        return {"voice": {**timed, **{k: v for k, v in info.items() if k != "file_name"}}}, True
    if media_type == "video_message":
        width = message.get("width")
        return {"video_note": {**timed, **({"length": width} if isinstance(width, int) else {})}}, False
    if media_type == "video_file":
        return {"video": {**size, **timed, **info}}, True
    if media_type == "animation":  # as Telegram does: an animation is also announced as a document
        return {"animation": {**size, **timed, **info}, "document": dict(info)}, True
    if media_type == "audio_file":
        extra = {k: message[k] for k in ("performer", "title") if isinstance(message.get(k), str)}
        return {"audio": {**timed, **extra, **info}}, True
    return {"document": dict(info)}, True


def _poll(message: dict[str, Any]) -> dict[str, Any]:
    poll = message["poll"]
    answers = poll.get("answers") if isinstance(poll.get("answers"), list) else []
    options = [{"text": a.get("text", ""), "voter_count": a.get("voters", 0)} for a in answers if isinstance(a, dict)]
    return {
        "poll": {
            "question": poll.get("question", ""),
            "options": options,
            "total_voter_count": poll.get("total_voters", 0),
            "is_closed": bool(poll.get("closed", False)),
            "type": "regular",
        }
    }


def _contact(message: dict[str, Any]) -> dict[str, Any]:
    contact = message["contact_information"]
    return {"contact": {k: contact[k] for k in ("phone_number", "first_name", "last_name") if contact.get(k)}}


def _place(message: dict[str, Any]) -> dict[str, Any]:
    """A shared location, or a venue (which the Bot API also gives as its location)."""
    point = message.get("location_information")
    location = {"latitude": point["latitude"], "longitude": point["longitude"]} if isinstance(point, dict) else {}
    if isinstance(message.get("live_location_period_seconds"), int):
        location["live_period"] = message["live_location_period_seconds"]
    if "place_name" not in message:
        return {"location": location}
    venue = {"location": location, "title": message.get("place_name", ""), "address": message.get("address", "")}
    return {"venue": venue, "location": location}


def _game(message: dict[str, Any]) -> dict[str, Any]:
    return {"game": {"title": message["game_title"], "description": message.get("game_description", "")}}


_OTHER_MEDIA = (
    (lambda m: isinstance(m.get("poll"), dict), _poll),
    (lambda m: isinstance(m.get("contact_information"), dict), _contact),
    (lambda m: "place_name" in m or "location_information" in m, _place),
    (lambda m: bool(m.get("game_title")), _game),
)


@dataclass(frozen=True)
class Update:
    update_id: int
    context_date: str
    body: bytes
    message_id: int = 0

    @property
    def key(self) -> str:
        """Where the webhook would store this update alone (imports write days of them, ``DayObjects``)."""
        return f"context_date={self.context_date}/{self.update_id}.json"


class Converter:
    """Turns exported messages of one chat into Bot API updates; remembers senders' names so that
    service messages, which name members only by display name, can give their user ids."""

    def __init__(self, chat: Chat, tz: ZoneInfo, export_tz: ZoneInfo | None = None):
        self.chat, self.tz, self.export_tz = chat, tz, export_tz
        self.user_ids_by_name: dict[str, int | None] = {}
        self.chat_object = chat.as_bot_api()  # the same in every update, and only ever serialised
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
        kind = message.get("type")
        if kind == "unsupported":
            return None
        if kind not in {"message", "service"}:
            raise MalformedMessage(f"type {kind!r} is neither message nor service")
        sent = _timestamp(message, "date", self.export_tz)
        if sent is None:
            found = message.get("date_unixtime", message.get("date"))
            raise MalformedMessage(
                "no date_unixtime and no date" if found is None else f"date {found!r} is before Telegram (2013-08-14)"
            )
        body = self._body(message, message_id, sent)
        if body is None:
            return None
        update_id = import_update_id(self.chat.id, message_id)
        update_type = "channel_post" if self.chat.type == "channel" and kind == "message" else "message"
        update = {"update_id": update_id, "x_source": "export", update_type: body}
        day = self._day(sent)
        return Update(update_id, day, _compact_json(update), message_id)

    def _body(self, message: dict[str, Any], message_id: int, sent: int) -> dict[str, Any] | None:
        """The Bot API Message of an exported message or service message; None for a service message
        no bot receives."""
        service = message.get("type") == "service"
        body: dict[str, Any] = {
            "message_id": message_id,
            **(self._actor(message) if service else self._sender(message)),
            "chat": self.chat_object,
            "date": sent,
        }
        if service:
            action = self._service(message, body.get("from"))
            return None if action is None else {**body, **action}
        edited = _timestamp(message, "edited", self.export_tz)
        if edited is not None:
            body["edit_date"] = edited
        if isinstance(message.get("author"), str):
            body["author_signature"] = message["author"]
        return {**body, **self._reply(message), **self._forward(message), **self._content(message)}

    def _sender(self, message: dict[str, Any]) -> dict[str, Any]:
        if "from_id" not in message or message["from_id"] is None:
            # Channel posts of older exports name no sender: the channel itself posted. Elsewhere a
            # message without a sender id (a damaged export: the key renamed, "ERROR:from_id") gets no
            # `from`, and the reports count it under "unknown sender".
            return {"sender_chat": self.chat.as_bot_api()} if self.chat.type == "channel" else {}
        kind, bare = _peer(message["from_id"])
        if kind == "user":
            return {"from": _user(bare, message.get("from"))}
        if self.chat.type == "channel":
            return {"sender_chat": self.chat.as_bot_api()}
        sender_chat = _peer_chat(kind, bare, message.get("from") if isinstance(message.get("from"), str) else "")
        if sender_chat["id"] == self.chat.id:
            # An anonymous admin: Telegram sends it as GroupAnonymousBot on behalf of the group itself.
            return {"from": dict(GROUP_ANONYMOUS_BOT), "sender_chat": self.chat.as_bot_api()}
        return {"from": dict(CHANNEL_BOT), "sender_chat": sender_chat}

    def _actor(self, message: dict[str, Any]) -> dict[str, Any]:
        if not message.get("actor_id"):
            return {}
        kind, bare = _peer(message["actor_id"])
        if kind == "user":
            return {"from": _user(bare, message.get("actor"))}
        if self.chat.type == "channel":
            return {"sender_chat": self.chat.as_bot_api()}
        return {"from": dict(GROUP_ANONYMOUS_BOT), "sender_chat": self.chat.as_bot_api()}

    def _reply(self, message: dict[str, Any]) -> dict[str, Any]:
        reply_to = message.get("reply_to_message_id")
        if reply_to is None or message.get("reply_to_peer_id"):
            # A reply to a message of another chat has no message_id in this one.
            return {}
        return {"reply_to_message": {"message_id": _int(reply_to, "reply_to_message_id")}}

    def _forward(self, message: dict[str, Any]) -> dict[str, Any]:
        if "forwarded_from" not in message and "forwarded_from_id" not in message:
            return {}
        name = message.get("forwarded_from") if isinstance(message.get("forwarded_from"), str) else ""
        # The export does not say when the original was sent.
        if message.get("forwarded_from_id"):
            kind, bare = _peer(message["forwarded_from_id"])
            if kind == "user":
                return {"forward_origin": {"type": "user", "sender_user": _user(bare, name)}}
            if kind == "channel":
                return {"forward_origin": {"type": "channel", "chat": _peer_chat(kind, bare, name)}}
            return {"forward_origin": {"type": "chat", "sender_chat": _peer_chat(kind, bare, name)}}
        # Only a name: a hidden user, as the Bot API reports senders it cannot link to.
        return {"forward_origin": {"type": "hidden_user", "sender_user_name": name}}

    def _content(self, message: dict[str, Any]) -> dict[str, Any]:
        """What the message holds: its media (if any) and its text, which is the media's caption when
        the media can have one."""
        text, entities = convert_text(
            message["text_entities"] if "text_entities" in message else message.get("text", "")
        )
        media, captioned = _media(message)
        if not text:
            return media
        if media and captioned:
            return {**media, "caption": text, **({"caption_entities": entities} if entities else {})}
        return {**media, "text": text, **({"entities": entities} if entities else {})}

    def _service(self, message: dict[str, Any], actor: dict[str, Any] | None) -> dict[str, Any] | None:
        """The Bot API service member of a service message (``actor`` is its ``from``); None when bots
        never receive it."""
        action = message.get("action")
        members = message.get("members") if isinstance(message.get("members"), list) else []
        if action == "invite_members":
            return {"new_chat_members": [self.member(name) for name in members]}
        if action in {"join_group_by_link", "join_group_by_request"}:
            return {"new_chat_members": [actor]} if actor else {"new_chat_members": []}
        if action == "remove_members":
            return {"left_chat_member": self.member(members[0])} if members else {"left_chat_member": actor or {}}
        if action == "create_group":
            return {"group_chat_created": True}
        if action == "create_channel":
            return {"channel_chat_created": True}
        if action == "migrate_from_group":
            # The export names the old group by title only: its id is not known.
            return {"migrate_from_chat_id": None}
        if action == "migrate_to_supergroup":
            return {"migrate_to_chat_id": None}
        if action == "edit_group_title":
            return {"new_chat_title": message.get("title", "")}
        if action == "edit_group_photo":
            return {"new_chat_photo": [_size(message)]}
        if action == "delete_group_photo":
            return {"delete_chat_photo": True}
        if action == "pin_message":
            pinned = message.get("message_id")
            if pinned is None:
                return None
            # An InaccessibleMessage, as the Bot API gives for a pinned message it does not repeat.
            return {
                "pinned_message": {"chat": self.chat.as_bot_api(), "message_id": _int(pinned, "message_id"), "date": 0}
            }
        if action == "set_messages_ttl":
            return {"message_auto_delete_timer_changed": {"message_auto_delete_time": message.get("period", 0)}}
        if action == "group_call":
            duration = message.get("duration")
            return {"video_chat_ended": {"duration": duration}} if duration else {"video_chat_started": {}}
        if action == "group_call_scheduled":
            return {"video_chat_scheduled": {"start_date": message.get("schedule_date", 0)}}
        if action == "invite_to_group_call":
            return {"video_chat_participants_invited": {"users": [self.member(name) for name in members]}}
        if action == "topic_created":
            return {"forum_topic_created": {"name": message.get("title", "")}}
        if action == "topic_edit":
            return {"forum_topic_edited": {"name": message["new_title"]} if message.get("new_title") else {}}
        if action == "boost_apply":
            return {"boost_added": {"boost_count": message.get("boosts", 1)}}
        return None


# ---------------------------------------------------------------------------------------------
# Streaming the export


@dataclass
class _Broken:
    """A message that is not valid JSON: where it was and what it looked like."""

    line: int
    message_id: str | None
    reason: str


class _Truncated(Exception):
    pass


class ExportReader:
    """Reads a Telegram Desktop export one message at a time: the file is read in chunks and each
    message decoded on its own with ``json.JSONDecoder.raw_decode``, so memory does not grow with the
    file. ``header`` holds the chat's members before ``messages`` (name, type, id)."""

    def __init__(self, handle):
        self.handle = handle
        self.bytes_read = 0
        self.text_decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self.json = json.JSONDecoder()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.lines_before = 0
        self.header: dict[str, Any] = {}
        self.last_id: Any = None

    # -- buffer -------------------------------------------------------------------------------

    def _fill(self) -> None:
        """Drop what has been consumed and append the next chunk (self.pos becomes 0)."""
        self.lines_before += self.buf.count("\n", 0, self.pos)
        data = self.handle.read(CHUNK_BYTES)
        self.bytes_read += len(data)
        text = self.text_decoder.decode(data, final=not data)
        if not data:
            self.eof = True
        self.buf = self.buf[self.pos :] + text
        self.pos = 0

    def line(self, at: int | None = None) -> int:
        return self.lines_before + self.buf.count("\n", 0, self.pos if at is None else at) + 1

    def _peek(self) -> str:
        while True:
            self.pos = _WHITESPACE.match(self.buf, self.pos).end()
            if self.pos < len(self.buf) or self.eof:
                return self.buf[self.pos : self.pos + 1]
            self._fill()

    def _expect(self, char: str) -> None:
        found = self._peek()
        if found != char:
            if not found:
                raise _Truncated
            raise ExportError(
                f"not a Telegram Desktop export: expected {char!r} at line {self.line()}, found {found!r}"
            )
        self.pos += 1

    def _value(self) -> Any:
        """The next JSON value. Raises JSONDecodeError when it is not valid JSON, however much more of
        the file is read, and _Truncated when the file ends inside it."""
        self._peek()
        while True:
            try:
                value, end = self.json.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                # An error near the end of what has been read may only mean the value goes on in the
                # next chunk (an unterminated string points at its start, hence the margin).
                if not self.eof and exc.pos + ERROR_MARGIN_CHARS >= len(self.buf):
                    self._fill()
                    continue
                raise
            if end == len(self.buf) and not self.eof:
                self._fill()  # a number may go on in the next chunk
                continue
            self.pos = end
            return value

    # -- structure ----------------------------------------------------------------------------

    def _header_value(self) -> Any:
        try:
            return self._value()
        except json.JSONDecodeError as exc:
            if self.eof and exc.pos + ERROR_MARGIN_CHARS >= len(self.buf):
                raise _Truncated from None
            raise ExportError(
                f"not a Telegram Desktop export: invalid JSON at line {self.line(exc.pos)}: {exc.msg}"
            ) from None

    def messages(self) -> Iterator[dict[str, Any] | _Broken]:
        """Every element of ``messages``, decoded; a _Broken for one that is not valid JSON. Raises
        _Truncated when the file ends before the export does."""
        self._expect("{")
        while True:
            if self._peek() == "}":
                raise ExportError('not a Telegram Desktop chat export: it has no "messages" array')
            key = self._header_value()
            self._expect(":")
            if key in {"chats", "personal_information", "about", "contacts"}:
                raise ExportError(
                    "this is a whole-account export (Settings → Advanced → Export Telegram data); export one chat "
                    "instead: open the group, ⋮ → Export chat history, format JSON"
                )
            if key == "messages":
                break
            self.header[key] = self._header_value()
            if self._peek() == ",":
                self.pos += 1
        self._expect("[")
        need_separator = False
        while True:
            char = self._peek()
            if char == "]":
                self.pos += 1
                break
            if not char:
                raise _Truncated
            if need_separator:
                if char != ",":
                    yield self._resync(f"expected ',' between messages, found {char!r}")
                    need_separator = False
                    continue
                self.pos += 1
            try:
                element = self._value()
            except json.JSONDecodeError as exc:  # self.pos is still where the message starts
                yield self._resync(f"not valid JSON ({exc.msg}, line {self.line(exc.pos)})")
                need_separator = False
                continue
            need_separator = True
            if isinstance(element, dict):
                self.last_id = element.get("id", self.last_id)
            yield element
        # What follows the messages is read to its end only to tell a whole file from a cut one.
        while self._peek() == ",":
            self.pos += 1
            self._header_value()
            self._expect(":")
            self._header_value()
        self._expect("}")

    def _resync(self, reason: str) -> _Broken:
        """Skip a broken message: move to where the next one starts, or to the end of the array.
        Raises _Truncated when neither follows (the file was cut inside this message)."""
        found = _ID_NEAR.search(self.buf, self.pos, self.pos + 200)
        broken = _Broken(self.line(), found.group(1) if found else None, reason)
        search_from = self.pos + 1
        while True:
            match = _MESSAGE_START.search(self.buf, search_from)
            if match:
                self.pos = match.start()
                return broken
            if self.eof:
                end = _END_OF_EXPORT.search(self.buf, search_from)
                if not end:
                    raise _Truncated
                self.pos = end.start()
                return broken
            # Keep a short tail: a message start may straddle the chunk boundary.
            self.pos = max(search_from, len(self.buf) - 32)
            self._fill()
            search_from = 0


# ---------------------------------------------------------------------------------------------
# The import


class Progress:
    """A one-line progress bar on stderr; silent when stderr is not a terminal or when asked."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.last = 0.0
        self.stage = ""  # what the pass over the file does, e.g. "senders"

    def update(self, result: ImportResult, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.last < 0.2:
            return
        self.last = now
        total = max(result.bytes_total, 1)
        share = min(result.bytes_read / total, 1.0)
        bar = "#" * int(share * 30)
        stage = f"{self.stage}: " if self.stage else ""
        sys.stderr.write(
            f"\r{stage}[{bar:<30}] {share:6.1%} {result.bytes_read / 2**20:,.1f}/{total / 2**20:,.1f} MiB"
            f"  {result.messages:,} messages  {result.skipped:,} skipped"
        )
        sys.stderr.flush()

    def done(self, result: ImportResult) -> None:
        if self.enabled:
            self.update(result, force=True)
            sys.stderr.write("\n")


def _export_file(path: str | os.PathLike) -> Path:
    path = Path(path)
    if path.is_dir():
        path = path / "result.json"
    if not path.is_file():
        raise FileNotFoundError(f"no export at {path} (Telegram Desktop names it result.json)")
    return path


def _chat_from_header(header: dict[str, Any], chat_id: int | None) -> Chat:
    export_type = header.get("type")
    chat_type = CHAT_TYPES.get(export_type)
    if chat_type is None:
        raise ExportError(f"unknown chat type {export_type!r} in the export (known: {', '.join(CHAT_TYPES)})")
    title = header.get("name") if isinstance(header.get("name"), str) else ""
    if chat_id is None:
        if isinstance(header.get("id"), bool) or not isinstance(header.get("id"), int):
            raise ExportError("the export names no chat id before its messages; give the Bot API one with --chat-id")
        chat_id = bot_api_chat_id(header["id"], chat_type)
    return Chat(chat_id, chat_type, title)


def part_folder(day: str, chat_id: int, first_message_id: int) -> str:
    """The folder of one imported object: its day, its chat and the first message in it."""
    return f"context_date={day}/export-chat{chat_id}-msg{first_message_id}"


@dataclass
class _Part:
    """Updates of one day on their way into one object."""

    day: str
    first_message_id: int
    lines: list[bytes] = field(default_factory=list)
    size: int = 0


class DayObjects:
    """Writes imported updates as JSON-lines objects, one per chat and day: each update is added to the
    object of its day. A day closes when a third day opens (Telegram Desktop writes messages in order,
    so their days follow one another) or when its object reaches PART_BYTES; a message that arrives for
    a closed day starts another object of that day. Each object replaces whatever its folder held."""

    def __init__(self, store: storage.Store, chat_id: int, workers: int = PARTS_IN_FLIGHT):
        self.store, self.chat_id = store, chat_id
        self.open: dict[str, _Part] = {}
        self.pool = ThreadPoolExecutor(max_workers=max(1, min(workers, PARTS_IN_FLIGHT)))
        self.writing: deque[Future] = deque()
        self.objects = 0

    def add(self, update: Update) -> None:
        part = self.open.get(update.context_date)
        if part is None:
            if len(self.open) >= OPEN_DAYS:
                self._write(self.open.pop(next(iter(self.open))))  # the day opened first
            part = self.open[update.context_date] = _Part(update.context_date, update.message_id)
        part.lines.append(update.body)
        part.size += len(update.body) + 1
        if part.size >= PART_BYTES:
            self._write(self.open.pop(update.context_date))

    def close(self) -> None:
        """Write every day still open and wait for all the writes."""
        while self.open:
            self._write(self.open.pop(next(iter(self.open))))
        self.wait()

    def wait(self, raise_error: bool = True) -> None:
        """Wait for the writes started; the first error, if any, goes up once all have finished."""
        errors = []
        while self.writing:
            if (error := self.writing.popleft().exception()) is not None:
                errors.append(error)
        self.pool.shutdown()
        if errors and raise_error:
            raise errors[0]

    def _write(self, part: _Part) -> None:
        body = b"\n".join(part.lines) + b"\n"
        name = f"{hashlib.sha256(body).hexdigest()[:16]}.jsonl"
        folder = part_folder(part.day, self.chat_id, part.first_message_id)
        self.writing.append(self.pool.submit(self.store.replace_folder, folder, {name: body}))
        self.objects += 1
        while len(self.writing) > PARTS_IN_FLIGHT:
            self.writing.popleft().result()


class ExportImport:
    """One import of one export: a first pass over the file learns the senders' names (service messages
    name the members they add or remove by display name only, often before those members ever post),
    a second converts every message and writes the days."""

    def __init__(
        self,
        file: Path,
        *,
        chat_id: int | None,
        export_tz: ZoneInfo | None,
        settings: config.Settings,
        store: storage.Store | None,
        workers: int,
        dry_run: bool,
        progress: bool,
    ):
        self.file, self.chat_id, self.export_tz, self.settings = file, chat_id, export_tz, settings
        self.store, self.workers, self.dry_run = store, workers, dry_run
        self.result = ImportResult(bytes_total=file.stat().st_size)
        self.bar = Progress(progress)
        self.converter: Converter | None = None

    def run(self) -> ImportResult:
        self._learn_senders()
        self._convert_and_write()
        return self.result

    # -- pass 1 ---------------------------------------------------------------------------------

    def _learn_senders(self) -> None:
        """Read every message for its sender's name, and check that its time can be read. What cannot
        be read is left to the second pass, which reports it."""
        self.bar.stage = "senders"
        with open(self.file, "rb") as handle:
            reader = ExportReader(handle)
            try:
                for element in reader.messages():
                    if self.converter is None:
                        self.converter = self._converter(reader.header)
                    if isinstance(element, dict):
                        self.converter.learn_names(element)
                        if self.export_tz is None and needs_export_timezone(element):
                            raise ExportError(_needs_export_timezone(element, "date"))
                    self.result.bytes_read = reader.bytes_read
                    self.bar.update(self.result)
            except _Truncated:
                if self.converter is None:  # cut before its first message: nothing to import
                    raise self._cut_short(reader) from None
        if self.converter is None:
            self.converter = self._converter(reader.header)

    def _converter(self, header: dict[str, Any]) -> Converter:
        self.result.chat = _chat_from_header(header, self.chat_id)
        return Converter(self.result.chat, self.settings.tz, self.export_tz)

    # -- pass 2 ---------------------------------------------------------------------------------

    def _convert_and_write(self) -> None:
        self.bar.stage = "messages"
        days = None if self.dry_run else DayObjects(self._store(), self.result.chat.id, self.workers)
        with open(self.file, "rb") as handle:
            reader = ExportReader(handle)
            try:
                for element in reader.messages():
                    self._one(element, reader, days)
                    self.result.bytes_read = reader.bytes_read
                    self.bar.update(self.result)
            except _Truncated:
                self._finish(days, reader)
                raise self._cut_short(reader) from None
            except BaseException:
                if days is not None:
                    days.wait(raise_error=False)  # the writes already started finish before the error goes up
                raise
        self._finish(days, reader)

    def _store(self) -> storage.Store:
        return self.store if self.store is not None else storage.raw_store(self.settings)

    def _one(self, element: dict[str, Any] | _Broken, reader: ExportReader, days: DayObjects | None) -> None:
        if isinstance(element, _Broken):
            where = f"message {element.message_id}" if element.message_id else f"a message after id {reader.last_id}"
            self.result.skip(where, f"line {element.line}: {element.reason}")
            return
        try:
            update = self.converter.convert(element)
        except MalformedMessage as exc:
            self.result.skip(f"message {element.get('id') if isinstance(element, dict) else '?'}", str(exc))
            return
        if update is None:
            self.result.not_for_bots += 1
            return
        self.result.messages += 1
        self.result.days.add(update.context_date)
        if days is not None:
            days.add(update)

    def _finish(self, days: DayObjects | None, reader: ExportReader) -> None:
        if days is not None:
            days.close()
            self.result.objects = days.objects
        self.result.bytes_read = reader.bytes_read
        self.bar.done(self.result)

    def _cut_short(self, reader: ExportReader) -> CutShortError:
        return CutShortError(
            f"{self.file} ends early, at line {reader.line()} ({reader.bytes_read:,} bytes), inside the export"
            + (f", after message id {reader.last_id}" if reader.last_id is not None else "")
            + f": the file is cut short (an interrupted export or copy). The {self.result.messages:,} messages "
            "read before that point are imported and stay imported; export the chat again and rerun the import "
            "(messages already imported are rewritten unchanged).",
            self.result,
        )


def _export_timezone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ExportError(f"--export-timezone {name!r} is not an IANA time zone (e.g. America/Sao_Paulo)") from None


def import_export(
    path: str | os.PathLike,
    *,
    chat_id: int | None = None,
    export_timezone: str | None = None,
    settings: config.Settings | None = None,
    store: storage.Store | None = None,
    workers: int = PARTS_IN_FLIGHT,
    dry_run: bool = False,
    progress: bool = False,
) -> ImportResult:
    """Import the export at ``path`` (a result.json, or the folder holding it) into the raw zone.

    ``chat_id`` overrides the Bot API chat id (a group that migrated to a supergroup has the
    supergroup's id in live data). ``export_timezone`` is required only for exports whose dates name
    no zone and have no ``date_unixtime``. Raises ExportError for an export that cannot be imported
    (before writing anything), CutShortError (with what was imported before) for a file that ends early.
    """
    export_tz = _export_timezone(export_timezone)
    run = ExportImport(
        _export_file(path),
        chat_id=chat_id,
        export_tz=export_tz,
        settings=settings or config.load(),
        store=store,
        workers=workers,
        dry_run=dry_run,
        progress=progress,
    )
    return run.run()


# ---------------------------------------------------------------------------------------------
# CLI
