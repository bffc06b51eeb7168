"""The import of one chat of an export: two passes over the file (the senders' names and whether the chat
is a forum, then convert and write), what it gives (ImportResult), a progress bar, and the error of a
file cut short. A whole-account export holds many chats: one is chosen (``chat``: its id or name), or
the file must hold only one. One chat's large export is read in parts side by side (``passes.py``)."""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram_pipeline import config
from telegram_pipeline.ingest.desktop_export import passes
from telegram_pipeline.ingest.desktop_export.convert import (
    CHAT_TYPES,
    Chat,
    Converter,
    chat_from_header,
    export_timezone_missing,
    header_chat_id,
    needs_export_timezone,
)
from telegram_pipeline.ingest.desktop_export.days import PARTS_IN_FLIGHT, DayObjects
from telegram_pipeline.ingest.desktop_export.errors import ExportError
from telegram_pipeline.ingest.desktop_export.passes import Cut, PartResult
from telegram_pipeline.ingest.desktop_export.reader import ExportChat, ExportReader, Part, Truncated, parts_of, probe
from telegram_pipeline.lake import storage

# One chat's export this large is read by one process per core (at most MAX_PROCESSES), in parts:
# converting a message is CPU-bound Python, and one process gets one core.
PARALLEL_MIN_BYTES = 16 << 20
MAX_PROCESSES = 4


@dataclass
class ImportResult:
    chat: Chat | None = None
    messages: int = 0  # messages people (or bots) posted
    service_messages: int = 0  # joins, pins, topics created, … (stored, not counted as messages)
    reacted_messages: int = 0  # messages holding reactions
    reactions: int = 0  # the reactions they hold (each reaction's count, added up)
    unresolved_topics: int = 0  # forum replies to a message the export does not hold: counted in General
    skipped: int = 0
    skipped_details: list[tuple[str, str]] = field(default_factory=list)
    not_for_bots: int = 0
    days: set[str] = field(default_factory=set)
    objects: int = 0  # objects written to the raw zone
    bytes_read: int = 0
    bytes_total: int = 0

    @property
    def updates(self) -> int:
        """Messages and service messages: what the import wrote (besides reactions)."""
        return self.messages + self.service_messages

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
        if self.messages or self.service_messages or not (self.skipped or self.not_for_bots):
            return None
        seen = self.skipped + self.not_for_bots
        parts = []
        if self.skipped:
            reasons = list(dict.fromkeys(reason for _, reason in self.skipped_details))
            parts.append(f"{self.skipped:,} could not be read (" + "; ".join(reasons[:3]) + ")")
        if self.not_for_bots:
            parts.append(f'{self.not_for_bots:,} are things no bot receives (calls, "joined Telegram", …)')
        return f"none of the export's {seen:,} messages became an update: " + ", and ".join(parts)


@dataclass
class ChatInFile:
    """A chat of an export, as a list of them shows it."""

    export_id: Any
    name: Any
    type: Any
    messages: int = 0

    def matches(self, wanted: str) -> bool:
        """Whether ``wanted`` names this chat: its id in the export or in the Bot API, or its name (any case)."""
        wanted = wanted.strip()
        ids = set()
        if type(self.export_id) is int:
            ids.add(str(self.export_id))
            if isinstance(self.type, str) and self.type in CHAT_TYPES:
                ids.add(str(header_chat_id(self.export_id, CHAT_TYPES[self.type])))
        return wanted in ids or (isinstance(self.name, str) and self.name.casefold() == wanted.casefold())

    def __str__(self) -> str:
        kind = CHAT_TYPES.get(self.type, self.type) if isinstance(self.type, str) else self.type
        return f"{self.export_id} {self.name!r} ({kind}, {self.messages:,} messages)"


def _chats_listed(chats: list[ChatInFile], limit: int = 20) -> str:
    listed = "; ".join(str(chat) for chat in chats[:limit])
    return listed + (f"; … and {len(chats) - limit:,} more" if len(chats) > limit else "")


class CutShortError(ExportError):
    """The file ends before the export does; what was read before that point stays imported."""

    def __init__(self, message: str, result: ImportResult):
        super().__init__(message)
        self.result = result


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


