"""Daily consolidation: one day's raw JSON updates → one deterministic zstd Parquet file.

``consolidate_day(day)`` reads every object under ``{RAW_URI}/context_date=D/`` (paginated listing,
concurrent reads through ``Store.read_many``; a large day split over a few processes), flattens each
with ``parse``, keeps one row per ``update_id``, sorts by it and replaces
``{CURATED_URI}/messages/context_date=D/data.parquet`` in one write, with the day's history state beside
it (``history/``, and its month's: lake/history.py). The same raw objects always give a
byte-identical file, so reruns and retries change nothing. A day without updates has no file (and no
manifest): it costs nothing, and the reports count it as zero.

``consolidate_days(days)`` does many days in one pass, with the same files as day by day: their
objects, in day order, cut into runs of about equal weight, which one process per core takes as it
goes (this one from the first, the others from the last back; ``_run_all``); rows made Arrow tables a
batch at a time across days; finished days written a batch of days at a time, their files flushed to
disk side by side.

Bad objects are copied to ``{QUARANTINE_URI}/context_date=D/`` with a ``.reason.json`` beside each,
and left out; above ``MAX_BAD_SHARE`` the day fails after quarantining, leaving the previous partition
as it was. A storage error other than "not found" is never a bad object: it fails the task so that
Airflow retries it. A raw zone that is missing or may not be listed, or a day listed empty whose
partition has rows, fails too (``RawZoneUnusable``, ``AccessDenied``): never taken for a quiet day.

Imported history (``ingest/desktop_export/``) comes as JSON-lines objects (``*.jsonl``, one update a
line, one object per chat and day) beside the webhook's single updates; each line is read as if it
were an object of its own (bad ones quarantined as ``<object>#line<n>``), so both give the same rows.

Partition rule (the webhook's): an update belongs to the day, in TIMEZONE, of its event time: the
`edit_date` (``edited_at``) for edited_message / edited_channel_post, the `date` (``sent_at``) for
every other type. An object filed under a day that its event time contradicts is quarantined as
misfiled, so a partition never holds a row the quality check would reject.

``consolidate_with_late_days(day)`` is what the DAG runs: the day plus the ``LATE_DAYS`` days before
it, each past day skipped when its raw listing is unchanged since it was last consolidated (a small
manifest under ``{CURATED_URI}/_manifests/``, outside the table's folders).
"""

from __future__ import annotations

import bisect
import gc
import hashlib
import itertools
import json
import multiprocessing
import operator
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.lake import history, layout, parse, privacy, schema, storage, tokens
from telegram_pipeline.rules import days, raw_zone

# Bump when what a row holds changes (parse.py, or the word rule's terms of text/): every manifest then
# misses, and the days the DAG looks at again are rewritten.
PARSER_VERSION = 9
# A day this large is split into contiguous runs of keys, one process each: flattening is CPU-bound
# Python, and one process gets one core. Contiguous runs keep "the first key wins" for duplicates.
PARALLEL_MIN_OBJECTS = 20_000
MAX_PROCESSES = 4
BATCH_ROWS = 5_000  # a row as a dict, with its terms, takes several times its size as Arrow columns
# What an imported JSON-lines object (a chat's day) weighs beside a single update, when a run of keys is
# cut into equal shares for the processes: the listing gives no sizes, and a day of a busy group holds
# about this many updates.
IMPORTED_WEIGHT = 1_000
# Runs a large day or range is cut into for each process: the processes take them as they go, this one
# from the first and the others from the last, so that a late start (a new Python and its imports take
# 0.3-0.5 s) or a core shared with other work costs a run's time at most.
RUNS_PER_PROCESS = 16
# Finished days written together, their files flushed to disk side by side.
WRITE_BATCH_DAYS = 32


class TooManyBadObjects(RuntimeError):
    """Days with more bad updates than MAX_BAD_SHARE: quarantined, their partitions left as they were.
    ``results``: the days of the same run that were written."""

    def __init__(self, message: str, results: list[DayResult] | None = None):
        super().__init__(message)
        self.results = results or []


class RawZoneUnusable(RuntimeError):
    """The raw zone is missing, or lists nothing for a day that has rows: never taken for a quiet day."""


