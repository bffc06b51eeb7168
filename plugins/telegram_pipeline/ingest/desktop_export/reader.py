"""Reading an export as a stream: the file in chunks, so memory does not grow with the file. A message that
is not valid JSON is skipped to where the next one starts (Broken); a file that ends before the export
does raises Truncated.

Telegram Desktop indents its JSON: a message's closing brace is alone on its line at the messages'
own indentation, where nothing inside a message can be (a string holds no raw line break; what a
message holds is indented deeper). So the complete messages of a chunk are found by one search and
decoded at once by msgspec, from the file's own bytes (``_ChunkedJson``); whatever msgspec refuses
(``NaN``, a number beyond a double, a lone surrogate, a broken message, a file indented otherwise) is
read one message at a time by ``json``, which decides. Both give the same values for every text both
accept. The same indentation lets one chat's export be cut into parts between two messages
(``parts_of``), read by processes side by side.

Two shapes of file: one chat's export ("Export chat history": the chat's name, type and id, then its
``messages``), and a whole-account export ("Export Telegram data": personal information, contacts, …,
then ``chats`` and ``left_chats``, each ``{"about", "list": [chat, …]}`` of chats shaped like the first).
``ExportReader.chats()`` gives the chats of either, one at a time."""

from __future__ import annotations

import codecs
import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import msgspec

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


@dataclass(frozen=True)
class Part:
    """A stretch of an export's messages: from byte ``start`` (0: the whole file, header and all; else
    where a message starts) to byte ``stop`` (where one ends; None: to the end of the file), with what
    a reader of the stretches before it would know there."""

    start: int = 0
    stop: int | None = None
    lines_before: int = 0
    last_id: Any = None
    message_end: str | None = None


class _Prefix:
    """The first ``size`` bytes of a file, read from where it stands."""

    def __init__(self, handle: BinaryIO, size: int):
        self.handle, self.left = handle, size

    def read(self, size: int) -> bytes:
        data = self.handle.read(max(0, min(size, self.left)))
        self.left -= len(data)
        return data


@functools.cache
def _decoder_of(only: tuple[str, ...] | None):
    """Decodes a JSON array of messages: as dicts, or (``only``) as structs of those members alone,
    which skips the rest without building it."""
    if only is None:
        return msgspec.json.Decoder(list).decode
    fields = [(f"m{i}", Any, msgspec.field(default=None, name=name)) for i, name in enumerate(only)]
    return msgspec.json.Decoder(list[msgspec.defstruct("Members", fields)]).decode


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
    Peek at the next character, expect one, decode the next value.

    ``raw`` keeps the bytes ``buf`` was decoded from, for the complete messages that msgspec decodes
    together: from bytes it takes about half the time it takes from the text, which Python holds in 4
    bytes a character once one emoji is in it, and which msgspec would encode to UTF-8 again. ``raw_at``
    ties a position of ``buf`` to its offset in ``raw``; from it any later position's offset is the
    length of the text between them in UTF-8. That holds while the text is exactly what the bytes say:
    once a chunk holds bytes that are not UTF-8 (decoded as U+FFFD), ``raw_at`` is None and the messages
    are decoded from the text, as everything else is."""

    def __init__(self, handle: BinaryIO):
        self.handle = handle
        self.bytes_read = 0
        self.text_decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self.json = json.JSONDecoder()
        self.buf = ""
        self.pos = 0
        self.raw = b""
        self.raw_at: tuple[int, int] | None = (0, 0)
        self.eof = False
        self.lines_before = 0

    def line(self, at: int | None = None) -> int:
        return self.lines_before + self.buf.count("\n", 0, self.pos if at is None else at) + 1

    def _fill(self) -> None:
        """Drop what has been consumed and append the next chunk (self.pos becomes 0)."""
        self.lines_before += self.buf.count("\n", 0, self.pos)
        data = self.handle.read(CHUNK_BYTES)
        first = not self.bytes_read
        self.bytes_read += len(data)
        text = self.text_decoder.decode(data, final=not data)
        if not data:
            self.eof = True
        if self.raw_at is not None:
            if "\ufffd" in text and text.count("\ufffd") != data.count("\ufffd".encode()):
                self.raw, self.raw_at = b"", None  # bytes replaced: the text no longer says where they are
            else:
                if first and data.startswith(codecs.BOM_UTF8):
                    data = data[len(codecs.BOM_UTF8) :]  # as the utf-8-sig decoder drops it
                self.raw = self.raw[self._raw_offset(self.pos) :] + data
                self.raw_at = (0, 0)
        self.buf = self.buf[self.pos :] + text
        self.pos = 0

    def _raw_offset(self, pos: int) -> int:
        """Where position ``pos`` of ``buf`` (at or after ``raw_at``'s) is in ``raw``."""
        at, offset = self.raw_at
        return offset + len(self.buf[at:pos].encode())

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
    refuses them), so memory does not grow with the file. ``header`` holds the members of the export's
    top-level object other than its chats. A reader of a ``part`` of one chat's export reads that
    stretch of its messages alone; with ``only``, a message decoded with others holds only those of
    its members, None where it has none."""

    def __init__(self, handle: BinaryIO, part: Part | None = None, only: tuple[str, ...] | None = None):
        super().__init__(handle)
        self.header: dict[str, Any] = {}
        self.last_id: Any = None
        # "\n" + the messages' indentation + "}": how each message ends, in an indented export
        self.message_end: str | None = None
        self.one_by_one_until = 0  # msgspec refused what is before this position: json reads it
        self.part = part or Part()
        if self.part.start:  # a stretch of one chat's messages, from where one message starts
            handle.seek(self.part.start)
            self.lines_before, self.last_id, self.message_end = part.lines_before, part.last_id, part.message_end
        if self.part.stop is not None:
            self.handle = _Prefix(handle, self.part.stop - self.part.start)
        self.only = only
        self._decode_batch = _decoder_of(only)

    def _fill(self) -> None:
        dropped = self.pos
        super()._fill()
        self.one_by_one_until = max(0, self.one_by_one_until - dropped)

    def part_messages(self) -> Iterator[dict[str, Any] | Broken]:
        """The messages of a part that starts inside the array (``part.start`` > 0); the last part also
        reads what follows the array to the file's end, to tell a whole file from a cut one."""
        yield from self._elements()
        if self.part.stop is None:
            for _ in self._keys():
                self._header_value()

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
                if self.part.stop is not None:
                    return  # the first part of the export: what follows is the other parts'
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
        self._learn_indentation()
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
        if end < 0 and not self.eof and len(self.buf) - self.pos < CHUNK_BYTES:
            # The message goes on in the next chunk: read it now. Left to json, it would fail at the end of
            # the chunk, and its error count the lines of the whole chunk (a tenth of the first pass).
            self._fill()
            end = self.buf.rfind(self.message_end, self.pos)
        if end < 0:
            return None
        end += len(self.message_end)
        raw_end = None
        try:
            if self.raw_at is None:
                messages = self._decode_batch(f"[{self.buf[self.pos : end]}]")
            else:  # the same messages, their bytes ending at the same (ASCII) closing line
                start = self._raw_offset(self.pos)
                message_end = self.message_end.encode()
                raw_end = self.raw.rfind(message_end, start) + len(message_end)
                messages = self._decode_batch(b"[" + self.raw[start:raw_end] + b"]")
        except msgspec.DecodeError:
            self.one_by_one_until = end
            return None
        self.pos = end
        if raw_end is not None:
            self.raw_at = (end, raw_end)
        if self.only is None:
            return messages
        names, astuple = self.only, msgspec.structs.astuple
        return [dict(zip(names, astuple(message), strict=True)) for message in messages]

    def _elements(self) -> Iterator[dict[str, Any] | Broken]:
        """The elements of ``messages`` up to and including its closing bracket."""
        need_separator = False
        while True:
            char = self._peek()
            if char == "]":
                self.pos += 1
                return
            if not char:
                if need_separator and self.part.stop is not None:
                    return  # the part ends after a message
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