def processes_for(size: int) -> int:
    """Processes that read an export of ``size`` bytes side by side."""
    return 1 if size < PARALLEL_MIN_BYTES else max(1, min(MAX_PROCESSES, len(os.sched_getaffinity(0))))


class ExportImport:
    """One import of one export: a first pass over the file learns the senders' names (service messages
    name the members they add or remove by display name only, often before those members ever post),
    a second converts every message and writes the days. One chat's large indented export is cut into
    parts (``reader.parts_of``), one process per core: each pass reads the parts side by side (the
    second only outside forums, whose topics follow from the messages before), and this process writes
    the days, its own part's updates first, then each other part's (from its spill file), in the
    file's order, so the objects are exactly those of one process reading it all."""

    def __init__(
        self,
        file: Path,
        *,
        chat: str | None,
        chat_id: int | None,
        export_tz: ZoneInfo | None,
        settings: config.Settings,
        store: storage.Store | None,
        workers: int,
        dry_run: bool,
        progress: bool,
    ):
        self.file, self.wanted, self.chat_id, self.export_tz, self.settings = file, chat, chat_id, export_tz, settings
        self.store, self.workers, self.dry_run = store, workers, dry_run
        self.result = ImportResult(bytes_total=file.stat().st_size)
        self.bar = Progress(progress)
        self.converter: Converter | None = None
        self.chats: list[ChatInFile] = []  # every chat of the file, as the first pass found them
        self.chosen: int | None = None  # the position in the file of the chat imported
        self.unreadable: ExportError | None = None  # why the chat taken before knowing the file's chats cannot be
        self.parts: list[Part] = [Part()]
        self.parts_chat: Chat | None = None  # the chat of a file read in parts
        self.shared: Any = None  # the other parts' progress: bytes read and messages, two values a part
        self.added: list[PartResult] = []  # the parts converted, in the file's order

    def run(self) -> ImportResult:
        self._cut_into_parts()
        if len(self.parts) == 1:
            self._learn_senders(None)
            self._convert_and_write(None)
            return self.result
        spawn = multiprocessing.get_context("spawn")  # no fork: this process may hold threads
        self.shared = spawn.Array("q", 2 * len(self.parts), lock=False)
        init = {"initializer": passes.share_progress, "initargs": (self.shared,)}
        with ProcessPoolExecutor(len(self.parts) - 1, spawn, **init) as pool:
            self._learn_senders(pool)
            self._convert_and_write(pool)
        return self.result

    def _cut_into_parts(self) -> None:
        """Parts to read side by side: only one chat's export (its chat readable), large and indented."""
        processes = processes_for(self.result.bytes_total)
        if processes < 2:
            return
        with open(self.file, "rb") as handle:
            try:
                reader = probe(handle)
                self.parts_chat = None if reader is None else chat_from_header(reader.header, self.chat_id)
            except (ExportError, Truncated):
                return  # the passes say what is wrong with it
            if reader is not None:
                self.parts = parts_of(handle, self.result.bytes_total, processes, reader.message_end)

    def _watch(self, part: PartResult) -> None:
        """The progress of this process's part, with the others' (as far as they have said)."""
        shared = self.shared if self.shared is not None else [0, 0]
        self.result.bytes_read = part.bytes_read + sum(shared[0::2])
        self.result.messages = sum(p.messages for p in self.added) + part.messages + sum(shared[1::2])
        self.bar.update(self.result)

    # -- pass 1 ---------------------------------------------------------------------------------

    def _learn_senders(self, pool: ProcessPoolExecutor | None) -> None:
        """Read every message of the chosen chat for its sender's name and whether it opens a topic, and
        check that its time can be read; count the other chats' messages, to list them. What cannot be
        read is left to the second pass, which reports it. The other parts, read by other processes,
        add what they learned: together it is what one reader would have learned."""
        self.bar.stage = "senders"
        tz, chat = self.settings.tz, self.parts_chat
        others = [
            pool.submit(passes.learn_apart, n, self.file, part, chat, tz, self.export_tz)
            for n, part in enumerate(self.parts[1:], start=1)
        ]
        with open(self.file, "rb") as handle, passes.NoCyclicGC():
            reader = ExportReader(handle, self.parts[0], only=passes.NAME_MEMBERS)
            try:
                for position, chat in enumerate(reader.chats()):
                    self._learn_chat(position, chat, reader)
            except Truncated:
                if self.converter is None:  # cut before the chat's first message: nothing to import
                    raise self._cut_short(Cut(reader.line(), reader.bytes_read, reader.last_id)) from None
        for other in others:
            self._add_learned(other.result())
        self._check_choice()

    def _learn_chat(self, position: int, chat: ExportChat, reader: ExportReader) -> None:
        listed = ChatInFile(chat.header.get("id"), chat.header.get("name"), chat.header.get("type"))
        self.chats.append(listed)
        if self.chosen is None and (self.wanted is None or listed.matches(self.wanted)):
            self.chosen = position
            try:
                self.converter = self._converter(chat.header)
            except ExportError as exc:
                if self.wanted is not None:
                    raise
                # asked for none: if the file holds other chats too, the error is that it does
                self.unreadable = exc
        chosen = position == self.chosen and self.converter is not None
        seen: set[tuple] = set()
        for element in chat.messages:
            listed.messages += 1
            if chosen and isinstance(element, dict):
                passes.learn(self.converter, element, seen, self.converter.threads)
                if self.export_tz is None and needs_export_timezone(element):
                    raise export_timezone_missing(element, "date")
            if listed.messages % 1024 == 0:
                self.result.bytes_read = reader.bytes_read
                self.bar.update(self.result)
        if chosen:
            self.result.chat = self.converter.chat  # a forum once a topic was seen

    def _add_learned(self, learned: passes.Learned) -> None:
        """Another part's names and topics, as if this process had read them after its own."""
        self.chats[0].messages += learned.result.elements
        if self.converter is None:
            return
        names = self.converter.user_ids_by_name
        for name, user_id in learned.names.items():
            names[name] = user_id if names.setdefault(name, user_id) == user_id else None
        if learned.topic_opening is not None and self.converter.topics is None:
            self.converter.learn(learned.topic_opening)
        if learned.replies is not None and self.converter.threads is not None:
            learned.replies.into(self.converter.threads)
        self.result.chat = self.converter.chat

    def _check_choice(self) -> None:
        """The file holds the chat asked for, once; or, asked for none, exactly one chat."""
        if self.wanted is None:
            if len(self.chats) > 1:
                raise ExportError(
                    f"{self.file} is a whole-account export of {len(self.chats):,} chats; choose one with "
                    f"--chat ID|NAME: {_chats_listed(self.chats)}"
                )
            if self.unreadable is not None:
                raise self.unreadable
            return
        found = [chat for chat in self.chats if chat.matches(self.wanted)]
        if not found:
            raise ExportError(f"{self.file} holds no chat {self.wanted!r}; it holds: {_chats_listed(self.chats)}")
        if len(found) > 1:
            raise ExportError(
                f"{self.file} holds {len(found)} chats named {self.wanted!r}; choose one by its id: {_chats_listed(found)}"
            )

    def _converter(self, header: dict[str, Any]) -> Converter:
        self.result.chat = chat_from_header(header, self.chat_id)
        return Converter(self.result.chat, self.settings.tz, self.export_tz)

    # -- pass 2 ---------------------------------------------------------------------------------

    def _convert_and_write(self, pool: ProcessPoolExecutor | None) -> None:
        self.bar.stage = "messages"
        days = None if self.dry_run else DayObjects(self._store(), self.result.chat.id, self.workers)
        add = None if days is None else days.add
        # a forum's topics follow from the messages before: read in one part
        parts = self.parts if self.converter.topics is None else [Part()]
        with tempfile.TemporaryDirectory(prefix="import-parts-") as spills:
            spill = [None if days is None else Path(spills) / f"part-{n}" for n in range(len(parts))]
            chat, tz, names = self.converter.chat, self.settings.tz, self.converter.user_ids_by_name
            threads = self.converter.threads
            others = [
                pool.submit(
                    passes.convert_apart, n, self.file, part, chat, tz, self.export_tz, names, threads, spill[n]
                )
                for n, part in enumerate(parts[1:], start=1)
            ]
            try:
                cut = self._add(self._convert_own(parts[0], add))
                for n, other in enumerate(others, start=1):
                    result = other.result()
                    if days is not None:
                        for update in passes.spilled(spill[n]):
                            days.add(update)
                    cut = cut or self._add(result)
            except BaseException:
                if days is not None:
                    days.wait(raise_error=False)  # the writes already started finish before the error goes up
                raise
        self._finish(days)
        if cut is not None:  # what came before the end of the file is written; the import fails
            raise self._cut_short(cut)

    def _convert_own(self, part: Part, add) -> PartResult:
        """This process's part of the chosen chat, converted; the rest of the file read past (a whole file
        or a cut one)."""
        result = PartResult()
        with open(self.file, "rb") as handle:
            reader = ExportReader(handle, part)
            try:
                for position, chat in enumerate(reader.chats()):
                    if position == self.chosen:
                        result = passes.convert(chat.messages, reader, self.converter, add, self._watch)
                        if result.cut is not None:
                            return result
            except Truncated:
                result.cut = Cut(reader.line(), reader.bytes_read, reader.last_id)
        return result

    def _add(self, part: PartResult) -> Cut | None:
        """A part's messages counted in the result (parts in the file's order); where the file ended."""
        self.added.append(part)
        result, added = self.result, self.added
        for name in ("messages", "service_messages", "reacted_messages", "reactions", "skipped", "not_for_bots"):
            setattr(result, name, sum(getattr(p, name) for p in added))
        result.skipped_details = [detail for p in added for detail in p.skipped_details][:1000]
        result.days = set().union(*(p.days for p in added))
        return part.cut

    def _store(self) -> storage.Store:
        return self.store if self.store is not None else storage.raw_store(self.settings)

    def _finish(self, days: DayObjects | None) -> None:
        if self.converter.topics is not None:
            self.result.unresolved_topics = self.converter.topics.unresolved
        if days is not None:
            days.close()
            self.result.objects = days.objects
        self.result.bytes_read = self.result.bytes_total
        self.bar.done(self.result)

    def _cut_short(self, cut: Cut) -> CutShortError:
        return CutShortError(
            f"{self.file} ends early, at line {cut.line} ({cut.bytes_read:,} bytes), inside the export"
            + (f", after message id {cut.last_id}" if cut.last_id is not None else "")
            + ": the file is cut short (an interrupted export or copy). What was read before that point is imported "
            f"and stays imported (messages: {self.result.messages:,}; service messages: {self.result.service_messages:,}); "
            "export the chat again and rerun the import (messages already imported are rewritten unchanged).",
            self.result,
        )


