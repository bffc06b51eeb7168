"""Daily consolidation: one day's raw JSON updates → one deterministic zstd Parquet file.

``consolidate_day(day)`` reads every object under ``{RAW_URI}/context_date=D/`` (paginated listing,
concurrent reads through ``Store.read_many``; a large day split over a few processes), flattens each with ``parse``, keeps one
row per ``update_id``, sorts by it and
replaces ``{CURATED_URI}/messages/context_date=D/data.parquet`` in one write. The same raw objects
always give a byte-identical file, so reruns and retries change nothing.

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

import gc
import hashlib
import json
import multiprocessing
import operator
import os
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.lake import layout, parse, privacy, schema, storage, tokens
from telegram_pipeline.rules import days, raw_zone

# Bump when parse.py changes what a row holds: every manifest then misses and the days are rewritten.
PARSER_VERSION = 5
# A day this large is split into contiguous runs of keys, one process each: flattening is CPU-bound
# Python, and one process gets one core. Contiguous runs keep "the first key wins" for duplicates.
PARALLEL_MIN_OBJECTS = 20_000
MAX_PROCESSES = 4
BATCH_ROWS = 5_000  # a row as a dict, with its terms, takes several times its size as Arrow columns


class TooManyBadObjects(RuntimeError):
    pass


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


def _unsettled_table(rows: list[dict[str, Any]]):
    """``to_table`` of a run of a day's rows: the short texts' languages not yet settled, and the
    working columns ``tokens.settled`` reads once the day is one table."""
    import pyarrow as pa
    import pyarrow.compute as pc

    working = tokens.fill_words(rows)
    target = schema.arrow_schema()
    # Each row to a tuple in schema order in C, then transposed: gathering one column at a time
    # walks 100,000 scattered dicts 27 times over, which cost 4x more.
    in_schema_order = operator.itemgetter(*target.names)
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


def _quarantine(settings: config.Settings, day: date, bad: dict[str, tuple[str, bytes | None]]) -> None:
    """Make the day's quarantine folder hold exactly the bad objects of this run (rerun-safe)."""
    files: dict[str, bytes] = {}
    for key, (reason, data) in sorted(bad.items()):
        name = key.rsplit("/", 1)[-1]
        if data is not None:
            files[name] = data
        note = {"raw_key": key, "day": day.isoformat(), "reason": reason, "bytes": None if data is None else len(data)}
        files[f"{name}.reason.json"] = json.dumps(note, ensure_ascii=False, sort_keys=True).encode()
    storage.quarantine_store(settings).replace_folder(raw_zone.day_folder(day), files)


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


def _lines_of(key: str, data: bytes) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of each update in an imported JSON-lines object, named ``<key>#line<n>`` for the quarantine."""
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.strip():
            yield f"{key}#line{number}", line


def read_slice(
    day: date, keys: list[str], settings: config.Settings
) -> tuple[Any, dict[str, tuple[str, bytes | None]], int, int]:
    """Read and flatten ``keys`` (a contiguous run of the day's keys): (Arrow table sorted by update_id,
    bad updates {name: (reason, bytes or None)}, duplicates dropped, updates read). The first key with
    an update_id wins."""
    raw = storage.raw_store(settings)
    start, end = days.day_bounds(day, settings.tz)
    seen: set[int] = set()
    rows: list[dict[str, Any]] = []
    batches = []
    bad: dict[str, tuple[str, bytes | None]] = {}
    duplicates = updates = 0
    with _without_cyclic_gc():
        for key, stored in raw.read_many(keys):
            if isinstance(stored, storage.ObjectNotFound):
                bad[key] = ("missing: listed, then gone when read", None)
                updates += 1
                continue
            if isinstance(stored, Exception):
                raise stored
            for name, data in _lines_of(key, stored) if key.endswith(IMPORTED_SUFFIX) else ((key, stored),):
                updates += 1
                try:
                    row = parse.parse(data)
                except parse.BadUpdate as exc:
                    bad[name] = (exc.reason, data)
                    continue
                moment = days.event_time(row["update_type"], row["sent_at"], row["edited_at"])
                if moment is not None and not start <= moment < end:
                    filed_on = days.day_of(moment, settings.tz)
                    bad[name] = (f"misfiled: its event time is on {filed_on} in {settings.timezone}, not {day}", data)
                    continue
                if row["update_id"] in seen:
                    duplicates += 1
                    continue
                seen.add(row["update_id"])
                rows.append(row)
                if len(rows) == BATCH_ROWS:  # as Arrow columns, a row takes a fraction of its size as a dict
                    batches.append(_sorted_table(rows))
                    rows = []
        batches.append(_sorted_table(rows))
    table, _ = merge_slices(batches)  # no duplicates are left to drop
    return table, bad, duplicates, updates


def _sorted_table(rows: list[dict[str, Any]]):
    rows.sort(key=operator.itemgetter("update_id"))  # linear when the keys came in update_id order
    return _unsettled_table(rows)


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


