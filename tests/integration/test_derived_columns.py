"""The columns consolidation derives from each message's text: its language and terms (text/, the word
rule, in Python) and its emoji (include/sql/emoji.sql). The reports read what is stored: the emoji of a
partition written before that column are computed by the same rule in the report SQL, while a
partition without terms is consolidated again, never tokenised in SQL."""

from __future__ import annotations

import io
import logging
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from telegram_pipeline import config
from telegram_pipeline.lake import schema, storage, tokens
from telegram_pipeline.reports import build as reports
from telegram_pipeline.reports import definitions

from tests.support.curated_scenario import FIRST, LAST, TZ, scenario


def write(lake, derived: bool, on=None, null_column=False, extra_emoji=None) -> None:
    """The lake's partitions, with the derived columns stored (on the days ``on``, default all), or
    without the emoji column (as written before it existed), or (``null_column``) with it all NULL."""
    by_day: dict = {}
    for each in lake.rows:
        event = each["edited_at"] or each["sent_at"]
        by_day.setdefault(event.astimezone(ZoneInfo(TZ)).date(), []).append(each)
    for day, rows in by_day.items():
        table = tokens.with_words(pa.Table.from_pylist(rows, schema=schema.arrow_schema()))
        if derived and (on is None or day in on):
            table = tokens.with_derived_columns(table)
            if extra_emoji:
                lists = [None if e is None else [*e, extra_emoji] for e in table["emojis"].to_pylist()]
                table = table.set_column(
                    table.schema.get_field_index("emojis"), "emojis", pa.array(lists, pa.list_(pa.string()))
                )
        elif not null_column:  # a partition written before the column existed
            table = table.drop_columns(["emojis"])
        sink = io.BytesIO()
        pq.write_table(table, sink)
        storage.curated_store().replace_folder(f"messages/context_date={day}", {"data.parquet": sink.getvalue()})


@pytest.fixture
def computed_lake(local_lake, monkeypatch):
    """The scenario's lake written without the emoji column: (lake, range, settings, its reports)."""
    monkeypatch.setenv("TIMEZONE", TZ)
    monkeypatch.setenv("TRACKED_KEYWORDS", "python,kotlin,dia")
    settings = config.load()
    rng = definitions.ReportRange.from_settings(FIRST, LAST, settings)
    lake = scenario()
    write(lake, derived=False)
    return lake, rng, settings, reports.build(rng, settings)


def test_reports_alike_with_stored_emoji_and_without(computed_lake):
    lake, rng, settings, computed = computed_lake
    write(lake, derived=True)
    stored = reports.build(rng, settings)
    assert stored["emoji"].num_rows > 0
    for name in definitions.REPORTS:
        assert stored[name].equals(computed[name]), name
    # and it is the stored column they read, not the text again
    write(lake, derived=True, extra_emoji="🧪")
    emoji = {e["emoji"]: e["messages"] for e in reports.build(rng, settings)["emoji"].to_pylist()}
    assert emoji.pop("🧪") >= max(emoji.values()) > 0  # in every text that has emoji, so the most frequent


def test_partitions_with_emoji_and_without_report_as_one_lake(computed_lake):
    """DuckDB reads the stored column where a partition has it, and computes the emoji for the others
    (a footer whose statistics say the column holds nothing counts as without)."""
    lake, rng, settings, computed = computed_lake
    write(lake, derived=True, on={FIRST})
    mixed = reports.build(rng, settings)
    write(lake, derived=False, null_column=True)
    null_column = reports.build(rng, settings)
    for name in definitions.REPORTS:
        assert mixed[name].equals(computed[name]), name
        assert null_column[name].equals(computed[name]), name


def test_a_partition_without_terms_is_reported_without_topics_and_named(computed_lake, caplog):
    """Written before the word rule: no topics or languages from it, and the log names its days."""
    lake, rng, settings, computed = computed_lake
    old = [r for r in lake.rows if (r["edited_at"] or r["sent_at"]).astimezone(ZoneInfo(TZ)).date() == FIRST]
    table = pa.Table.from_pylist(old, schema=schema.arrow_schema()).drop_columns(["language", "terms", "term_forms"])
    sink = io.BytesIO()
    pq.write_table(table, sink)
    storage.curated_store().replace_folder(f"messages/context_date={FIRST}", {"data.parquet": sink.getvalue()})
    with caplog.at_level(logging.WARNING):
        tables = reports.build(rng, settings)
    assert f"(consolidate --date {FIRST} --to {FIRST})" in caplog.text
    assert sum(k["messages"] for k in tables["keywords"].to_pylist()) < sum(
        k["messages"] for k in computed["keywords"].to_pylist()
    )
    assert sum(r["messages"] for r in tables["languages"].to_pylist()) < sum(
        r["messages"] for r in computed["languages"].to_pylist()
    )


def test_a_day_whose_texts_hold_no_term_is_no_partition_from_before_terms(computed_lake, caplog):
    """A day whose every text is filler ("ok", "kkkk") has a terms column without a single term: it was
    consolidated with the word rule, and the log does not send anyone to consolidate it again."""
    lake, rng, settings, _ = computed_lake
    write(lake, derived=True)
    on_first = [r for r in lake.rows if (r["edited_at"] or r["sent_at"]).astimezone(ZoneInfo(TZ)).date() == FIRST]
    filler = [
        {**r, "text": "ok kkkk" if r["text"] else None, "keyword_text": "ok kkkk" if r["text"] else None}
        for r in on_first
    ]
    table = tokens.with_derived_columns(tokens.with_words(pa.Table.from_pylist(filler, schema=schema.arrow_schema())))
    assert table["text"].null_count < table.num_rows and not any(table["terms"].to_pylist())
    sink = io.BytesIO()
    pq.write_table(table, sink)
    storage.curated_store().replace_folder(f"messages/context_date={FIRST}", {"data.parquet": sink.getvalue()})
    with caplog.at_level(logging.WARNING):
        reports.build(rng, settings)
    assert "consolidated before terms" not in caplog.text