def _export_file(path: str | os.PathLike) -> Path:
    path = Path(path)
    if path.is_dir():
        path = path / "result.json"
    if not path.is_file():
        raise FileNotFoundError(f"no export at {path} (Telegram Desktop names it result.json)")
    return path


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
    chat: str | None = None,
    chat_id: int | None = None,
    export_timezone: str | None = None,
    settings: config.Settings | None = None,
    store: storage.Store | None = None,
    workers: int = PARTS_IN_FLIGHT,
    dry_run: bool = False,
    progress: bool = False,
) -> ImportResult:
    """Import one chat of the export at ``path`` (a result.json, or the folder holding it) into the raw zone.

    ``chat``: which chat of a whole-account export (its id, in the export or the Bot API, or its name);
    without it the file must hold one chat. ``chat_id`` overrides the Bot API chat id (a group that migrated to a supergroup has the
    supergroup's id in live data). ``export_timezone`` is required only for exports whose dates name
    no zone and have no ``date_unixtime``. Raises ExportError for an export that cannot be imported
    (before writing anything), CutShortError (with what was imported before) for a file that ends early.
    """
    export_tz = _export_timezone(export_timezone)
    run = ExportImport(
        _export_file(path),
        chat=chat,
        chat_id=chat_id,
        export_tz=export_tz,
        settings=settings or config.load(),
        store=store,
        workers=workers,
        dry_run=dry_run,
        progress=progress,
    )
    return run.run()
