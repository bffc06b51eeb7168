"""The quality checks of a written partition: what consolidation promised is what the file holds."""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.lake import layout, storage
from telegram_pipeline.rules import days
from telegram_pipeline.rules.updates import EDIT_TYPES


class QualityCheckFailed(RuntimeError):
    pass


def check_day(day: date, expected_rows: int, settings: config.Settings | None = None) -> dict[str, Any]:
    """Quality checks of the written partition; QualityCheckFailed with the numbers when one fails.

    - rows = ``expected_rows`` (the distinct good updates consolidation read), one per update_id;
    - no NULL update_id or chat_id;
    - each row's event time is inside the day [00:00, next 00:00) in TIMEZONE: ``edited_at`` for
      edited_message / edited_channel_post (their ``sent_at`` is the original send time, often an
      earlier day, and must only not be after the day's end), ``sent_at`` for every other type.
      A NULL event time is allowed: the webhook filed such an update by its receive time.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    settings = settings or config.load()
    table = pq.read_table(pa.BufferReader(storage.curated_store(settings).read(layout.partition_key(day))))
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