@dataclass
class DayResult:
    day: str
    objects: int = 0  # raw objects listed under the day
    updates: int = 0  # updates read: one per single-update object, one per line of an imported object
    rows: int = 0  # rows written = distinct good updates
    duplicates: int = 0  # good objects whose update_id another object already had
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)  # reason kind -> count
    skipped: bool = False  # a past day whose raw listing had not changed: not rewritten
    parquet_sha256: str = ""
    parquet_bytes: int = 0
    requests_in_flight: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def listing_fingerprint(keys: list[str]) -> str:
    # Keys alone: a raw key is the update_id and Telegram never changes an update's body, so new or
    # removed objects are what late data looks like. The parser version is part of it too.
    digest = hashlib.sha256(f"parser={PARSER_VERSION};columns={','.join(schema.COLUMN_NAMES)}\n".encode())
    for key in keys:
        digest.update(key.encode() + b"\n")
    return digest.hexdigest()


def to_table(rows: list[dict[str, Any]]):
    """Rows (timestamps as Unix seconds) → an Arrow table of exactly ``schema.arrow_schema()``, the
    columns derived from the text (``lake/tokens.py``) computed as for a day of these rows alone."""
    return tokens.settled(_unsettled_table(rows))


def _unsettled_table(rows: list[dict[str, Any]], parsed: bool = False):
    """``to_table`` of a run of a day's rows: the short texts' languages not yet settled, and the
    working columns ``tokens.settled`` reads once the day is one table. ``parsed``: the rows are
    ``parse.flatten``'s, whose keys are the columns in the table's order."""
    import pyarrow as pa
    import pyarrow.compute as pc

    working = tokens.fill_words(rows)
    target = schema.arrow_schema()
    # Each row to a tuple in schema order in C, then transposed: gathering one column at a time
    # walks 100,000 scattered dicts 27 times over, which cost 4x more. A parsed row's values are in
    # that order already: taking them is a third cheaper than looking up each of its keys.
    in_schema_order = dict.values if parsed else operator.itemgetter(*target.names)
    columns = list(zip(*map(in_schema_order, rows), strict=True)) if rows else [()] * len(target)
    arrays = []
    for column, values in zip(target, columns, strict=True):
        if pa.types.is_timestamp(column.type):
            seconds = pa.array(values, pa.int64())
            arrays.append(pc.multiply(seconds, 1_000_000).cast(column.type))
            continue
        try:
            arrays.append(pa.array(values, column.type))
        except (UnicodeEncodeError, pa.ArrowInvalid):
            # A JSON "\ud800" escape gives a lone surrogate, which UTF-8 cannot hold: replace it.
            arrays.append(pa.array(_utf8_safe(list(values)), column.type))
    table = tokens.with_derived_columns(pa.Table.from_arrays(arrays, schema=target))
    return tokens.with_working_columns(table, working)


