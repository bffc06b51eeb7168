"""Topics, languages and search on real text in eight languages (tests/data/words/, see its README): each
language's sentences posted in a group of its own by four members, through the raw zone and the real
consolidation, then the reports (DuckDB) and the search.

For each language: the top topics hold no stopword of the language (stopwordsiso's list, read here
directly, but for the content words `text/chat_words.py` takes out of it: Russian `мир`), the inflected forms of a word are one term, and the counts equal an independent count (a
regular expression over the raw texts, written here by hand, never the word rule). And a real Russian
group's export (tests/data/supergroup_ru_chat_2026.json): its top topics hold none of the swearing,
laughter and chat words it writes; nor do a real Ukrainian chat's (tests/data/personal_chat_uk_2024.json)
hold its function words, nor a real Italian, Spanish and English group's (tests/data/supergroup_it_es_2025.json)
its elided words and its hails.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import stopwordsiso
from telegram_pipeline import config
from telegram_pipeline.ingest import desktop_export
from telegram_pipeline.lake import consolidate, layout, storage
from telegram_pipeline.reports import build as reports
from telegram_pipeline.reports import definitions
from telegram_pipeline.reports import search as keyword_search
from telegram_pipeline.text import chat_words

from tests.support.groups_lake import FIRST, TZ, Updates, write_and_consolidate
from tests.support.lake_once import built_once, copy_into

DATA = Path(__file__).resolve().parents[1] / "data" / "words"
LANGUAGES = ("pt", "en", "es", "ru", "fa", "ar", "zh", "id")
MEMBERS = [{"id": 100 + n, "is_bot": False, "first_name": f"Member {n}"} for n in range(4)]
# Forms of one word in each language's sentences, and the pattern that finds them in a text.
INFLECTED = {
    "pt": (("vida", "vidas"), r"\bvidas?\b"),
    "en": (("friend", "friends"), r"\bfriends?\b"),
    "es": (("presentadas", "presentar"), r"\bpresent(?:adas|ar)\b"),
    "ru": (("человеческой", "человеческих"), r"человеческ(?:ой|их)"),
    "fa": (("سال", "سالهای"), r"(?<![\u0600-\u06ff])سال(?:های)?(?![\u0600-\u06ff])"),
    "ar": (("المسلسل", "مسلسل"), r"(?<![\u0600-\u06ff])(?:ال)?مسلسل(?![\u0600-\u06ff])"),
    "id": (("pertempuran", "bertempur"), r"\b(?:pertempuran|bertempur)\b"),
    "zh": (("腐败",), r"腐败"),  # no inflection: a word of two characters is a term
}


def acronym(word: str) -> bool:
    """Two letters in capitals: a term by the rule (stopwordsiso's English list holds every country code)."""
    return len(word) == 2 and word.isupper()


def texts(language: str) -> list[str]:
    return (DATA / f"{language}.txt").read_text(encoding="utf-8").splitlines()


def chat_of(language: str, index: int) -> dict:
    return {
        "id": -1001100000000 - index,
        "title": f"Group {language}",
        "type": "supergroup",
        "username": f"g_{language}",
    }


def post(updates: Updates, chat: dict, lines: list[str]) -> None:
    for n, line in enumerate(lines):
        minute = 10 * 60 + n  # all on Monday, from 10:00
        updates.message(chat, n + 1, MEMBERS[n % 4], f"2026-03-09T{minute // 60:02d}:{minute % 60:02d}", line)


@pytest.fixture(scope="module")
def every_language(tmp_path_factory) -> tuple[Path, dict]:
    """Every language's group, consolidated once for the module; {language: chat id}."""
    folder = tmp_path_factory.mktemp("languages")
    updates = Updates()
    chats = {}
    for index, language in enumerate(LANGUAGES):
        chat = chat_of(language, index)
        post(updates, chat, texts(language))
        chats[language] = chat["id"]
    built_once(folder, lambda: write_and_consolidate(updates), TIMEZONE=TZ)
    return folder, chats


@pytest.fixture
def lake(every_language, local_lake, monkeypatch):
    """A copy of every language's lake; returns {language: chat id}."""
    folder, chats = every_language
    copy_into(folder, local_lake)
    monkeypatch.setenv("TIMEZONE", TZ)
    return chats


def built(**overrides):
    settings = config.load()
    return reports.build(definitions.ReportRange.from_settings(FIRST, FIRST, settings, **overrides), settings)


def stored_rows():
    data = storage.curated_store().read(layout.partition_key(FIRST))
    return pq.read_table(__import__("pyarrow").BufferReader(data)).to_pylist()


@pytest.mark.parametrize("language", LANGUAGES)
def test_topics_languages_and_counts(lake, language):
    forms, pattern = INFLECTED[language]
    tables = built(tracked_keywords=(forms[0],))
    chat = lake[language]
    # the group writes its language
    languages = [row for row in tables["languages"].to_pylist() if row["chat_id"] == chat]
    assert languages[0]["language"] == language and languages[0]["share"] >= 0.8, languages
    # the top topics hold no stopword of the language
    keywords = [row for row in tables["keywords"].to_pylist() if row["chat_id"] == chat]
    top = [k for k in keywords if k["rank"] is not None and k["rank"] <= 10 and not k["phrase"]]
    assert len(top) >= 5
    stopwords = {word.casefold() for word in stopwordsiso.stopwords(language)} - chat_words.CONTENT_WORDS.get(
        language, set()
    )
    assert not [k["keyword"] for k in top if k["keyword"].casefold() in stopwords and not acronym(k["keyword"])]
    # the inflected forms are one term: every message writing one of them stores it under the same term
    rows = [row for row in stored_rows() if row["chat_id"] == chat]
    terms = {
        term
        for row in rows
        for term, form in zip(row["terms"] or [], row["term_forms"] or [], strict=True)
        if form.casefold() in forms
    }
    assert len(terms) == 1, terms
    # the counts equal an independent count: messages whose text holds one of the forms
    expected = sum(1 for line in texts(language) if re.search(pattern, line, re.IGNORECASE))
    assert expected >= (1 if language == "zh" else 2)
    tracked = next(k for k in keywords if k["tracked"])
    assert tracked["messages"] == expected and tracked["term"] in terms
    shown = [k for k in keywords if k["term"] in terms]
    assert all(k["messages"] == expected for k in shown)
    # the search finds the same messages, by any of the forms
    for form in forms:
        found = keyword_search.search(form, FIRST, FIRST, chat_id=chat)
        assert found.by_terms and found.total == expected, (form, found.total)
        assert all(re.search(pattern, m["text"], re.IGNORECASE) for m in found.messages)
        assert all(m["link"].startswith(f"https://t.me/g_{language}/") for m in found.messages)


def test_each_groups_page_is_in_its_language(lake):
    """The page's lang is the language most of the group's messages were written in; the page's own
    words (headings, notes) stay English, and say so."""
    settings = config.load()
    rng = definitions.ReportRange.from_settings(FIRST, FIRST, settings)
    files, summaries = reports.pages(reports.build(rng, settings), rng)
    assert {s.chat_id: s.language for s in summaries} == {chat: language for language, chat in lake.items()}
    for language, chat in lake.items():
        page = files[reports.page_key(chat)].decode()
        assert f'<html lang="{language}">' in page
        assert '<h2 lang="en">What the group talks about</h2>' in page
        assert '<div class="value" dir="auto">' in page  # what the group wrote keeps finding its own direction
    assert '<html lang="en">' in files["index.html"].decode()  # the index of every group is the page's words


def test_every_topic_has_two_examples_from_two_members(lake):
    tables = built()
    examples = tables["keyword_examples"].to_pylist()
    keywords = {(k["chat_id"], k["keyword"]): k for k in tables["keywords"].to_pylist()}
    for chat in lake.values():
        shown = [e for e in examples if e["chat_id"] == chat]
        assert shown and {e["rank"] for e in shown} <= set(range(1, 11))
        for example in shown:
            topic = keywords[(chat, example["keyword"])]
            assert topic["rank"] == example["rank"]
            assert example["text"] in texts(next(lang for lang, c in lake.items() if c == chat))
        by_topic: dict[str, list] = {}
        for example in shown:
            by_topic.setdefault(example["keyword"], []).append(example)
        for keyword, said in by_topic.items():
            assert [e["example"] for e in said] == list(range(1, len(said) + 1))
            assert len({e["user_id"] for e in said}) == len(said)  # two members, not one twice
            assert len(said) == min(2, keywords[(chat, keyword)]["users"])


def test_a_group_writing_two_languages(monkeypatch):
    """An English and Arabic group: each member's language is detected, and both languages' stopwords
    stay out of its topics."""
    monkeypatch.setenv("TIMEZONE", TZ)
    updates = Updates()
    chat = {"id": -1001200000000, "title": "English / العربية", "type": "supergroup"}
    english, arabic = texts("en"), texts("ar")
    for n in range(30):
        updates.message(chat, 2 * n + 1, MEMBERS[0], f"2026-03-09T11:{n:02d}", english[n])
        updates.message(chat, 2 * n + 2, MEMBERS[1], f"2026-03-09T12:{n:02d}", arabic[n])
    write_and_consolidate(updates)
    tables = built()
    languages = {row["language"]: row for row in tables["languages"].to_pylist()}
    assert set(languages) == {"en", "ar"} and languages["en"]["messages"] == languages["ar"]["messages"] == 30
    assert languages["en"]["users"] == languages["ar"]["users"] == 1
    stopwords = {w.casefold() for w in stopwordsiso.stopwords(["en", "ar"])}
    top = [k["keyword"] for k in tables["keywords"].to_pylist() if k["rank"] <= 15 and not k["phrase"]]
    assert not [k for k in top if k.casefold() in stopwords and not acronym(k)]


def top_ten_ranks(export: Path) -> list[dict]:
    """A real export imported, consolidated and reported over its days: its keywords of the top ten ranks."""
    days = sorted(date.fromisoformat(day) for day in desktop_export.import_export(export).days)
    for day in days:
        consolidate.consolidate_day(day)
    settings = config.load()
    tables = reports.build(definitions.ReportRange.from_settings(days[0], days[-1], settings), settings)
    return [k for k in tables["keywords"].to_pylist() if k["rank"] is not None and k["rank"] <= 10]


def top_words(export: Path) -> tuple[list[str], list[dict], set[str]]:
    """A real export's plain texts, and its words (no phrases) of the top ten ranks, each with the set
    of them as written, case folded."""
    messages = json.loads(export.read_text(encoding="utf-8"))["messages"]
    texts = [m["text"] for m in messages if isinstance(m.get("text"), str)]
    top = [k for k in top_ten_ranks(export) if not k["phrase"]]
    return texts, top, {k["keyword"].casefold() for k in top}


REAL_RUSSIAN_GROUP = Path(__file__).resolve().parents[1] / "data" / "supergroup_ru_chat_2026.json"
# What that group writes that says nothing of what it talks about, read off its texts by hand.
RUSSIAN_FILLER = {"бля", "нахуй", "сука", "пизда", "епта", "угу", "короче", "мужики", "скоро", "красавчик", "сделал"}


def test_a_real_russian_groups_topics_are_no_swearing_laughter_or_chat_words(monkeypatch):
    monkeypatch.setenv("TIMEZONE", "UTC")
    texts, top, written = top_words(REAL_RUSSIAN_GROUP)
    assert not written & RUSSIAN_FILLER and not [w for w in written if set(w) <= set("ахх")], written
    # its one topic of more than two messages: the acronym, counted here by a regular expression
    assert (top[0]["keyword"], top[0]["messages"]) == ("ИИ", sum(bool(re.search(r"\bИИ\b", t)) for t in texts))


REAL_UKRAINIAN_CHAT = Path(__file__).resolve().parents[1] / "data" / "personal_chat_uk_2024.json"
# Its function words and filler, read off its texts by hand: its top five keywords were буде, Треба, мене,
# Можна, знов.
UKRAINIAN_FILLER = {"буде", "треба", "мене", "можна", "знов", "його", "аби", "нього", "там", "тут", "йобане", "йой"}


def test_a_real_ukrainian_chats_topics_are_no_function_words(monkeypatch):
    monkeypatch.setenv("TIMEZONE", "UTC")
    texts, top, written = top_words(REAL_UKRAINIAN_CHAT)
    assert not written & UKRAINIAN_FILLER, written
    # a word of its top rank, counted here by a regular expression
    went = next(k for k in top if k["keyword"] == "поїхав")
    assert (went["rank"], went["messages"]) == (1, sum(bool(re.search(r"\bпоїхав\b", t)) for t in texts))


REAL_ITALIAN_GROUP = Path(__file__).resolve().parents[1] / "data" / "supergroup_it_es_2025.json"


def test_a_real_italian_groups_topics_are_no_elided_words_or_hails(monkeypatch):
    monkeypatch.setenv("TIMEZONE", "UTC")
    messages = json.loads(REAL_ITALIAN_GROUP.read_text(encoding="utf-8"))["messages"]
    texts = [
        m["text"] if isinstance(m["text"], str) else "".join(p if isinstance(p, str) else p["text"] for p in m["text"])
        for m in messages
    ]
    top = top_ten_ranks(REAL_ITALIAN_GROUP)
    written = {k["keyword"].casefold() for k in top}
    assert not [w for w in written if "'" in w or "’" in w] and not written & {"ho", "guys", "hey"}, written
    # its travellers, counted here by a regular expression (3pax is 3 pax: a word starts at a letter)
    pax = next(k for k in top if k["keyword"] == "pax")
    assert (pax["rank"], pax["messages"]) == (1, sum(bool(re.search(r"(?<![A-Za-z])pax\b", t)) for t in texts))
