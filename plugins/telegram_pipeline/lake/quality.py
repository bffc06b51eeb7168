"""The quality checks of a written partition: what consolidation promised is what the file holds."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.lake import layout, schema, storage
from telegram_pipeline.rules import days
from telegram_pipeline.rules.updates import EDIT_TYPES

# What the checks read of a partition.
CHECKED_COLUMNS = ("update_id", "chat_id", "update_type", "sent_at", "edited_at")


class QualityCheckFailed(RuntimeError):
    pass


def check_day(day: date, expected_rows: int, settings: config.Settings | None = None) -> dict[str, Any]:
    """Quality checks of the written partition; QualityCheckFailed with the numbers when one fails.

    - rows = ``expected_rows`` (the distinct good updates consolidation read), one per update_id; a day
      without rows has no partition at all;
    - no NULL update_id or chat_id;
    - each row's event time is inside the day [00:00, next 00:00) in TIMEZONE: ``edited_at`` for
      edited_message / edited_channel_post (their ``sent_at`` is the original send time, often an
      earlier day, and must only not be after the day's end), ``sent_at`` for every other type.
      A NULL event time is allowed: the webhook filed such an update by its receive time.
    """
    return check_days({day: expected_rows}, settings)[0]


def check_days(expected_rows: Mapping[date, int], settings: config.Settings | None = None) -> list[dict[str, Any]]:
    """``check_day`` for many days (day -> rows expected), their partitions read side by side; the first
    day that fails raises QualityCheckFailed."""
    settings = settings or config.load()
    store = storage.curated_store(settings)
    days = sorted(expected_rows)
    # pyarrow decodes without the GIL; S3 reads wait on the network
    with ThreadPoolExecutor(max_workers=max(4, store.concurrency)) as pool:
        tables = list(pool.map(lambda day: _read_partition(store, day), days))
    return [_check(day, expected_rows[day], table, settings) for day, table in zip(days, tables, strict=True)]


def _read_partition(store: storage.Store, day: date):
    try:
        data = store.read(layout.partition_key(day))
    except storage.ObjectNotFound:
        return None
    return layout.read_parquet_bytes(data, columns=list(CHECKED_COLUMNS))


def _check(day: date, expected_rows: int, table, settings: config.Settings) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.compute as pc

    if table is None:  # no partition: the day had no row
        table = schema.arrow_schema().empty_table().select(list(CHECKED_COLUMNS))
    start, end = days.day_bounds(day, settings.tz)
    tz = pa.timestamp("us", tz="UTC")
    lower, upper = pa.scalar(start * 1_000_000, tz), pa.scalar(end * 1_000_000, tz)
    is_edit = pc.is_in(table["update_type"], value_set=pa.array(sorted(EDIT_TYPES)))
    event = pc.if_else(pc.and_(is_edit, pc.is_valid(table["edited_at"])), table["edited_at"], table["sent_at"])
    outside = pc.or_(pc.less(event, lower), pc.greater_equal(event, upper))
    edits_sent_later = pc.and_(is_edit, pc.greater_equal(table["sent_at"], upper))
    numbers = {
        "rows": table.num_rows,
        "expected_rows": expected_rows,
        "distinct_update_ids": pc.count_distinct(table["update_id"]).as_py(),
        "null_update_id": table["update_id"].null_count,
        "null_chat_id": table["chat_id"].null_count,
        "event_time_outside_day": pc.sum(outside.fill_null(False)).as_py() or 0,
        "edits_sent_after_day": pc.sum(edits_sent_later.fill_null(False)).as_py() or 0,
    }
    problems = []
    if numbers["rows"] != expected_rows:
        problems.append(f"{numbers['rows']} rows written, {expected_rows} distinct good updates read")
    if numbers["distinct_update_ids"] != numbers["rows"]:
        problems.append(f"{numbers['rows'] - numbers['distinct_update_ids']} duplicate update_id")
    for name in ("null_update_id", "null_chat_id", "event_time_outside_day", "edits_sent_after_day"):
        if numbers[name]:
            problems.append(f"{numbers[name]} rows with {name.replace('_', ' ')}")
    if problems:
        raise QualityCheckFailed(
            f"context_date={day} ({settings.timezone}) failed its quality checks: {'; '.join(problems)}. {numbers}"
        )
    return {"day": day.isoformat(), **numbers}