def _utf8_safe(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", errors="replace").decode("utf-8")
    if isinstance(value, list):
        return [_utf8_safe(v) for v in value]
    return value


def _quarantine_files(day: date, bad: dict[str, tuple[str, bytes | None]]) -> dict[str, bytes]:
    """What the day's quarantine folder holds after this run: exactly its bad objects (rerun-safe)."""
    files: dict[str, bytes] = {}
    for key, (reason, data) in sorted(bad.items()):
        name = key.rsplit("/", 1)[-1]
        if data is not None:
            files[name] = data
        note = {"raw_key": key, "day": day.isoformat(), "reason": reason, "bytes": None if data is None else len(data)}
        files[f"{name}.reason.json"] = json.dumps(note, ensure_ascii=False, sort_keys=True).encode()
    return files


def _too_many_bad(day: date, result: DayResult, settings: config.Settings) -> str:
    bad = result.quarantined
    return (
        f"context_date={day}: {bad} of {result.updates} raw objects are bad ({bad / result.updates:.1%} > "
        f"MAX_BAD_SHARE {settings.max_bad_share:.1%}); reasons {result.reasons}; copies and reasons are in "
        f"{storage.quarantine_store(settings).url(raw_zone.day_folder(day))}/. The partition was left as it was."
    )


def _reason_kind(reason: str) -> str:
    return reason.split(":", 1)[0]


@contextmanager
def _without_cyclic_gc():
    """Reading a day builds hundreds of thousands of dicts and lists, none of them in a cycle. Every
    few hundred new ones set off the cyclic collector, which walks the rows still alive: measured at
    2-3x the cost of the parsing itself. Reference counting alone frees all of it; what botocore leaves
    for the collector (3 small objects per GET, measured) waits until it is back on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


IMPORTED_SUFFIX = ".jsonl"


def _updates_of(key: str, data: bytes) -> Iterable[tuple[int | None, bytes]]:
    """(line number, bytes) of each update in an object: the lines of an imported JSON-lines object, or
    the object itself (None), as a tuple: no generator for each of a day's 100,000 single updates."""
    if not key.endswith(IMPORTED_SUFFIX):
        return ((None, data),)
    return _lines_of(data)


def _lines_of(data: bytes) -> Iterator[tuple[int, bytes]]:
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line and not line.isspace():
            yield number, line


def _name(key: str, line: int | None) -> str:
    """What the quarantine calls an update: its object's key, ``<key>#line<n>`` for a line of one."""
    return key if line is None else f"{key}#line{line}"


@dataclass
class DayRows:
    """What has been read of one day: its rows as Arrow tables (each sorted by update_id), the bad updates
    {name: (reason, bytes or None)}, the duplicates dropped, the updates and objects read."""

    day: date
    tables: list = field(default_factory=list)
    bad: dict[str, tuple[str, bytes | None]] = field(default_factory=dict)
    duplicates: int = 0
    updates: int = 0
    objects: int = 0
    seconds: float = 0.0
    pending: int = 0  # rows of this day in the batch not yet made a table

    def merged(self) -> tuple[Any, int]:
        """One table sorted by update_id (its short texts' languages not yet settled: ``tokens.settled``
        takes the whole day), and the duplicates found across its tables."""
        return merge_slices(self.tables) if self.tables else (_unsettled_table([]), 0)


def read_run(run: list[tuple[date, str]], settings: config.Settings) -> Iterator[DayRows]:
    """Read and flatten a contiguous run of (day, key), days in order and each day's keys in key order:
    yields each day once all its rows are Arrow tables. The first key with an update_id wins. Rows
    become tables BATCH_ROWS at a time, across days: a quiet day costs a slice of a batch, not a batch."""
    raw = storage.raw_store(settings)
    rows: list[dict[str, Any]] = []
    waiting: list[DayRows] = []  # read, not yet yielded: the day being read last
    seen: set[int] = set()
    state: DayRows | None = None
    started = time.perf_counter()
    with _without_cyclic_gc():
        for (day, key), (_, stored) in zip(run, raw.read_many(key for _, key in run), strict=True):
            if state is None or state.day != day:
                if state is not None:
                    state.seconds += time.perf_counter() - started
                started = time.perf_counter()
                state, start, end = DayRows(day), *days.day_bounds(day, settings.tz)
                waiting.append(state)
                seen = set()
            state.objects += 1
            if isinstance(stored, storage.ObjectNotFound):
                state.bad[key] = ("missing: listed, then gone when read", None)
                state.updates += 1
                continue
            if isinstance(stored, Exception):
                raise stored
            for line, data in _updates_of(key, stored):
                state.updates += 1
                try:
                    row = parse.parse(data)
                except parse.BadUpdate as exc:
                    state.bad[_name(key, line)] = (exc.reason, data)
                    continue
                moment = days.event_time(row["update_type"], row["sent_at"], row["edited_at"])
                if moment is not None and not start <= moment < end:
                    filed_on = days.day_of(moment, settings.tz)
                    reason = f"misfiled: its event time is on {filed_on} in {settings.timezone}, not {day}"
                    state.bad[_name(key, line)] = (reason, data)
                    continue
                if row["update_id"] in seen:
                    state.duplicates += 1
                    continue
                seen.add(row["update_id"])
                rows.append(row)
                state.pending += 1
                if len(rows) == BATCH_ROWS:  # as Arrow columns, a row takes a fraction of its size as a dict
                    _to_tables(rows, waiting)
                    rows = []
                    yield from waiting[:-1]
                    del waiting[:-1]
        if state is not None:
            state.seconds += time.perf_counter() - started
        _to_tables(rows, waiting)
    yield from waiting


def _to_tables(rows: list[dict[str, Any]], waiting: list[DayRows]) -> None:
    """One table of ``rows`` (the pending rows of ``waiting``'s days, one day after another), each day's
    rows sorted by update_id; each day gets its slice."""
    offset = 0
    for state in waiting:
        rows[offset : offset + state.pending] = sorted(
            rows[offset : offset + state.pending], key=operator.itemgetter("update_id")
        )
        offset += state.pending
    if not rows:
        return
    table = _unsettled_table(rows, parsed=True)
    offset = 0
    for state in waiting:
        if state.pending:
            state.tables.append(table.slice(offset, state.pending))
            offset += state.pending
            state.pending = 0


def merge_slices(tables: list) -> tuple[Any, int]:
    """One table sorted by update_id, one row per update_id (an earlier slice's row wins), and the
    number of rows dropped as duplicates across slices."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = pa.concat_tables(tables).combine_chunks()
    if _ascending_without_overlap(tables):  # the usual case: keys are update ids, listed in order
        return table, 0
    order = pc.sort_indices(table, [("update_id", "ascending")])  # stable: slice order among equals
    ids = pc.take(table["update_id"], order)
    first = pc.not_equal(ids[1:], ids[:-1])
    keep = pa.concat_arrays([pa.array([True]), first.combine_chunks()]) if len(ids) else pa.array([], pa.bool_())
    merged = pc.take(table, pc.filter(order, keep)).combine_chunks()
    return merged, table.num_rows - merged.num_rows


def _ascending_without_overlap(tables: list) -> bool:
    """Each table is sorted by update_id: do they follow one another without sharing one?"""
    ranges = [(t["update_id"][0].as_py(), t["update_id"][-1].as_py()) for t in tables if t.num_rows]
    return all(before[1] < after[0] for before, after in zip(ranges, ranges[1:], strict=False))


def processes_for(objects: int) -> int:
    if objects < PARALLEL_MIN_OBJECTS:
        return 1
    return max(1, min(MAX_PROCESSES, len(os.sched_getaffinity(0))))


def processes_allowed(settings: config.Settings) -> int:
    """At most how many processes consolidate: CONSOLIDATE_PROCESSES, one per core when ``auto``; one in a
    daemonic process (a Celery worker's task on MWAA), which may not start processes of its own."""
    if multiprocessing.current_process().daemon:
        return 1
    return settings.consolidate_processes or MAX_PROCESSES


def _weight(key: str) -> int:
    return IMPORTED_WEIGHT if key.endswith(IMPORTED_SUFFIX) else 1


def processes_of(work: list[tuple[date, str]], most: int = MAX_PROCESSES) -> int:
    """How many processes read ``work``: processes_for its weight, no more than ``most`` nor its keys."""
    return min(processes_for(sum(_weight(key) for _, key in work)), len(work), most) or 1


def split_runs(work: list[tuple[date, str]], processes: int = 1) -> list[list[tuple[date, str]]]:
    """``work`` cut into contiguous runs: one for one process. For several, which take the runs from
    either end (``_run_all``), runs that shrink towards where this process's share (1 / processes of the
    weight) ends: each half of what is left of its side, (1 / (2 x the other processes)) on the others',
    down to a smallest run of 1 / (processes x RUNS_PER_PROCESS) of the weight. Where the processes meet,
    whichever started late or shares its core reads a few small runs fewer; far from it, large runs keep
    what each run costs (a writer, a history state) few. A cut falls between two days where one is within
    half a smallest run: a day read whole is finished by the process that read it, where a day cut in two
    is put together by the consolidating process."""
    if processes <= 1 or not work:
        return [work]
    done = list(itertools.accumulate((_weight(key) for _, key in work), initial=0))  # weight before each item
    total = done[-1]
    smallest = total / (processes * RUNS_PER_PROCESS)
    middle = total / processes
    targets = [middle]
    edge = 0.0
    while middle - edge > smallest:  # this process's side, from the first run
        edge += max(smallest, (middle - edge) / 2)
        targets.append(min(edge, middle))
    edge = float(total)
    while edge - middle > smallest:  # the others' side, from the last run back
        edge -= max(smallest, (edge - middle) / (2 * (processes - 1)))
        targets.append(max(edge, middle))
    between_days = [i for i in range(1, len(work)) if work[i][0] != work[i - 1][0]]
    cuts = set()
    for target in targets:
        cut = bisect.bisect_left(done, target)
        nearest = bisect.bisect_left(between_days, cut)
        day_cut = min(
            between_days[max(0, nearest - 1) : nearest + 1], key=lambda i: abs(done[i] - target), default=None
        )
        cuts.add(day_cut if day_cut is not None and abs(done[day_cut] - target) <= smallest / 2 else cut)
    edges = [0, *sorted(cut for cut in cuts if 0 < cut < len(work)), len(work)]
    return [work[start:end] for start, end in zip(edges, edges[1:], strict=False) if end > start]


@dataclass
class _RunOutcome:
    """What one process made of its run: the days it finished and wrote, the messages of those that had
    too many bad updates, and the days it shares with the runs beside it (to be merged, then written)."""

    results: list[DayResult]
    failures: list[str]
    shared: list[DayRows]


def _consolidate_run(
    run: list[tuple[date, str]], settings: config.Settings, shares_first: bool, shares_last: bool
) -> _RunOutcome:
    writer = _DayWriter(settings, requests_in_flight=min(storage.raw_store(settings).concurrency, len(run)))
    listings: dict[date, list[str]] = {}
    for day, key in run:
        listings.setdefault(day, []).append(key)
    shared = []
    for rows in read_run(run, settings):
        if (shares_first and rows.day == run[0][0]) or (shares_last and rows.day == run[-1][0]):
            table, duplicates = rows.merged()
            shared.append(replace(rows, tables=[table], duplicates=rows.duplicates + duplicates))
        else:
            writer.add(rows, listings[rows.day])
    writer.flush()
    return _RunOutcome(writer.results, writer.failures, shared)


class _DayWriter:
    """Finishes days (quarantine, the bad share, pseudonyms, Parquet) and writes them WRITE_BATCH_DAYS at a
    time: the quarantine folders, then the partitions, then the manifests, each batch flushed to disk
    together. A day with no row has no partition (what it had is removed); one with no object has no
    manifest either."""

    def __init__(self, settings: config.Settings, requests_in_flight: int = 1):
        self.settings, self.requests_in_flight = settings, requests_in_flight
        self.results: list[DayResult] = []
        self.failures: list[str] = []
        self.quarantine: dict[str, dict[str, bytes]] = {}
        self.partitions: dict[str, dict[str, bytes]] = {}
        self.manifests: dict[str, bytes] = {}
        self.unmanifested: list[str] = []
        self.batch: list[DayResult] = []
        self.history_rows: dict[date, Any] = {}  # the days whose history states are computed together
        self.encoding: list[tuple[DayResult, Future]] = []  # the days whose Parquet files are being encoded
        self.manifested: list[tuple[DayResult, list[str]]] = []
        self.encoder: ThreadPoolExecutor | None = None

    def _encoder(self) -> ThreadPoolExecutor:
        if self.encoder is None:
            self.encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet")
        return self.encoder

    def add(self, rows: DayRows, listing: list[str]) -> None:
        table, cross_duplicates = rows.merged() if rows.tables else (None, 0)
        rows.tables = []  # merged into one: the slices' memory is free for the day's last steps
        day = rows.day
        result = DayResult(
            day=day.isoformat(),
            objects=rows.objects,
            updates=rows.updates,
            duplicates=rows.duplicates + cross_duplicates,
            quarantined=len(rows.bad),
            requests_in_flight=self.requests_in_flight if rows.objects else 0,
            seconds=rows.seconds,
        )
        for reason, _ in rows.bad.values():
            result.reasons[_reason_kind(reason)] = result.reasons.get(_reason_kind(reason), 0) + 1
        self.quarantine[raw_zone.day_folder(day)] = _quarantine_files(day, rows.bad)
        self.batch.append(result)
        if result.updates and len(rows.bad) / result.updates > self.settings.max_bad_share:
            self.failures.append(_too_many_bad(day, result, self.settings))
            return
        if table is not None:
            table = tokens.settled(table)  # the short texts' languages, by their senders' other texts of the day
            table = privacy.pseudonymize(table, self.settings.pseudonymize_key)
            result.rows = table.num_rows
        if result.rows:
            # the Parquet file encoded by a thread while this one computes the history state and the next
            # days: both run in C without the GIL, so the day's last, serial step takes two cores
            self.encoding.append((result, self._encoder().submit(_parquet_file, table)))
            # the day's history state (lake/history.py), written with its partition, before its manifest;
            # what it reads of the rows kept in one chunk per column (a settled table is sliced, which
            # DuckDB scans slowly) until the states of a few days are computed together
            self.history_rows[day] = history.rows_read(table)
            if sum(kept.num_rows for kept in self.history_rows.values()) >= history.ROWS_PER_QUERY:
                self._add_history_states()
        else:
            self.partitions[layout.partition_prefix(day)] = {}
            self.partitions[history.day_prefix(day)] = {}
        if result.objects:
            self.manifested.append((result, listing))  # once its file is encoded: it holds its hash
        else:
            self.unmanifested.append(layout.manifest_key(day))
        self.results.append(result)
        if len(self.batch) >= WRITE_BATCH_DAYS:
            self.flush()

    def _add_history_states(self) -> None:
        for day, state in history.of_days(self.history_rows).items():
            body = history.parquet_bytes(state)
            self.partitions[history.day_prefix(day)] = {history.day_file(body): body}
        self.history_rows = {}

    def _add_files(self) -> None:
        """The encoded Parquet files in their partitions, and the manifests, which hold their hashes."""
        try:
            for result, encoded in self.encoding:
                body, result.parquet_bytes, result.parquet_sha256 = encoded.result()
                self.partitions[layout.partition_prefix(date.fromisoformat(result.day))] = {layout.DATA_FILE: body}
        finally:
            if self.encoder is not None:
                self.encoder.shutdown(wait=True, cancel_futures=True)
            self.encoding, self.encoder = [], None
        for result, listing in self.manifested:
            manifest = {"day": result.day, "listing": listing_fingerprint(listing), **result.to_dict(), "seconds": 0.0}
            self.manifests[layout.manifest_key(date.fromisoformat(result.day))] = json.dumps(
                manifest, sort_keys=True
            ).encode()
        self.manifested = []

    def flush(self) -> None:
        if not self.batch:
            return
        self._add_history_states()
        self._add_files()
        started = time.perf_counter()
        storage.quarantine_store(self.settings).replace_folders(self.quarantine)
        curated = storage.curated_store(self.settings)
        curated.replace_folders(self.partitions)
        curated.write_many(self.manifests)
        curated.delete(self.unmanifested)
        share = (time.perf_counter() - started) / len(self.batch)
        for result in self.batch:
            result.seconds = round(result.seconds + share, 3)
        self.quarantine, self.partitions, self.manifests, self.unmanifested, self.batch = {}, {}, {}, [], []


def _parquet_file(table) -> tuple[bytes, int, str]:
    body = layout.parquet_bytes(table)
    return body, len(body), hashlib.sha256(body).hexdigest()


def consolidate_days(days_wanted: list[date], settings: config.Settings | None = None) -> list[DayResult]:
    """Consolidate ``days_wanted`` together (see the module's docstring); one DayResult per day, in day
    order. Raises RawZoneUnusable before writing anything, StorageError when storage fails (worth a
    retry), and TooManyBadObjects (with ``results``, the days written) after writing every other day."""
    settings = settings or config.load()
    wanted = sorted(set(days_wanted))
    listings = _raw_keys(wanted, settings)
    work = [(day, key) for day in wanted for key in listings[day]]
    processes = processes_of(work, processes_allowed(settings))
    runs = split_runs(work, processes) if work else []
    outcomes = _run_all(runs, settings, processes)
    writer = _DayWriter(settings)
    concurrency = storage.raw_store(settings).concurrency
    shared: dict[date, list[DayRows]] = {}
    for outcome in outcomes:
        for rows in outcome.shared:
            shared.setdefault(rows.day, []).append(rows)
    for day, parts in shared.items():  # a day read by more than one process: earlier runs' rows win
        merged = DayRows(
            day,
            tables=[part.tables.pop() for part in parts],
            bad={name: value for part in parts for name, value in part.bad.items()},
            duplicates=sum(part.duplicates for part in parts),
            updates=sum(part.updates for part in parts),
            objects=sum(part.objects for part in parts),
            seconds=sum(part.seconds for part in parts) / min(processes, len(parts)),
        )
        in_flight = [min(concurrency, len(run)) for run in runs if run and day in (run[0][0], run[-1][0])]
        writer.requests_in_flight = sum(sorted(in_flight, reverse=True)[:processes])
        writer.add(merged, listings[day])
    writer.requests_in_flight = 0
    for day in wanted:
        if not listings[day]:
            writer.add(DayRows(day), [])
    writer.flush()
    # the months of the days written: the state the reports read of whole months (lake/history.py)
    history.write_months(storage.curated_store(settings), {history.month_of(day) for day in wanted})
    results = sorted([r for o in outcomes for r in o.results] + writer.results, key=lambda r: r.day)
    failures = [f for o in outcomes for f in o.failures] + writer.failures
    if failures:
        raise TooManyBadObjects("\n".join(sorted(failures)), results)
    return results


def _run_all(runs: list[list[tuple[date, str]]], settings: config.Settings, processes: int = 1) -> list[_RunOutcome]:
    """Each run consolidated, in run order: by this process alone, or with ``processes - 1`` others that
    take the runs from the last one back while this one takes them from the first on, until they meet."""
    if not runs:
        return []
    shares = [
        (i > 0 and run[0][0] == runs[i - 1][-1][0], i + 1 < len(runs) and run[-1][0] == runs[i + 1][0][0])
        for i, run in enumerate(runs)
    ]
    if processes <= 1 or len(runs) == 1:
        return [_consolidate_run(run, settings, *share) for run, share in zip(runs, shares, strict=True)]
    spawn = multiprocessing.get_context("spawn")  # no fork: the parent may hold threads and sockets
    outcomes: list[_RunOutcome | None] = [None] * len(runs)
    with (
        tempfile.TemporaryDirectory(prefix="consolidate-") as folder,
        ProcessPoolExecutor(max_workers=min(processes, len(runs)) - 1, mp_context=spawn) as pool,
    ):
        # submitted last first: the pool hands them out in that order
        others = {
            i: pool.submit(_consolidate_run_apart, runs[i], settings, *shares[i], os.path.join(folder, str(i)))
            for i in range(len(runs) - 1, 0, -1)
        }
        outcomes[0] = _consolidate_run(runs[0], settings, *shares[0])
        for i in range(1, len(runs)):
            if not others[i].cancel():  # started (or about to) elsewhere: so have all the runs after it
                break
            outcomes[i] = _consolidate_run(runs[i], settings, *shares[i])
        # every run is taken: while the others finish theirs, what the day's last steps need first
        history.prepare()
        for i, other in others.items():
            if outcomes[i] is None:
                outcomes[i] = _handed_back(other.result())
    return outcomes


def _consolidate_run_apart(
    run: list[tuple[date, str]], settings: config.Settings, shares_first: bool, shares_last: bool, prefix: str
) -> _RunOutcome:
    """``_consolidate_run`` in a process of its own, the days it shares handed back as Arrow IPC files
    (``<prefix>-<day>.arrow``), which the parent maps: pickled, each would be copied whole into bytes on
    both sides."""
    import pyarrow as pa

    outcome = _consolidate_run(run, settings, shares_first, shares_last)
    for rows in outcome.shared:
        [table] = rows.tables
        path = f"{prefix}-{rows.day}.arrow"
        with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        rows.tables = [path]
    return outcome


def _handed_back(outcome: _RunOutcome) -> _RunOutcome:
    import pyarrow as pa

    for rows in outcome.shared:
        [path] = rows.tables
        rows.tables = [pa.ipc.open_file(pa.memory_map(path)).read_all()]
        os.unlink(path)  # its pages stay mapped until the table is merged and let go
    return outcome


def consolidate_day(day: date, settings: config.Settings | None = None) -> DayResult:
    """Consolidate one day (see the module's docstring). Raises TooManyBadObjects above MAX_BAD_SHARE,
    StorageError when storage fails (worth a retry)."""
    return consolidate_days([day], settings)[0]


def _raw_keys(wanted: list[date], settings: config.Settings) -> dict[date, list[str]]:
    """Each day's raw keys. A raw zone that is not there (a typo in RAW_URI, a disk not mounted, a
    bucket gone) or that may not be listed (AccessDenied) fails; so does a day listed empty whose curated
    partition has rows, unless ALLOW_EMPTYING_DAYS: either would otherwise replace it with nothing.
    Checked for every day before anything is written."""
    raw = _usable_raw_zone(settings)
    listings = dict(zip(wanted, _map(raw, lambda day: list(raw.list(raw_zone.day_folder(day))), wanted), strict=True))
    empty = [day for day in wanted if not listings[day]]
    if empty and not settings.allow_emptying_days:
        _refuse_vanished_days(empty, settings)
    return listings


def _usable_raw_zone(settings: config.Settings) -> storage.Store:
    raw = storage.raw_store(settings)
    if not raw.root_exists():
        raise RawZoneUnusable(
            f"the raw zone {raw.url()} does not exist (no such folder or bucket): check RAW_URI, or mount "
            f"the disk; nothing was written"
        )
    return raw


def _refuse_vanished_days(empty: list[date], settings: config.Settings) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    curated = storage.curated_store(settings)
    stored = curated.existing([layout.partition_key(day) for day in empty])
    footers = _map(curated, lambda key: pq.read_metadata(pa.BufferReader(curated.read(key))).num_rows, stored)
    vanished = [(layout.partition_day(key), rows) for key, rows in zip(stored, footers, strict=True) if rows]
    if vanished:
        day, rows = vanished[0]
        others = f" (and {len(vanished) - 1} more days like it)" if len(vanished) > 1 else ""
        raise RawZoneUnusable(
            f"context_date={day}: {storage.raw_store(settings).url(raw_zone.day_folder(day))}/ lists no objects, "
            f"but its curated partition has {rows} rows{others}; nothing was written. If the raw objects are "
            f"somewhere else, fix RAW_URI; if they were removed on purpose, rerun with ALLOW_EMPTYING_DAYS=true."
        )


def _map(store: storage.Store, function, items: list) -> list:
    """``function`` over ``items``, side by side on a store whose calls wait on the network."""
    if store.concurrency <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(store.concurrency, len(items))) as pool:
        return list(pool.map(function, items))


def unchanged_since_last_run(day: date, settings: config.Settings) -> DayResult | None:
    """The last result of ``day`` when its raw listing is what it was then and its partition is there
    (none when it had no row); a day with nothing listed, no manifest and no partition is unchanged too."""
    curated = storage.curated_store(settings)
    try:
        manifest = json.loads(curated.read(layout.manifest_key(day)))
    except storage.ObjectNotFound:
        manifest = None
    except ValueError:
        return None
    keys = list(storage.raw_store(settings).list(raw_zone.day_folder(day)))
    if manifest is None:
        if keys or curated.exists(layout.partition_key(day)):
            return None
        return DayResult(day=day.isoformat(), skipped=True)
    if manifest.get("listing") != listing_fingerprint(keys):
        return None
    if manifest.get("rows", 1) and not curated.exists(layout.partition_key(day)):
        return None
    known = {name: manifest[name] for name in DayResult.__dataclass_fields__ if name in manifest}
    return DayResult(**{**known, "skipped": True, "seconds": 0.0})


def days_to_consolidate(day: date, settings: config.Settings, last: date | None = None) -> list[date]:
    """The LATE_DAYS days before ``day`` (not before START_DATE), then ``day`` .. ``last``, oldest first."""
    first_day = date.fromisoformat(settings.start_date)
    lookback = [day - timedelta(days=n) for n in range(settings.late_days, 0, -1)]
    return [d for d in lookback if d >= first_day] + layout.days_between(day, last or day)


def consolidate_with_late_days(
    day: date, settings: config.Settings | None = None, last: date | None = None
) -> dict[str, Any]:
    """What the DAG's task runs: ``day`` (to ``last``, for a range) always, and each of the LATE_DAYS days
    before it whose raw listing changed since its last consolidation (late data), all in one pass.
    Returns {"dates": days rewritten, "results": [DayResult dicts]}."""
    settings = settings or config.load()
    _usable_raw_zone(settings)  # a raw zone that is not there lists every day empty: never quiet days
    wanted = days_to_consolidate(day, settings, last)
    unchanged = {d: unchanged_since_last_run(d, settings) for d in wanted if d < day}
    rewritten = consolidate_days([d for d in wanted if unchanged.get(d) is None], settings)
    results = sorted([r for r in unchanged.values() if r is not None] + rewritten, key=lambda r: r.day)
    return {"dates": [r.day for r in results if not r.skipped], "results": [r.to_dict() for r in results]}
