"""Reading an export as a stream: the file in chunks, one message decoded at a time, so memory does not grow
with the file. A message that is not valid JSON is skipped to where the next one starts (Broken); a file
that ends before the export does raises Truncated.

Two shapes of file: one chat's export ("Export chat history": the chat's name, type and id, then its
``messages``), and a whole-account export ("Export Telegram data": personal information, contacts, …,
then ``chats`` and ``left_chats``, each ``{"about", "list": [chat, …]}`` of chats shaped like the first).
``ExportReader.chats()`` gives the chats of either, one at a time."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from telegram_pipeline.ingest.desktop_export.errors import ExportError

CHUNK_BYTES = 1 << 20
# A JSON error this far before the end of what has been read is in the file, not an effect of
# reading it in chunks: no string in an export comes near it (a message is at most 4096 characters).
ERROR_MARGIN_CHARS = 1 << 16
# The lists of chats of a whole-account export (Settings → Advanced → Export Telegram data).
ACCOUNT_CHAT_LISTS = frozenset({"chats", "left_chats"})
_WHITESPACE = re.compile(r"[ \t\n\r]*")
# Telegram Desktop writes "id" first in every message, and nowhere else: where the next message starts.
_MESSAGE_START = re.compile(r'\{\s*"id"\s*:')
_ID_NEAR = re.compile(r'"id"\s*:\s*(-?\d+)')
_END_OF_EXPORT = re.compile(r"\]\s*\}\s*\Z")


@dataclass
class Broken:
    """A message that is not valid JSON: where it was and what it looked like."""

    line: int
    message_id: str | None
    reason: str


class Truncated(Exception):
    """The file ends before the export does."""


@dataclass
class ExportChat:
    """One chat of an export: its members before ``messages`` (name, type, id) and its messages, which
    are read from the file as they are iterated (once, before the next chat is read)."""

    header: dict[str, Any]
    messages: Iterator[dict[str, Any] | Broken] = field(repr=False)


class _ChunkedJson:
    """A JSON text read in chunks of CHUNK_BYTES: what has been read but not consumed is ``buf[pos:]``.
    Peek at the next character, expect one, decode the next value."""

    def __init__(self, handle: BinaryIO):
        self.handle = handle
        self.bytes_read = 0
        self.text_decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self.json = json.JSONDecoder()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.lines_before = 0

    def line(self, at: int | None = None) -> int:
        return self.lines_before + self.buf.count("\n", 0, self.pos if at is None else at) + 1

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
                raise Truncated
            raise ExportError(
                f"not a Telegram Desktop export: expected {char!r} at line {self.line()}, found {found!r}"
            )
        self.pos += 1

    def _value(self) -> Any:
        """The next JSON value. Raises JSONDecodeError when it is not valid JSON, however much more of
        the file is read, and Truncated when the file ends inside it."""
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


class ExportReader(_ChunkedJson):
    """Reads a Telegram Desktop export one message at a time: the file is read in chunks and each
    message decoded on its own with ``json.JSONDecoder.raw_decode``, so memory does not grow with the
    file. ``header`` holds the members of the export's top-level object other than its chats."""

    def __init__(self, handle: BinaryIO):
        super().__init__(handle)
        self.header: dict[str, Any] = {}
        self.last_id: Any = None

    def chats(self) -> Iterator[ExportChat]:
        """Every chat of the export, in the file's order: the export itself when it is one chat's, else
        each chat of its ``chats`` and ``left_chats`` lists. Each chat's messages are read while they are
        iterated; whatever the caller leaves unread is read past before the next chat. Raises Truncated
        when the file ends before the export does."""
        self._expect("{")
        found, account = False, False
        for key in self._keys():
            if key == "messages":  # one chat's export: what came before is its header
                found = True
                yield from self._chat_messages(dict(self.header))
            elif key in ACCOUNT_CHAT_LISTS and self._peek() == "{":
                account = True
                for chat in self._chat_list():
                    found = True
                    yield chat
            else:
                self.header[key] = self._header_value()
        if account and not found:
            raise ExportError(
                "this whole-account export holds no chat: export it again with its chats (Settings → Advanced → "
                "Export Telegram data → chats), or export the group alone (⋮ → Export chat history, format JSON)"
            )
        if not found:
            raise ExportError('not a Telegram Desktop export: it has no "messages" array and no list of chats')

    def _keys(self) -> Iterator[str]:
        """The keys of the object whose "{" was just read, each followed by its ":"; the caller reads each
        value. Ends after the object's closing brace."""
        while True:
            if self._peek() == "}":
                self.pos += 1
                return
            key = self._header_value()
            self._expect(":")
            yield key
            if self._peek() == ",":
                self.pos += 1

    def _chat_list(self) -> Iterator[ExportChat]:
        """The chats of an account export's ``{"about": …, "list": [chat, …]}``."""
        self._expect("{")
        for key in self._keys():
            if key != "list":
                self._header_value()
                continue
            self._expect("[")
            while self._peek() != "]":
                if not self._peek():
                    raise Truncated
                self._expect("{")
                header: dict[str, Any] = {}
                for chat_key in self._keys():
                    if chat_key == "messages":
                        yield from self._chat_messages(header)
                    else:
                        header[chat_key] = self._header_value()
                if self._peek() == ",":
                    self.pos += 1
            self.pos += 1

    def _chat_messages(self, header: dict[str, Any]) -> Iterator[ExportChat]:
        """One chat, its ``messages`` array next in the file."""
        self._expect("[")
        messages = self._elements()
        yield ExportChat(header, messages)
        for _ in messages:  # what the caller did not read
            pass

    def _header_value(self) -> Any:
        try:
            return self._value()
        except json.JSONDecodeError as exc:
            if self.eof and exc.pos + ERROR_MARGIN_CHARS >= len(self.buf):
                raise Truncated from None
            raise ExportError(
                f"not a Telegram Desktop export: invalid JSON at line {self.line(exc.pos)}: {exc.msg}"
            ) from None

    def _elements(self) -> Iterator[dict[str, Any] | Broken]:
        """The elements of ``messages`` up to and including its closing bracket."""
        need_separator = False
        while True:
            char = self._peek()
            if char == "]":
                self.pos += 1
                return
            if not char:
                raise Truncated
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

    def _resync(self, reason: str) -> Broken:
        """Skip a broken message: move to where the next one starts, or to the end of the array.
        Raises Truncated when neither follows (the file was cut inside this message)."""
        found = _ID_NEAR.search(self.buf, self.pos, self.pos + 200)
        broken = Broken(self.line(), found.group(1) if found else None, reason)
        search_from = self.pos + 1
        while True:
            match = _MESSAGE_START.search(self.buf, search_from)
            if match:
                self.pos = match.start()
                return broken
            if self.eof:
                end = _END_OF_EXPORT.search(self.buf, search_from)
                if not end:
                    raise Truncated
                self.pos = end.start()
                return broken
            # Keep a short tail: a message start may straddle the chunk boundary.
            self.pos = max(search_from, len(self.buf) - 32)
            self._fill()
            search_from = 0
