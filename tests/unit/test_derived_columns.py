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
    alone gives (language.guess, then words.terms_of in that language), and the working columns too,
    where no longer text came before it (here none: every longer text is the group's first)."""
    from telegram_pipeline.text import language, words

    texts = ["ok", "kkk", "ok", None, "привет всем", "kkk", "ok obrigado"]
    texts += [
        "Bom dia pessoal, amanhã tem treino longo no parque às seis",
        "Bom dia pessoal, amanhã tem treino longo no parque às seis",
    ]
    rows = [row(n, text, sender=n % 3) for n, text in enumerate(texts, 1)]
    working = tokens.fill_words(rows)
    for position, (text, filled) in enumerate(zip(texts, rows, strict=True)):
        alone = language.guess(text) if text is not None else language.NO_LETTERS
        expected = words.terms_of(text, alone.language) or (None, None)
        assert (filled["terms"], filled["term_forms"]) == expected
        assert filled["language"] == (alone.language if text is not None else None)
        got = (working[tokens.SCRIPT][position], working[tokens.BASIS][position], working[tokens.WEIGHT][position])
        assert got == (alone.script, alone.basis, alone.weight)
    assert rows[0]["terms"] is rows[2]["terms"]  # one reading, shared


def _chat_day(seed: int) -> list[dict]:
    """A day of two groups: real sentences in eight languages (tests/data/words) and the short texts of
    real chats, and the first words of those sentences, from twelve senders writing in two languages
    each, in a random order."""
    import random

    from tests.support.paths import REPO

    sentences = {
        path.stem: path.read_text(encoding="utf-8").splitlines() for path in (REPO / "tests/data/words").glob("*.txt")
    }
    chats = []
    for name in ("supergroup_ru_chat_2026", "personal_chat_uk_2024", "supergroup_it_es_2025"):
        export = json.loads((REPO / f"tests/data/{name}.json").read_text(encoding="utf-8"))
        chats += [m["text"] for m in export["messages"] if isinstance(m.get("text"), str) and m["text"]]
    rng = random.Random(seed)
    languages = sorted(sentences)
    rows = []
    for update_id in range(1, 401):
        sender = rng.randrange(12)
        code = languages[(sender + rng.randrange(2)) % len(languages)]
        kind = rng.random()
        if kind < 0.3:
            text = rng.choice(sentences[code])
        elif kind < 0.7:
            text = " ".join(rng.choice(sentences[code]).split()[: rng.randrange(1, 4)])
        else:
            text = rng.choice(chats)
        message = row(update_id, text, sender=sender)
        message["chat_id"] = -100 - sender % 2
        rows.append(message)
    return rows


def test_short_texts_read_in_their_groups_language_settle_as_the_detector_read_them(monkeypatch):
    """A short text after a longer one of its group is not given to the detector (``tokens._TextReader``):
    the day, once settled, is the same table as where every text went to it, and the detector is asked
    fewer times. Also where the longer text a short one was read by is dropped before the day is settled
    (a duplicate of an update another run read): its short texts are then given to the detector."""
    import pyarrow.compute as pc
    from telegram_pipeline.text import language, words

    def detecting_everything(reader, text, _row):
        guess = language.guess(text)
        return (guess, *words.terms_of(text, guess.language))

    asked = []
    detected = language.detected
    monkeypatch.setattr(language, "detected", lambda text: asked.append(text) or detected(text))
    for seed in range(5):
        rows = _chat_day(seed)
        asked.clear()
        read_by_group = consolidate._unsettled_table([dict(r) for r in rows], parsed=True)
        asked_by_group = len(asked)
        with monkeypatch.context() as patched:
            patched.setattr(tokens._TextReader, "__call__", detecting_everything)
            asked.clear()
            read_alone = consolidate._unsettled_table([dict(r) for r in rows], parsed=True)
            assert len(asked) > asked_by_group
        undetected = pc.equal(read_by_group[tokens.WEIGHT], language.UNDETECTED)
        assert pc.sum(undetected).as_py() > 40, seed
        assert tokens.settled(read_by_group) == tokens.settled(read_alone), seed

        # every longer text dropped: each group's short texts settle by the detector's guesses
        longer = pc.equal(read_alone[tokens.BASIS], language.BY_TEXT)
        assert tokens.settled(read_by_group.filter(pc.invert(longer))) == tokens.settled(
            read_alone.filter(pc.invert(longer))
        ), seed
