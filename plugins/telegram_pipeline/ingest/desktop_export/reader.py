"""Reading an export as a stream: the file in chunks, so memory does not grow with the file. A message that
is not valid JSON is skipped to where the next one starts (Broken); a file that ends before the export
does raises Truncated.

Telegram Desktop indents its JSON: a message's closing brace is alone on its line at the messages'
own indentation, where nothing inside a message can be (a string holds no raw line break; what a
message holds is indented deeper). So the complete messages of a chunk are found by one search and
decoded at once by msgspec; whatever msgspec refuses (``NaN``, a number beyond a double, a lone
surrogate, a broken message, a file indented otherwise) is read one message at a time by ``json``,
which decides. Both give the same values for every text both accept.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import msgspec

from telegram_pipeline.ingest.desktop_export.errors import ExportError

CHUNK_BYTES = 1 << 20
# A JSON error this far before the end of what has been read is in the file, not an effect of
# reading it in chunks: no string in an export comes near it (a message is at most 4096 characters).
ERROR_MARGIN_CHARS = 1 << 16
# Members of a whole-account export (Settings → Advanced → Export Telegram data), which holds no chat's messages.
ACCOUNT_EXPORT_KEYS = frozenset({"chats", "personal_information", "about", "contacts"})
_WHITESPACE = re.compile(r"[ \t\n\r]*")
# Telegram Desktop writes "id" first in every message, and nowhere else: where the next message starts.
_MESSAGE_START = re.compile(r'\{\s*"id"\s*:')
_ID_NEAR = re.compile(r'"id"\s*:\s*(-?\d+)')
_END_OF_EXPORT = re.compile(r"\]\s*\}\s*\Z")
_decode_array = msgspec.json.Decoder(list).decode


@dataclass
class Broken:
    """A message that is not valid JSON: where it was and what it looked like."""

    line: int
    message_id: str | None
    reason: str


class Truncated(Exception):
    """The file ends before the export does."""


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
    """Reads a Telegram Desktop export message by message: the file is read in chunks, the complete
    messages of each decoded together (or one by one with ``json.JSONDecoder.raw_decode`` where msgspec
    refuses them), so memory does not grow with the file. ``header`` holds the chat's members before
    ``messages`` (name, type, id)."""

    def __init__(self, handle: BinaryIO):
        super().__init__(handle)
        self.header: dict[str, Any] = {}
        self.last_id: Any = None
        # "\n" + the messages' indentation + "}": how each message ends, in an indented export
        self.message_end: str | None = None
        self.one_by_one_until = 0  # msgspec refused what is before this position: json reads it

    def _fill(self) -> None:
        dropped = self.pos
        super()._fill()
        self.one_by_one_until = max(0, self.one_by_one_until - dropped)

    def messages(self) -> Iterator[dict[str, Any] | Broken]:
        """Every element of ``messages``, decoded; a Broken for one that is not valid JSON. Raises
        Truncated when the file ends before the export does."""
        self._read_header()
        yield from self._elements()
        self._read_trailer()

    def _header_value(self) -> Any:
        try:
            return self._value()
        except json.JSONDecodeError as exc:
            if self.eof and exc.pos + ERROR_MARGIN_CHARS >= len(self.buf):
                raise Truncated from None
            raise ExportError(
                f"not a Telegram Desktop export: invalid JSON at line {self.line(exc.pos)}: {exc.msg}"
            ) from None

    def _read_header(self) -> None:
        """Read the members before ``messages`` into ``header``, up to the array's opening bracket."""
        self._expect("{")
        while True:
            if self._peek() == "}":
                raise ExportError('not a Telegram Desktop chat export: it has no "messages" array')
            key = self._header_value()
            self._expect(":")
            if key in ACCOUNT_EXPORT_KEYS:
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
        self._learn_indentation()

    def _learn_indentation(self) -> None:
        """How the export indents its messages, from the space before the first one."""
        start = self.pos
        if self._peek() != "{":
            return
        space = self.buf[start : self.pos]
        indentation = space[space.rfind("\n") + 1 :]
        if "\n" in space and indentation.strip(" \t") == "":
            self.message_end = f"\n{indentation}}}"

    def _complete_messages(self) -> list[Any] | None:
        """Every message from ``pos`` (where one starts) to the last one that ends in what has been read,
        decoded at once, with ``pos`` moved past them; None when there is none or msgspec refuses them."""
        if self.message_end is None or self.pos < self.one_by_one_until:
            return None
        end = self.buf.rfind(self.message_end, self.pos)
        if end < 0:
            return None
        end += len(self.message_end)
        try:
            messages = _decode_array(f"[{self.buf[self.pos : end]}]")
        except msgspec.DecodeError:
            self.one_by_one_until = end
            return None
        self.pos = end
        return messages

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
                self._peek()
            if (messages := self._complete_messages()) is not None:
                for element in messages:
                    if isinstance(element, dict):
                        self.last_id = element.get("id", self.last_id)
                    yield element
                need_separator = True
                continue
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

    def _read_trailer(self) -> None:
        """What follows the messages is read to its end only to tell a whole file from a cut one."""
        while self._peek() == ",":
            self.pos += 1
            self._header_value()
            self._expect(":")
            self._header_value()
        self._expect("}")

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
