"""Import a Telegram Desktop chat export ("Export chat history", JSON) into the raw zone.

Each exported message becomes one Bot API-shaped update, written where the webhook would have put
it: ``{RAW_URI}/context_date=YYYY-MM-DD/{update_id}.json``, the day being the message's ``date`` in
TIMEZONE. From there the normal consolidation and reports treat history and live data alike.

- ``update_id`` is negative and derived from (chat_id, message_id): it never collides with
  Telegram's (positive) ids, and a rerun writes the same keys with the same bytes.
- The update carries ``"x_source": "export"``, so the curated column ``source`` is ``export``.
- The chat id is the Bot API's (``-100…`` for supergroups and channels), so a message both imported
  and received live has the same (chat_id, message_id) and is counted once.
- An edited message is imported as ``message`` with ``edit_date``: it counts once, with the text the
  export holds (its latest).

The export is one JSON object whose ``messages`` array may hold millions of messages, so it is read
in chunks and decoded one message at a time: memory stays bounded whatever the file's size.
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

CHUNK_BYTES = 1 << 20
# A JSON error this far before the end of what has been read is in the file, not an effect of
# reading it in chunks: no string in an export comes near it (a message is at most 4096 characters).
ERROR_MARGIN_CHARS = 1 << 16
WRITES_IN_FLIGHT = 512
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
    """Unix time of ``date``/``edited``: the ``*_unixtime`` member (UTC) when the export has it, else the
    local time of the exporting machine read in ``export_tz``."""
    unix_key, local_key = f"{prefix}_unixtime", prefix
    if message.get(unix_key) is not None:
        return _int(message[unix_key], unix_key)
    local = message.get(local_key)
    if local is None:
        return None
    if export_tz is None:
        raise ExportError(
            f"message {message.get('id')} has no {unix_key} (an export made by an older Telegram Desktop): its "
            f"{local_key} {local!r} is the local time of the machine that exported it, in a zone the file does not "
            "name. Rerun with --export-timezone Area/City (that machine's IANA time zone, e.g. America/Sao_Paulo)."
        )
    try:
        naive = datetime.fromisoformat(local)
    except (TypeError, ValueError):
        raise MalformedMessage(f"{local_key} {local!r} is not an ISO date-time") from None
    return int(naive.replace(tzinfo=export_tz).timestamp())


def _peer(from_id: Any) -> tuple[str, int]:
    """('user'|'channel'|'chat', bare id) of an export's ``from_id``/``actor_id`` ("user123", "channel123")."""
    if isinstance(from_id, str):
        for kind in ("user", "channel", "chat"):
            if from_id.startswith(kind) and from_id[len(kind) :].isdigit():
                return kind, int(from_id[len(kind) :])
    raise MalformedMessage(f"sender id {from_id!r} is not user<id>, channel<id> or chat<id>")


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


@dataclass(frozen=True)
class Update:
    update_id: int
    context_date: str
    body: bytes

    @property
    def key(self) -> str:
        return f"context_date={self.context_date}/{self.update_id}.json"


