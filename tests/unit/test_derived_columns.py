"""The columns consolidation derives from each message's text: its language and terms (text/, the word
rule, in Python) and its emoji (include/sql/emoji.sql). The reports read what is stored: the emoji of a
partition written before that column are computed by the same rule in the report SQL, while a
partition without terms is consolidated again, never tokenised in SQL."""

from __future__ import annotations

import json

from telegram_pipeline import config
from telegram_pipeline.lake import consolidate, parse, schema, tokens
from telegram_pipeline.reports import sql


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


def test_a_text_repeated_in_a_batch_is_read_once_with_what_each_row_would_get_alone():
    """fill_words reads each distinct text once per batch: every row still gets what reading its own text
    alone gives (language.guess, then words.terms_of in that language), and the working columns too."""
    from telegram_pipeline.text import language, words

    texts = ["ok", "kkk", "Bom dia pessoal, amanhã tem treino longo no parque às seis", "ok", None, "привет всем"]
    texts += ["Bom dia pessoal, amanhã tem treino longo no parque às seis", "kkk", "ok obrigado"]
    rows = [row(n, text, sender=n % 3) for n, text in enumerate(texts, 1)]
    working = tokens.fill_words(rows)
    for position, (text, filled) in enumerate(zip(texts, rows, strict=True)):
        alone = language.guess(text) if text is not None else language.NO_LETTERS
        expected = words.terms_of(text, alone.language) or (None, None)
        assert (filled["terms"], filled["term_forms"]) == expected
        assert filled["language"] == (alone.language if text is not None else None)
        got = (working[tokens.SCRIPT][position], working[tokens.BASIS][position], working[tokens.WEIGHT][position])
        assert got == (alone.script, alone.basis, alone.weight)
    assert rows[0]["terms"] is rows[3]["terms"]  # one reading, shared
