"""The two passes over the messages of one part of an export (``reader.Part``: the whole file, or a
stretch of one chat's messages that a process of its own reads beside the others): the senders' names
(and whether the chat is a forum), then every message converted. A part read by another process hands
its updates over in a spill file, in the file's order, so that the objects written are those one
reader would write."""

from __future__ import annotations

import gc
import pickle
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram_pipeline.ingest.desktop_export import reactions as exported_reactions
from telegram_pipeline.ingest.desktop_export.convert import (
    Chat,
    Converter,
    Update,
    export_timezone_missing,
    needs_export_timezone,
)
from telegram_pipeline.ingest.desktop_export.errors import MalformedMessage
from telegram_pipeline.ingest.desktop_export.reader import Broken, ExportReader, Part, Truncated
from telegram_pipeline.ingest.desktop_export.threads import INT64, NotedReplies, ReplyThreads, replied_to
from telegram_pipeline.ingest.desktop_export.topics import is_topic_creation

# What the first pass reads of a message (the rest of it is skipped, not built): what Converter.learn,
# needs_export_timezone, export_timezone_missing and threads.replied_to read.
NAME_MEMBERS = ("id", "type", "action", "from", "from_id", "actor", "actor_id", "date", "date_unixtime")
NAME_MEMBERS += ("reply_to_message_id", "reply_to_peer_id")
SPILL_BATCH = 2_000


@dataclass
class Cut:
    """Where the file ended inside the export."""

    line: int
    bytes_read: int  # of the whole file
    last_id: Any


@dataclass
class PartResult:
    """What one part's messages gave (the counts of ``run.ImportResult``)."""

    messages: int = 0
    service_messages: int = 0
    reacted_messages: int = 0
    reactions: int = 0
    skipped: int = 0
    skipped_details: list[tuple[str, str]] = field(default_factory=list)
    not_for_bots: int = 0
    days: set[str] = field(default_factory=set)
    elements: int = 0  # every element of the messages array read, broken ones included
    bytes_read: int = 0
    cut: Cut | None = None

    def skip(self, what: str, reason: str) -> None:
        self.skipped += 1
        if len(self.skipped_details) < 1000:
            self.skipped_details.append((what, reason))


Watch = Callable[[PartResult], None]


class NoCyclicGC:
    """A pass builds millions of dicts, none in a cycle: the cyclic collector, set off every few hundred,
    would walk the live ones over and over. Reference counting frees them all."""

    def __enter__(self) -> None:
        self.enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            gc.enable()


def learn(
    converter: Converter, message: dict[str, Any], seen: set[tuple], replies: ReplyThreads | NotedReplies | None
) -> None:
    """``converter.learn`` of a message of the first pass, skipped where it would learn nothing new: the
    same sender under the same name again, in a message that opens no topic. A reply is noted in
    ``replies`` (None: the chat's threads are not kept)."""
    if replies is not None:
        reply_to, message_id = replied_to(message), message.get("id")
        if reply_to is not None and type(message_id) is int and message_id in INT64:
            replies.note(message_id, reply_to)
    if converter.topics is None and is_topic_creation(message):
        converter.learn(message)
        return
    get = message.get
    sender = (get("from"), get("from_id"), get("actor"), get("actor_id"))
    try:
        if sender in seen:
            return
        seen.add(sender)
    except TypeError:  # an odd member (a list where a name belongs): learned from, as any other
        pass
    converter.learn(message)


@dataclass
class Learned:
    """What a part's first pass found: the senders' names, the first message that opens a forum topic,
    a supergroup's replies."""

    names: dict[str, int | None]
    topic_opening: dict[str, Any] | None
    replies: NotedReplies | None
    result: PartResult


def learn_part(
    path: Path, part: Part, chat: Chat, tz: ZoneInfo, export_tz: ZoneInfo | None, watch: Watch | None = None
) -> Learned:
    """Pass 1 over a part that starts inside one chat's messages. Raises the export-timezone error at the
    first message whose time needs it; a file cut short ends the pass."""
    converter = Converter(chat, tz, export_tz)
    result, seen, opening = PartResult(), set(), None
    replies = None if converter.threads is None else NotedReplies()
    with open(path, "rb") as handle, NoCyclicGC():
        reader = ExportReader(handle, _counted(path, part), only=NAME_MEMBERS)
        try:
            for element in reader.part_messages():
                result.elements += 1
                if isinstance(element, dict):
                    if opening is None and is_topic_creation(element):
                        opening = element
                    learn(converter, element, seen, replies)
                    if export_tz is None and needs_export_timezone(element):
                        raise export_timezone_missing(element, "date")
                _watched(result, reader, watch)
        except Truncated:
            result.cut = Cut(reader.line(), part.start + reader.bytes_read, reader.last_id)
    result.bytes_read = reader.bytes_read
    return Learned(converter.user_ids_by_name, opening, replies, result)


