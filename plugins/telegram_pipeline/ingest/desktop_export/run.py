"""The import of one export: two passes over the file (the senders' names, then convert and write),
what it gives (ImportResult), a progress bar, and the error of a file cut short."""

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
from telegram_pipeline.ingest.desktop_export.convert import Chat, Converter, chat_from_header
from telegram_pipeline.ingest.desktop_export.days import PARTS_IN_FLIGHT, DayObjects
from telegram_pipeline.ingest.desktop_export.errors import ExportError
from telegram_pipeline.ingest.desktop_export.passes import Cut, PartResult
from telegram_pipeline.ingest.desktop_export.reader import Part, Truncated, parts_of, probe
from telegram_pipeline.lake import storage

# An export this large is read by one process per core (at most MAX_PROCESSES), in parts: converting a
# message is CPU-bound Python, and one process gets one core.
PARALLEL_MIN_BYTES = 16 << 20
MAX_PROCESSES = 4


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
    a second converts every message and writes the days. A large indented export is cut into parts
    (``reader.parts_of``), one process per core: each pass reads the parts side by side, and this process
    writes the days, its own part's updates first, then each other part's (from its spill file), in the
    file's order, so the objects are exactly those of one process reading it all."""

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
        self.shared: Any = None  # the other parts' progress: bytes read and messages, two values a part
        self.added: list[PartResult] = []  # the parts converted, in the file's order

    def run(self) -> ImportResult:
        parts = self._parts()
        if len(parts) == 1:
            names = self._learn_senders(parts, None)
            self._convert_and_write(parts, None, names)
            return self.result
        spawn = multiprocessing.get_context("spawn")  # no fork: this process may hold threads
        self.shared = spawn.Array("q", 2 * len(parts), lock=False)
        with ProcessPoolExecutor(
            len(parts) - 1, spawn, initializer=passes.share_progress, initargs=(self.shared,)
        ) as pool:
            names = self._learn_senders(parts, pool)
            self._convert_and_write(parts, pool, names)
        return self.result

    def _parts(self) -> list[Part]:
        """The parts to read side by side, once the header has said which chat this is."""
        with open(self.file, "rb") as handle:
            try:
                reader = probe(handle)
            except Truncated:
                raise self._cut_short(Cut(1, self.result.bytes_total, None)) from None
            self.result.chat = chat_from_header(reader.header, self.chat_id)
            return parts_of(handle, self.result.bytes_total, processes_for(self.result.bytes_total), reader.message_end)

    def _watch(self, part: PartResult) -> None:
        """The progress of this process's part, with the others' (as far as they have said)."""
        others = self.shared[0::2] if self.shared is not None else []
        self.result.bytes_read = part.bytes_read + sum(others)
        self.result.messages = part.messages + (sum(self.shared[1::2]) if self.shared is not None else 0)
        self.bar.update(self.result)

    # -- pass 1 ---------------------------------------------------------------------------------

    def _learn_senders(self, parts: list[Part], pool: ProcessPoolExecutor | None) -> dict[str, int | None]:
        """Every part read for its senders' names; what cannot be read is left to the second pass, which
        reports it. The names of all parts together, as one reader would have learned them."""
        self.bar.stage = "senders"
        chat, tz = self.result.chat, self.settings.tz
        others = [
            pool.submit(passes.learn_names_apart, n, self.file, part, chat, tz, self.export_tz)
            for n, part in enumerate(parts[1:], start=1)
        ]
        names, first = passes.learn_names(self.file, parts[0], chat, tz, self.export_tz, self._watch)
        if first.cut is not None and not first.read_any:  # cut before its first message: nothing to import
            raise self._cut_short(first.cut)
        for other in others:
            for name, user_id in other.result()[0].items():
                names[name] = user_id if names.setdefault(name, user_id) == user_id else None
        return names

    # -- pass 2 ---------------------------------------------------------------------------------

    def _convert_and_write(
        self, parts: list[Part], pool: ProcessPoolExecutor | None, names: dict[str, int | None]
    ) -> None:
        self.bar.stage = "messages"
        days = None if self.dry_run else DayObjects(self._store(), self.result.chat.id, self.workers)
        converter = Converter(self.result.chat, self.settings.tz, self.export_tz)
        converter.user_ids_by_name = names
        with tempfile.TemporaryDirectory(prefix="import-parts-") as spills:
            spill = [None if days is None else Path(spills) / f"part-{n}" for n in range(len(parts))]
            chat, tz = self.result.chat, self.settings.tz
            others = [
                pool.submit(passes.convert_apart, n, self.file, part, chat, tz, self.export_tz, names, spill[n])
                for n, part in enumerate(parts[1:], start=1)
            ]
            try:
                first = passes.convert(self.file, parts[0], converter, None if days is None else days.add, self._watch)
                self._add(first)
                cut = first.cut
                for n, other in enumerate(others, start=1):
                    result = other.result()
                    if days is not None:
                        for update in passes.spilled(spill[n]):
                            days.add(update)
                    self._add(result)
                    cut = cut or result.cut
            except BaseException:
                if days is not None:
                    days.wait(raise_error=False)  # the writes already started finish before the error goes up
                raise
        self._finish(days)
        if cut is not None:  # what came before the end of the file is written; the import fails
            raise self._cut_short(cut)

    def _add(self, part: PartResult) -> None:
        """A part's messages counted in the result (parts in the file's order)."""
        self.added.append(part)
        result, added = self.result, self.added
        result.messages = sum(p.messages for p in added)
        result.skipped = sum(p.skipped for p in added)
        result.skipped_details = [detail for p in added for detail in p.skipped_details][:1000]
        result.not_for_bots = sum(p.not_for_bots for p in added)
        result.days = set().union(*(p.days for p in added))

    def _store(self) -> storage.Store:
        return self.store if self.store is not None else storage.raw_store(self.settings)

    def _finish(self, days: DayObjects | None) -> None:
        if days is not None:
            days.close()
            self.result.objects = days.objects
        self.result.bytes_read = self.result.bytes_total
        self.bar.done(self.result)

    def _cut_short(self, cut: Cut) -> CutShortError:
        return CutShortError(
            f"{self.file} ends early, at line {cut.line} ({cut.bytes_read:,} bytes), inside the export"
            + (f", after message id {cut.last_id}" if cut.last_id is not None else "")
            + f": the file is cut short (an interrupted export or copy). The {self.result.messages:,} messages "
            "read before that point are imported and stay imported; export the chat again and rerun the import "
            "(messages already imported are rewritten unchanged).",
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
