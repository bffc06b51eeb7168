"""The keyword tokens: computed once at consolidation (lake/tokens.py, the rule in
include/sql/keyword_tokens.sql), the emoji likewise (include/sql/emoji.sql), and the reports the same
whether a partition holds them or was written before the columns existed (the same rules then run in
the report SQL)."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from telegram_pipeline import config
from telegram_pipeline.lake import schema, storage, tokens
from telegram_pipeline.reports import build as reports
from telegram_pipeline.reports import definitions

from tests.support.curated_scenario import FIRST, LAST, TZ, scenario


def write(
    lake, with_tokens: bool, extra_token: str | None = None, on=None, null_column=False, extra_emoji=None
) -> None:
    """The lake's partitions, with the tokens and emoji stored (on the days ``on``, default all), or
    without those columns, or (``null_column``) with them all NULL, as no consolidation writes them."""
    by_day: dict = {}
    for each in lake.rows:
        event = each["edited_at"] or each["sent_at"]
        by_day.setdefault(event.astimezone(ZoneInfo(TZ)).date(), []).append(each)
    for day, rows in by_day.items():
        table = pa.Table.from_pylist(rows, schema=schema.arrow_schema())
        if with_tokens and (on is None or day in on):
            table = tokens.with_derived_columns(table)
            if extra_token:
                lists = [None if t is None else [*t, extra_token] for t in table["keyword_tokens"].to_pylist()]
                table = table.set_column(
                    table.schema.get_field_index("keyword_tokens"),
                    "keyword_tokens",
                    pa.array(lists, pa.list_(pa.string())),
                )
            if extra_emoji:
                lists = [None if e is None else [*e, extra_emoji] for e in table["emojis"].to_pylist()]
                table = table.set_column(
                    table.schema.get_field_index("emojis"), "emojis", pa.array(lists, pa.list_(pa.string()))
                )
        elif not null_column:  # a partition written before the column existed
            table = table.drop_columns(["keyword_tokens", "emojis"])
        sink = io.BytesIO()
        pq.write_table(table, sink)
        storage.curated_store().replace_folder(f"messages/context_date={day}", {"data.parquet": sink.getvalue()})


@pytest.fixture
def computed_lake(local_lake, monkeypatch):
    """The scenario's lake written without the derived columns: (lake, range, settings, its reports)."""
    monkeypatch.setenv("TIMEZONE", TZ)
    monkeypatch.setenv("TRACKED_KEYWORDS", "python,kotlin,dia")
    settings = config.load()
    rng = definitions.ReportRange.from_settings(FIRST, LAST, settings)
    lake = scenario()
    write(lake, with_tokens=False)
    return lake, rng, settings, reports.build(rng, settings)


def test_reports_alike_with_stored_tokens_and_without(computed_lake):
    lake, rng, settings, computed = computed_lake
    write(lake, with_tokens=True)
    assert storage.curated_store().exists(f"messages/context_date={FIRST}/data.parquet")
    stored = reports.build(rng, settings)
    assert stored["keywords"].num_rows > 5
    for name in definitions.REPORTS:
        assert stored[name].equals(computed[name]), name
    # and it is the stored column they read, not the text again
    write(lake, with_tokens=True, extra_token="zzzmarcador")
    marked = {k["keyword"]: k["messages"] for k in reports.build(rng, settings)["keywords"].to_pylist()}
    assert marked.pop("zzzmarcador") >= max(marked.values()) > 0  # in every text, so the most frequent
    write(lake, with_tokens=True, extra_emoji="🧪")
    emoji = {e["emoji"]: e["messages"] for e in reports.build(rng, settings)["emoji"].to_pylist()}
    assert emoji.pop("🧪") >= max(emoji.values()) > 0  # in every text that has emoji, so the most frequent


def test_partitions_with_tokens_and_without_report_as_one_lake(computed_lake):
    """DuckDB reads the stored column where a partition has it, and computes the tokens for the others
    (a footer whose statistics say the column holds nothing counts as without)."""
    lake, rng, settings, computed = computed_lake
    write(lake, with_tokens=True, on={FIRST})
    partitions = list(storage.curated_store().list("messages/"))
    assert len(partitions) > 2 and any(f"context_date={FIRST}/" in key for key in partitions)
    mixed = reports.build(rng, settings)
    write(lake, with_tokens=False, null_column=True)
    null_column = reports.build(rng, settings)
    assert computed["keywords"].num_rows > 5
    for name in definitions.REPORTS:
        assert mixed[name].equals(computed[name]), name
        assert null_column[name].equals(computed[name]), name
