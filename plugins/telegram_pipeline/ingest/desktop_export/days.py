"""Imported updates into the raw zone: one JSON-lines object per chat and day,
``context_date=D/export-chat{chat_id}-msg{first message id}/{content hash}.jsonl``."""

from __future__ import annotations

import hashlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from telegram_pipeline.ingest.desktop_export.convert import Update
from telegram_pipeline.lake import storage
from telegram_pipeline.rules import raw_zone

# A day's object holds at most this much; a bigger day (or one whose messages the export does not
# keep together) continues in another object, named after its own first message.
PART_BYTES = 8 << 20
# Days filled at once: the day being read and the one before it (a message dated just before midnight
# may follow one dated just after it); a third day closes the oldest.
OPEN_DAYS = 2
# Objects being written at once: S3 PUTs wait on the network, so a few in flight.
PARTS_IN_FLIGHT = 8


def part_folder(day: str, chat_id: int, first_message_id: int) -> str:
    """The folder of one imported object: its day, its chat and the first message in it."""
    return f"{raw_zone.day_folder(day)}/export-chat{chat_id}-msg{first_message_id}"


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

    def __init__(
        self,
        store: storage.Store,
        chat_id: int,
        workers: int = PARTS_IN_FLIGHT,
    ):
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
        write = self.pool.submit(self.store.replace_folder, folder, {name: body})
        self.writing.append(write)
        self.objects += 1
        while len(self.writing) > PARTS_IN_FLIGHT:
            self.writing.popleft().result()