def consolidate_day(day: date, settings: config.Settings | None = None) -> DayResult:
    """Consolidate one day (see the module's docstring). Raises TooManyBadObjects above MAX_BAD_SHARE,
    StorageError when storage fails (worth a retry)."""
    started = time.perf_counter()
    settings = settings or config.load()
    raw = storage.raw_store(settings)
    keys = _raw_keys(day, raw, settings)
    result = DayResult(day=day.isoformat(), objects=len(keys))
    processes = processes_for(len(keys))
    size = -(-len(keys) // processes) if keys else 0
    slices = [keys[i : i + size] for i in range(0, len(keys), size)] if keys else [[]]
    result.requests_in_flight = sum(min(raw.concurrency, len(part)) for part in slices)
    if len(slices) == 1:
        parts = [read_slice(day, slices[0], settings)]
    else:  # this process reads the first slice itself while child processes read the others
        spawn = multiprocessing.get_context("spawn")  # no fork: the parent may hold threads and sockets
        with ProcessPoolExecutor(max_workers=len(slices) - 1, mp_context=spawn) as pool:
            others = [pool.submit(read_slice, day, part, settings) for part in slices[1:]]
            parts = [read_slice(day, slices[0], settings)] + [each.result() for each in others]
    table, cross_duplicates = merge_slices([part[0] for part in parts])
    table = tokens.settled(table)  # the short texts' languages, by their senders' other texts of the day
    bad = {key: value for part in parts for key, value in part[1].items()}
    result.duplicates = sum(part[2] for part in parts) + cross_duplicates
    result.updates = sum(part[3] for part in parts)

    _quarantine(settings, day, bad)
    result.quarantined = len(bad)
    for reason, _ in bad.values():
        result.reasons[_reason_kind(reason)] = result.reasons.get(_reason_kind(reason), 0) + 1
    if result.updates and len(bad) / result.updates > settings.max_bad_share:
        raise TooManyBadObjects(
            f"context_date={day}: {len(bad)} of {result.updates} raw objects are bad ({len(bad) / result.updates:.1%} > "
            f"MAX_BAD_SHARE {settings.max_bad_share:.1%}); reasons {result.reasons}; copies and reasons are in "
            f"{storage.quarantine_store(settings).url(raw_zone.day_folder(day))}/. The partition was left as it was."
        )

    table = privacy.pseudonymize(table, settings.pseudonymize_key)
    body = layout.parquet_bytes(table)
    curated = storage.curated_store(settings)
    curated.replace_folder(layout.partition_prefix(day), {layout.DATA_FILE: body})
    result.rows = table.num_rows
    result.parquet_bytes = len(body)
    result.parquet_sha256 = hashlib.sha256(body).hexdigest()
    manifest = {"day": day.isoformat(), "listing": listing_fingerprint(keys), **result.to_dict()}
    curated.write(layout.manifest_key(day), json.dumps(manifest, sort_keys=True).encode())
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _raw_keys(day: date, raw: storage.Store, settings: config.Settings) -> list[str]:
    """The day's raw keys. A raw zone that is not there (a typo in RAW_URI, a disk not mounted, a
    bucket gone) or that may not be listed (AccessDenied) fails; so does a day listed empty whose curated
    partition has rows, unless ALLOW_EMPTYING_DAYS: either would otherwise replace it with nothing."""
    if not raw.root_exists():
        raise RawZoneUnusable(
            f"the raw zone {raw.url()} does not exist (no such folder or bucket): check RAW_URI, or mount "
            f"the disk; nothing was written"
        )
    keys = list(raw.list(raw_zone.day_folder(day)))
    if keys or settings.allow_emptying_days:
        return keys
    try:
        data = storage.curated_store(settings).read(layout.partition_key(day))
    except storage.ObjectNotFound:
        return keys
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = pq.read_metadata(pa.BufferReader(data)).num_rows
    if rows:
        raise RawZoneUnusable(
            f"context_date={day}: {raw.url(raw_zone.day_folder(day))}/ lists no objects, but its curated partition "
            f"has {rows} rows; the partition was left as it was. If the raw objects are somewhere else, fix "
            f"RAW_URI; if they were removed on purpose, rerun with ALLOW_EMPTYING_DAYS=true."
        )
    return keys


def unchanged_since_last_run(day: date, settings: config.Settings) -> DayResult | None:
    """The last result of ``day`` when its raw listing is what it was then and the partition is there."""
    curated = storage.curated_store(settings)
    try:
        manifest = json.loads(curated.read(layout.manifest_key(day)))
    except (storage.ObjectNotFound, ValueError):
        return None
    keys = list(storage.raw_store(settings).list(raw_zone.day_folder(day)))
    if manifest.get("listing") != listing_fingerprint(keys) or not curated.exists(layout.partition_key(day)):
        return None
    known = {name: manifest[name] for name in DayResult.__dataclass_fields__ if name in manifest}
    return DayResult(**{**known, "skipped": True, "seconds": 0.0})


def days_to_consolidate(day: date, settings: config.Settings) -> list[date]:
    """The day and the LATE_DAYS days before it (not before START_DATE), oldest first."""
    first_day = date.fromisoformat(settings.start_date)
    lookback = [day - timedelta(days=n) for n in range(settings.late_days, 0, -1)]
    return [d for d in lookback if d >= first_day] + [day]


def consolidate_with_late_days(day: date, settings: config.Settings | None = None) -> dict[str, Any]:
    """What the DAG's task runs: ``day`` always, and each of the LATE_DAYS days before it whose raw
    listing changed since its last consolidation (late data). Returns {"dates": days rewritten,
    "results": [DayResult dicts]}."""
    settings = settings or config.load()
    results = []
    for each in days_to_consolidate(day, settings):
        previous = unchanged_since_last_run(each, settings) if each != day else None
        results.append(previous or consolidate_day(each, settings))
    return {"dates": [r.day for r in results if not r.skipped], "results": [r.to_dict() for r in results]}
