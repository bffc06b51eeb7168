"""The keyword tokens: computed once at consolidation (lake/tokens.py, the rule in
include/sql/keyword_tokens.sql), the emoji likewise (include/sql/emoji.sql), and the reports the same
whether a partition holds them or was written before the columns existed (the same rules then run in
the report SQL)."""

from __future__ import annotations

import json

from telegram_pipeline import config
from telegram_pipeline.lake import consolidate, parse, schema, tokens


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