class Converter:
    """Turns exported messages of one chat into Bot API updates; remembers senders' names so that
    service messages, which name members only by display name, can give their user ids."""

    def __init__(self, chat: Chat, tz: ZoneInfo, export_tz: ZoneInfo | None = None):
        self.chat, self.tz, self.export_tz = chat, tz, export_tz
        self.user_ids_by_name: dict[str, int | None] = {}

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

    def needs_all_names(self, message: dict[str, Any]) -> bool:
        """Service messages naming members are converted once every sender's name is known."""
        return message.get("type") == "service" and message.get("action") in {
            "invite_members",
            "remove_members",
            "invite_to_group_call",
        }

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
            raise MalformedMessage("no date_unixtime and no date")
        body: dict[str, Any] = {
            "message_id": message_id,
            **(self._actor(message) if kind == "service" else self._sender(message)),
            "chat": self.chat.as_bot_api(),
            "date": sent,
        }
        if kind == "service":
            service = self._service(message, body.get("from"))
            if service is None:
                return None
            body.update(service)
        else:
            edited = _timestamp(message, "edited", self.export_tz)
            if edited is not None:
                body["edit_date"] = edited
            if isinstance(message.get("author"), str):
                body["author_signature"] = message["author"]
            body.update(self._reply(message))
            body.update(self._forward(message))
            body.update(self._content(message))
        update_id = import_update_id(self.chat.id, message_id)
        update_type = "channel_post" if self.chat.type == "channel" and kind == "message" else "message"
        update = {"update_id": update_id, "x_source": "export", update_type: body}
        day = datetime.fromtimestamp(sent, self.tz).date().isoformat()
        try:
            body_bytes = json.dumps(update, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        except UnicodeEncodeError:
            raise MalformedMessage("holds half of a UTF-16 surrogate pair (a lone \\udXXX escape), not text") from None
        return Update(update_id, day, body_bytes)

    def _sender(self, message: dict[str, Any]) -> dict[str, Any]:
        if "from_id" not in message or message["from_id"] is None:
            # Channel posts of older exports name no sender: the channel itself posted.
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
        text, entities = convert_text(
            message["text_entities"] if "text_entities" in message else message.get("text", "")
        )
        content: dict[str, Any] = {}
        width = message.get("width")
        size = _size(message)
        media_type = message.get("media_type")
        captioned = True
        if "photo" in message:
            photo = dict(size)
            if isinstance(message.get("photo_file_size"), int):
                photo["file_size"] = message["photo_file_size"]
            content["photo"] = [photo]
        elif "file" in message or media_type:
            file_info = {k: message[k] for k in ("file_name", "mime_type", "file_size") if message.get(k) is not None}
            duration = message.get("duration_seconds")
            timed = {"duration": duration} if isinstance(duration, int) else {}
            if media_type == "sticker":
                file_name = str(message.get("file") or "")
                content["sticker"] = {
                    "type": "regular",
                    **size,
                    "is_animated": file_name.endswith(".tgs"),
                    "is_video": file_name.endswith(".webm"),
                    **({"emoji": message["sticker_emoji"]} if message.get("sticker_emoji") else {}),
                }
                captioned = False
            elif media_type == "voice_message":
                content["voice"] = {**timed, **{k: v for k, v in file_info.items() if k != "file_name"}}
            elif media_type == "video_message":
                content["video_note"] = {**timed, **({"length": width} if isinstance(width, int) else {})}
                captioned = False
            elif media_type == "video_file":
                content["video"] = {**size, **timed, **file_info}
            elif media_type == "animation":
                # As Telegram does: an animation is also announced as a document.
                content["animation"] = {**size, **timed, **file_info}
                content["document"] = dict(file_info)
            elif media_type == "audio_file":
                extra = {k: message[k] for k in ("performer", "title") if isinstance(message.get(k), str)}
                content["audio"] = {**timed, **extra, **file_info}
            else:
                content["document"] = dict(file_info)
        elif isinstance(message.get("poll"), dict):
            poll = message["poll"]
            answers = poll.get("answers") if isinstance(poll.get("answers"), list) else []
            content["poll"] = {
                "question": poll.get("question", ""),
                "options": [
                    {"text": a.get("text", ""), "voter_count": a.get("voters", 0)}
                    for a in answers
                    if isinstance(a, dict)
                ],
                "total_voter_count": poll.get("total_voters", 0),
                "is_closed": bool(poll.get("closed", False)),
                "type": "regular",
            }
        elif isinstance(message.get("contact_information"), dict):
            contact = message["contact_information"]
            content["contact"] = {k: contact[k] for k in ("phone_number", "first_name", "last_name") if contact.get(k)}
        elif "place_name" in message or "location_information" in message:
            point = message.get("location_information")
            location = (
                {"latitude": point["latitude"], "longitude": point["longitude"]} if isinstance(point, dict) else {}
            )
            if isinstance(message.get("live_location_period_seconds"), int):
                location["live_period"] = message["live_location_period_seconds"]
            if "place_name" in message:
                content["venue"] = {
                    "location": location,
                    "title": message.get("place_name", ""),
                    "address": message.get("address", ""),
                }
            content["location"] = location
        elif message.get("game_title"):
            content["game"] = {"title": message["game_title"], "description": message.get("game_description", "")}
        else:
            captioned = False
        if text:
            if content and captioned:
                content["caption"] = text
                if entities:
                    content["caption_entities"] = entities
            else:
                content["text"] = text
                if entities:
                    content["entities"] = entities
        return content

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
        sys.stderr.write(
            f"\r[{bar:<30}] {share:6.1%} {result.bytes_read / 2**20:,.1f}/{total / 2**20:,.1f} MiB"
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


def import_export(
    path: str | os.PathLike,
    *,
    chat_id: int | None = None,
    export_timezone: str | None = None,
    settings: config.Settings | None = None,
    store: storage.Store | None = None,
    workers: int = 16,
    dry_run: bool = False,
    progress: bool = False,
) -> ImportResult:
    """Import the export at ``path`` (a result.json, or the folder holding it) into the raw zone.

    ``chat_id`` overrides the Bot API chat id (a group that migrated to a supergroup has the
    supergroup's id in live data). ``export_timezone`` is required only for exports without
    ``date_unixtime``. Raises ExportError for an export that cannot be imported, CutShortError
    (with what was imported before) for a file that ends early.
    """
    settings = settings or config.load()
    export_tz = None
    if export_timezone:
        try:
            export_tz = ZoneInfo(export_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ExportError(
                f"--export-timezone {export_timezone!r} is not an IANA time zone (e.g. America/Sao_Paulo)"
            ) from None
    file = _export_file(path)
    store = store if store is not None or dry_run else storage.raw_store(settings)
    result = ImportResult(bytes_total=file.stat().st_size)
    bar = Progress(progress)
    pending: deque[Future] = deque()
    deferred: list[dict[str, Any]] = []

    with open(file, "rb") as handle, ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        reader = ExportReader(handle)
        converter: Converter | None = None

        def emit(message: dict[str, Any]) -> None:
            try:
                update = converter.convert(message)
            except MalformedMessage as exc:
                result.skip(f"message {message.get('id') if isinstance(message, dict) else '?'}", str(exc))
                return
            if update is None:
                result.not_for_bots += 1
                return
            result.messages += 1
            result.days.add(update.context_date)
            if not dry_run:
                pending.append(pool.submit(store.write, update.key, update.body))
                while len(pending) > WRITES_IN_FLIGHT:
                    pending.popleft().result()

        def finish() -> None:
            for message in deferred:
                emit(message)
            deferred.clear()
            while pending:
                pending.popleft().result()
            result.bytes_read = reader.bytes_read
            bar.done(result)

        try:
            for element in reader.messages():
                if converter is None:
                    result.chat = _chat_from_header(reader.header, chat_id)
                    converter = Converter(result.chat, settings.tz, export_tz)
                if isinstance(element, _Broken):
                    what = (
                        f"message {element.message_id}"
                        if element.message_id
                        else f"a message after id {reader.last_id}"
                    )
                    result.skip(what, f"line {element.line}: {element.reason}")
                    continue
                if isinstance(element, dict):
                    converter.learn_names(element)
                    if converter.needs_all_names(element):
                        deferred.append(element)
                        continue
                emit(element)
                result.bytes_read = reader.bytes_read
                bar.update(result)
        except _Truncated:
            if converter is not None:
                finish()
            raise CutShortError(
                f"{file} ends early, at line {reader.line()} ({reader.bytes_read:,} bytes), inside the export"
                + (f", after message id {reader.last_id}" if reader.last_id is not None else "")
                + f": the file is cut short (an interrupted export or copy). The {result.messages:,} messages read "
                "before that point are imported and stay imported; export the chat again and rerun the import "
                "(messages already imported are rewritten unchanged).",
                result,
            ) from None
        except BaseException:
            while pending:  # let the writes already started finish before the error goes up
                pending.popleft().exception()
            raise
        if converter is None:
            result.chat = _chat_from_header(reader.header, chat_id)
        finish()
    return result


# ---------------------------------------------------------------------------------------------
# CLI
