"""The keyword tokens: computed once at consolidation (lake/tokens.py, the rule in
include/sql/keyword_tokens.sql), the emoji likewise (include/sql/emoji.sql), and the reports the same
whether a partition holds them or was written before the columns existed (the same rules then run in
the report SQL)."""

from __future__ import annotations

import io
import json
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from telegram_pipeline import config
from telegram_pipeline.lake import consolidate, parse, schema, storage, tokens
from telegram_pipeline.reports import build as reports
from telegram_pipeline.reports import definitions

from tests.test_reports import FIRST, LAST, TZ, scenario


def row(update_id: int, text: str | None, entities: list | None = None) -> dict:
    message = {"message_id": update_id, "date": 1773050000, "chat": {"id": -100, "type": "supergroup"}}
    message["from"] = {"id": 7, "is_bot": False, "first_name": "Ana"}
    if text is not None:
        message["text"] = text
    if entities:
        message["entities"] = entities
    return parse.parse(json.dumps({"update_id": update_id, "message": message}).encode())


def test_consolidation_stores_each_messages_distinct_tokens_sorted():
    text = "Treino TREINO d’água #Maratona https://x.com/a www.site.com.br e-mail ana@x.com.br @bob mais"
    mention = text.index("@bob")
    table = consolidate.to_table(
        [row(1, text), row(2, text, [{"type": "mention", "offset": mention, "length": 4}]), row(3, None)]
    )
    assert table.schema == schema.arrow_schema()
    stored = table["keyword_tokens"].to_pylist()
    assert stored[0] == sorted(
        [
            "#maratona",
            "@bob",
            "ana@x.com.br",
            "d'água",
            "e",
            "https://x.com/a",
            "mail",
            "mais",
            "treino",
            "www.site.com.br",
        ]
    )
    assert "@bob" not in stored[1] and "treino" in stored[1]  # the span the entity marks is blanked
    assert stored[2] is None  # no text, no tokens


def test_consolidation_stores_each_messages_distinct_emoji_sorted():
    texts = ["Bora 🏃🏽‍♀️ e 🏃🏽‍♀️ de novo 🚀 ❤️ ❤", "sem nenhum", None, "1️⃣ 🇧🇷"]
    table = consolidate.to_table([row(n, text) for n, text in enumerate(texts, 1)])
    assert table["emojis"].to_pylist() == [sorted(["🏃🏽‍♀️", "🚀", "❤️", "❤"]), None, None, sorted(["1️⃣", "🇧🇷"])]


def test_one_rule_for_consolidation_and_reports():
    """The reports' fallback (DuckDB macro, Athena inlined) is the expression consolidation runs."""
    from telegram_pipeline.reports import sql

    assert "REGEXP" not in config.read_sql("reports/message_versions.sql").upper()
    assert "REGEXP_EXTRACT_ALL" not in config.read_sql("reports/keywords.sql").upper()
    assert tokens.TOKENS.filled_macro in config.read_sql("reports/message_versions.sql")
    assert tokens.TOKENS.macro not in sql.athena_sql("keywords") and "REGEXP_EXTRACT_ALL" in sql.athena_sql("keywords")


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
