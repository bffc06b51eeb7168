"""Consolidation alongside an import (``import-export --consolidate``): the days the import has finished
writing are consolidated by a process of their own while the import goes on, the rest once it ends.

A day is handed over once the import has written its objects and moved two days past it (Telegram
Desktop writes messages in order, so the import opens no earlier day again, as a rule), a batch of
``BATCH_DAYS`` at a time; one batch waits while another is consolidated, so the import never
runs far ahead of the consolidation. A day the import writes again after it was handed over (a message
dated out of order, or another chat's export of the same day) is consolidated again at the end, as is
every day of the range it never handed over. Each day is consolidated by ``consolidate_days`` from what
its raw folder holds once its objects are written, so the files are those of ``consolidate`` run over
the range after the import: the same bytes (``tests/integration/test_import_consolidated.py``).

The import leaves a core to the consolidation: on two cores it reads the export in one process.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Collection
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date

from telegram_pipeline import config

# Days consolidated together by the process alongside: enough that a batch's fixed costs (listing,
# the month's history state) are shared, few enough that the last batch does not hold up the end.
BATCH_DAYS = 8
# The processes consolidating alongside the import: the cores the import leaves them.
PROCESSES = 1


@dataclass
class Consolidated:
    """What the consolidation of a range gave: each day's result (the latest), and the messages of the
    days that had too many bad updates."""

    results: dict[str, object] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def add(self, results: list, failures: list[str]) -> None:
        self.results.update((result.day, result) for result in results)
        self.failures += failures

    def in_order(self) -> list:
        return [self.results[day] for day in sorted(self.results)]


def consolidate_batch(days: list[date], settings: config.Settings) -> tuple[list, list[str]]:
    """``consolidate_days`` of ``days``: their results, and the failures of those with too many bad updates."""
    from telegram_pipeline.lake import consolidate

    try:
        return consolidate.consolidate_days(days, settings), []
    except consolidate.TooManyBadObjects as exc:
        return exc.results, [str(exc)]


def _warm_up() -> None:
    """The consolidation's modules imported while the import starts, not when the first batch comes."""
    import telegram_pipeline.lake.consolidate  # noqa: F401


class ConsolidationAlongside:
    """Hears of each object the import writes (``on_write``, a ``DayObjects`` hook) and consolidates the
    days behind it in a process of its own; ``finish`` consolidates the rest and gives every day's result."""

    def __init__(self, settings: config.Settings):
        self.settings, self.processes = settings, PROCESSES
        self.written: dict[str, list[Future]] = {}  # days written, not handed over yet: their writes
        self.handed: set[str] = set()  # days handed over (consolidated or being consolidated)
        self.again: set[str] = set()  # days written again after they were handed over
        self.batches: list[Future] = []
        self.done = Consolidated()
        self.error: Exception | None = None
        spawn = multiprocessing.get_context("spawn")  # no fork: the import holds threads
        self.pool = ProcessPoolExecutor(self.processes, spawn)
        self.pool.submit(_warm_up)

    def on_write(self, day: str, write: Future, open_days: Collection[str]) -> None:
        if day in self.handed:
            self.again.add(day)
        self.written.setdefault(day, []).append(write)
        if not open_days:
            return
        behind = sorted(d for d in self.written if d < min(open_days))
        if len(behind) >= BATCH_DAYS and self._room():
            self._hand_over(behind[:BATCH_DAYS])

    def _room(self) -> bool:
        """Whether a batch may be handed over now: none is being consolidated (so that the import, once it
        ends, waits for one batch at most)."""
        self._collect()
        return not self.batches and self.error is None

    def _hand_over(self, days: list[str]) -> None:
        for day in days:
            for write in self.written.pop(day):
                write.result()  # the object is there before it is read
        self.handed.update(days)
        self.batches.append(self.pool.submit(consolidate_batch, [date.fromisoformat(d) for d in days], self.settings))

    def _collect(self, wait: bool = False) -> None:
        """The results of the batches finished (of all, with ``wait``). A batch that failed (storage, most
        likely) stops the handing over; ``finish`` raises its error, not the import."""
        while self.batches and (wait or self.batches[0].done()):
            try:
                self.done.add(*self.batches.pop(0).result())
            except Exception as exc:  # noqa: BLE001 - kept for finish, which raises it
                self.error = self.error or exc

    def finish(self, first: date, last: date) -> Consolidated:
        """Every day of ``first`` .. ``last`` consolidated: those handed over (once their batches end), then the
        rest here, in one pass (``consolidate_days``, which may use a process per core)."""
        from telegram_pipeline.lake import layout

        try:
            self._collect(wait=True)
        finally:
            self.pool.shutdown(cancel_futures=True)
        if self.error is not None:
            raise self.error
        rest = [day for day in layout.days_between(first, last) if day.isoformat() not in self.handed - self.again]
        if rest:
            self.done.add(*consolidate_batch(rest, self.settings))
        return self.done

    def abandon(self) -> None:
        """The import failed: the batch being consolidated ends (its days are consolidated as written), no other."""
        self.pool.shutdown(wait=True, cancel_futures=True)
