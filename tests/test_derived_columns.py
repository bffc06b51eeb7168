"""The columns consolidation derives from each message's text: its language and terms (text/, the word
rule, in Python) and its emoji (include/sql/emoji.sql). The reports read what is stored: the emoji of a
partition written before that column are computed by the same rule in the report SQL, while a
partition without terms is consolidated again, never tokenised in SQL."""

from __future__ import annotations

import io
import json
import logging
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from telegram_pipeline import config
from telegram_pipeline.lake import consolidate, parse, schema, storage, tokens
from telegram_pipeline.reports import build as reports
from telegram_pipeline.reports import definitions, sql

from tests.test_reports import FIRST, LAST, TZ, scenario


def row(update_id: int, text: str | None, entities: list | None = None, sender: int = 7) -> dict:
    message = {"message_id": update_id, "date": 1773050000, "chat": {"id": -100, "type": "supergroup"}}
    message["from"] = {"id": sender, "is_bot": False, "first_name": "Ana"}
    if text is not None:
        message["text"] = text
    if entities:
        message["entities"] = entities
    return parse.parse(json.dumps({"update_id": update_id, "message": message}).encode())


def test_consolidation_stores_each_messages_terms_with_their_forms():
    text = "Treino TREINO d’água #Maratona https://x.com/a www.site.com.br e-mail ana@x.com.br @bob mais treinos"
    mention = text.index("@bob")
    table = consolidate.to_table(
        [row(1, text), row(2, text, [{"type": "mention", "offset": mention, "length": 4}]), row(3, None), row(4, "ok")]
    )
    assert table.schema == schema.arrow_schema()
    terms, forms = table["terms"].to_pylist(), table["term_forms"].to_pylist()
    assert terms[0] == sorted(terms[0]) and len(forms[0]) == len(terms[0])
    written = dict(zip(terms[0], forms[0], strict=True))
    assert written["trein"] == "Treino"  # treino, TREINO, treinos: one term, as first written
    assert written["#maratona"] == "#Maratona" and written["d'águ"] == "d'água" and written["mail"] == "mail"
    assert not [t for t in terms[0] if "@" in t or "/" in t or "." in t]  # no URL, mention or e-mail
    assert terms[1] == terms[0]
    assert terms[2] is None and table["language"][2].as_py() is None  # no text
    assert terms[3] == []  # a text without any term
    assert table["keyword_tokens"].null_count == table.num_rows  # retired


def test_consolidation_stores_each_messages_distinct_emoji_sorted():
    texts = ["Bora 🏃🏽‍♀️ e 🏃🏽‍♀️ de novo 🚀 ❤️ ❤", "sem nenhum", None, "1️⃣ 🇧🇷", "☪ e ☪️"]
    table = consolidate.to_table([row(n, text) for n, text in enumerate(texts, 1)])
    assert table["emojis"].to_pylist() == [
        sorted(["🏃🏽‍♀", "🚀", "❤"]),  # variation selectors dropped: ❤️ and ❤ are one
        None,
        None,
        sorted(["1⃣", "🇧🇷"]),
        ["☪"],
    ]


def test_a_short_text_takes_its_senders_language_of_the_day():
    """Too short for the detector alone: its sender's longer texts of the day say which language it is."""
    long = "Amanhã tem treino de corrida no parque às seis horas, quem vai junto com a gente?"
    rows = [row(1, long, sender=1), row(2, "Gracias, voy", sender=1), row(3, "Gracias, voy", sender=2)]
    rows.append(row(4, "Mañana no puedo ir al entrenamiento porque trabajo hasta tarde, lo siento", sender=2))
    table = consolidate.to_table(rows)
    assert table["language"].to_pylist() == ["pt", "pt", "es", "es"]


def test_no_text_is_taken_apart_in_the_report_sql():
    """The reports read the stored terms; the only text rule in their SQL is the emoji's fallback."""
    for name in ("message_versions", "keyword_uses", "keywords"):
        assert "REGEXP" not in config.read_sql(f"reports/{name}.sql").upper()
    for name in ("keywords", "keyword_examples", "languages"):  # their only regular expression: the emoji's
        assert "\\p{L}" not in sql.athena_sql(name) and "UNNEST(m.terms)" in sql.athena_sql("keywords")
    assert tokens.EMOJI.filled_macro in config.read_sql("reports/message_versions.sql")
    assert tokens.RULES == (tokens.EMOJI,)


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
