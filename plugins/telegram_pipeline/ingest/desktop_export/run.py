"""The import of one export: two passes over the file (the senders' names, then convert and write),
what it gives (ImportResult), a progress bar, and the error of a file cut short."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram_pipeline import config
from telegram_pipeline.ingest.desktop_export.convert import (
    Chat,
    Converter,
    chat_from_header,
    export_timezone_missing,
    needs_export_timezone,
)
from telegram_pipeline.ingest.desktop_export.days import PARTS_IN_FLIGHT, DayObjects
from telegram_pipeline.ingest.desktop_export.errors import ExportError, MalformedMessage
from telegram_pipeline.ingest.desktop_export.reader import Broken, ExportReader, Truncated
from telegram_pipeline.lake import storage


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
                            raise export_timezone_missing(element, "date")
                    self.result.bytes_read = reader.bytes_read
                    self.bar.update(self.result)
            except Truncated:
                if self.converter is None:  # cut before its first message: nothing to import
                    raise self._cut_short(reader) from None
        if self.converter is None:
            self.converter = self._converter(reader.header)

    def _converter(self, header: dict[str, Any]) -> Converter:
        self.result.chat = chat_from_header(header, self.chat_id)
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
            except Truncated:
                self._finish(days, reader)
                raise self._cut_short(reader) from None
            except BaseException:
                if days is not None:
                    days.wait(raise_error=False)  # the writes already started finish before the error goes up
                raise
        self._finish(days, reader)

    def _store(self) -> storage.Store:
        return self.store if self.store is not None else storage.raw_store(self.settings)

    def _one(self, element: dict[str, Any] | Broken, reader: ExportReader, days: DayObjects | None) -> None:
        if isinstance(element, Broken):
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