# -- an export cut into parts, for processes side by side -----------------------------------------

# Bytes of the file searched for a message boundary near each cut.
CUT_WINDOW = 1 << 20


def probe(handle: BinaryIO) -> ExportReader | None:
    """A reader that has read one chat's export up to its first message (the chat's members in
    ``header``, how it indents its messages); None for a whole-account export."""
    reader = ExportReader(handle)
    reader._expect("{")
    for key in reader._keys():
        if key == "messages":
            reader._expect("[")
            reader._learn_indentation()
            return reader
        if key in ACCOUNT_CHAT_LISTS:
            return None
        reader.header[key] = reader._header_value()
    return None


def parts_of(handle: BinaryIO, size: int, count: int, message_end: str | None) -> list[Part]:
    """The export cut into at most ``count`` parts of about equal size, each cut between two messages
    (after a message's closing brace, which in an indented export stands alone at the messages'
    indentation). A cut stands only where the messages on both sides of it decode as messages; without
    indentation, or without such a place near a cut, there are fewer parts (one: the whole file)."""
    if message_end is None or count < 2:
        return [Part()]
    cuts = []
    for n in range(1, count):
        found = _cut_near(handle, size * n // count, message_end.encode())
        if found is not None and (not cuts or found[1] > cuts[-1][1]):
            cuts.append(found)
    parts, start, last_id = [], 0, None
    for stop, next_start, id_before in cuts:
        parts.append(Part(start, stop, last_id=last_id, message_end=message_end))
        start, last_id = next_start, id_before
    parts.append(Part(start, None, last_id=last_id, message_end=message_end))
    return parts


def _cut_near(handle: BinaryIO, offset: int, end: bytes) -> tuple[int, int, Any] | None:
    """(where a message ends, where the next starts, the id of the one before) at or after ``offset``."""
    handle.seek(offset)
    window = handle.read(CUT_WINDOW)
    start_of_message = end[:-1] + b"{"  # "\n" + indentation + "{"
    at = 0
    while (found := window.find(end + b",", at)) >= 0:
        at = found + 1
        after = found + len(end) + 1
        after += len(window[after:]) - len(window[after:].lstrip())
        previous = window.rfind(start_of_message, 0, found)
        following = window.find(end, after)
        if window[after : after + 1] != b"{" or previous < 0 or following < 0:
            continue
        before = _message(window[previous + len(start_of_message) - 1 : found + len(end)])
        if before is None or _message(window[after : following + len(end)]) is None:
            continue
        return offset + found + len(end), offset + after, before["id"]
    return None


def _message(data: bytes) -> dict | None:
    try:
        value = msgspec.json.decode(data)
    except msgspec.DecodeError:
        return None
    return value if isinstance(value, dict) and "id" in value else None