def convert(
    elements: Iterable[dict[str, Any] | Broken],
    reader: ExportReader,
    converter: Converter,
    add: Callable[[Update], None] | None,
    watch: Watch | None = None,
) -> PartResult:
    """Pass 2 over a part's messages: each converted, its updates (the message's, then its reactions')
    given to ``add`` in the file's order (None: converted and counted only). A file cut short ends the
    pass, with ``cut`` saying where."""
    result = PartResult()
    with NoCyclicGC():
        try:
            for element in elements:
                _one(element, reader, converter, result, add)
                _watched(result, reader, watch)
        except Truncated:
            result.cut = Cut(reader.line(), reader.part.start + reader.bytes_read, reader.last_id)
    result.bytes_read = reader.bytes_read
    return result


def _one(element: Any, reader: ExportReader, converter: Converter, result: PartResult, add) -> None:
    result.elements += 1
    if isinstance(element, Broken):
        where = f"message {element.message_id}" if element.message_id else f"a message after id {reader.last_id}"
        result.skip(where, f"line {element.line}: {element.reason}")
        return
    try:
        update = converter.convert(element)
    except MalformedMessage as exc:
        result.skip(f"message {element.get('id') if isinstance(element, dict) else '?'}", str(exc))
        return
    if update is None:
        result.not_for_bots += 1
        return
    if update.service:
        result.service_messages += 1
    else:
        result.messages += 1
    result.days.add(update.context_date)
    reactions = converter.reactions(element, update)
    if reactions:
        result.reacted_messages += 1
        result.reactions += exported_reactions.total(element.get("reactions"))
    if add is not None:
        add(update)
        for reaction in reactions:
            add(reaction)


def _watched(result: PartResult, reader: ExportReader, watch: Watch | None) -> None:
    """Progress reported once a chunk of the file has been read (not after every message)."""
    if watch is not None and result.bytes_read != reader.bytes_read:
        result.bytes_read = reader.bytes_read
        watch(result)


def _counted(path: Path, part: Part) -> Part:
    """The part with the lines before it counted (for the line numbers of what it reports)."""
    if not part.start or part.lines_before:
        return part
    lines, left = 0, part.start
    with open(path, "rb") as handle:
        while left > 0:
            chunk = handle.read(min(left, 1 << 22))
            if not chunk:
                break
            lines += chunk.count(b"\n")
            left -= len(chunk)
    return Part(part.start, part.stop, lines, part.last_id, part.message_end)


# -- a part read by another process ------------------------------------------------------------


_shared_progress: Any = None


def share_progress(values: Any) -> None:
    """In a process reading a part: where it reports its bytes read and messages (``values`` of
    multiprocessing, two per part)."""
    global _shared_progress
    _shared_progress = values


def learn_apart(index: int, path: Path, part: Part, chat: Chat, tz: ZoneInfo, export_tz: ZoneInfo | None) -> Learned:
    return learn_part(path, part, chat, tz, export_tz, _reporter(index))


def convert_apart(
    index: int,
    path: Path,
    part: Part,
    chat: Chat,
    tz: ZoneInfo,
    export_tz: ZoneInfo | None,
    names: dict[str, int | None],
    threads: ReplyThreads | None,
    spill: Path | None,
) -> PartResult:
    """Pass 2 over a part (of a chat that is no forum) in a process of its own, with the names and the
    reply threads the first pass found in the whole chat: its updates go to the ``spill`` file (None:
    counted only), to be written by the process that writes the days."""
    converter = Converter(chat, tz, export_tz)
    converter.user_ids_by_name, converter.threads = names, threads
    with open(path, "rb") as handle:
        reader = ExportReader(handle, _counted(path, part))
        if spill is None:
            return convert(reader.part_messages(), reader, converter, None, _reporter(index))
        with open(spill, "wb") as out:
            batch: list[tuple[int, str, bytes, int, bool]] = []

            def add(update: Update) -> None:
                batch.append((update.update_id, update.context_date, update.body, update.message_id, update.service))
                if len(batch) == SPILL_BATCH:
                    pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
                    batch.clear()

            result = convert(reader.part_messages(), reader, converter, add, _reporter(index))
            pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
    return result


def spilled(spill: Path) -> Iterator[Update]:
    """The updates a part's process wrote to ``spill``, in order."""
    with open(spill, "rb") as handle:
        while True:
            try:
                batch = pickle.load(handle)
            except EOFError:
                return
            for update_id, context_date, body, message_id, service in batch:
                yield Update(update_id, context_date, body, message_id, service=service)


def _reporter(index: int) -> Watch | None:
    values = _shared_progress
    if values is None:
        return None

    def report(result: PartResult) -> None:
        values[2 * index] = result.bytes_read
        values[2 * index + 1] = result.messages

    return report
