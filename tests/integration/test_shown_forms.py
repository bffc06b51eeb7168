"""A topic is shown as most of its messages wrote it: a Russian forum group through the raw zone and the
real consolidation, then the reports on DuckDB and on the Athena text.

The expected forms and counts are counted here by hand from the texts below (a regular expression per
written form), never by the word rule under test.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from telegram_pipeline import config
from telegram_pipeline.reports import build, definitions

from tests.support.athena_results import assert_athena_text_gives_the_duckdb_results
from tests.support.groups_lake import USERS, Updates, write_and_consolidate
from tests.support.lake_once import built_once, copy_into

TZ = "Europe/Moscow"
DAY = date(2026, 3, 9)
GROUP = {"id": -1007000000007, "title": "Выпускники", "type": "supergroup", "is_forum": True, "username": "vypusk"}
STUDY = 10  # the forum topic "Учёба": the id of the message that created it
# the tables this group has no row in: no reaction, reply, emoji, join, answer, link or forward
EMPTY = ("reactions", "interactions", "emoji", "join_sources", "helpers", "links", "forward_sources", "channel_posts")
ana, bia, caio, duda, edu = (USERS[n] for n in ("ana", "bia", "caio", "duda", "edu"))
# (sender, time, text), in the order they were sent: `диплом` three times, then `диплому` twice, the
# latest two; `экзамен` once, then `экзамены` once, the latest
POSTS = [
    (ana, "10:00", "Сегодня защитил диплом в университете, все прошло хорошо"),
    (bia, "10:10", "Поздравляю! Мой диплом тоже почти готов, осталось оформить"),
    (caio, "10:20", "Когда будет защита? Я свой диплом сдаю в пятницу утром"),
    (ana, "11:00", "Нам ещё сдавать экзамен по истории в понедельник"),
    (bia, "11:30", "Все экзамены перенесли на следующую неделю"),
    (duda, "12:00", "Я готовлюсь к диплому уже третий месяц подряд"),
    (edu, "12:30", "Кто может помочь мне с вопросами к диплому?"),
]


def uses(form: str) -> int:
    """Messages writing ``form`` as a whole word, counted by hand."""
    return sum(1 for _, _, text in POSTS if re.search(rf"(?<!\w){form}(?!\w)", text))


@pytest.fixture(scope="module")
def consolidated_forum(tmp_path_factory) -> Path:
    """The forum's topic written and consolidated once for the module."""
    folder = tmp_path_factory.mktemp("forms")
    built_once(folder, write_the_forum, TIMEZONE=TZ)
    return folder


@pytest.fixture
def forum(consolidated_forum, local_lake, monkeypatch):
    copy_into(consolidated_forum, local_lake)
    monkeypatch.setenv("TIMEZONE", TZ)


def write_the_forum() -> None:
    updates = Updates()
    created = updates.message(
        GROUP,
        STUDY,
        ana,
        f"{DAY}T09:00",
        forum_topic_created={"name": "Учёба", "icon_color": 1},
        message_thread_id=STUDY,
        is_topic_message=True,
    )
    for n, (sender, time, text) in enumerate(POSTS, start=STUDY + 1):
        updates.message(
            GROUP,
            n,
            sender,
            f"{DAY}T{time}",
            text,
            message_thread_id=STUDY,
            is_topic_message=True,
            reply_to_message=created,
        )
    write_and_consolidate(updates)


def tables():
    settings = config.load()
    return build.build(definitions.ReportRange.from_settings(DAY, DAY, settings), settings)


def test_a_term_is_shown_in_its_most_used_form_with_the_count_of_all(forum):
    assert (uses("диплом"), uses("диплому")) == (3, 2)
    keywords = {k["term"]: k for k in tables()["keywords"].to_pylist()}
    diploma = next(k for k in keywords.values() if k["keyword"] in ("диплом", "диплому"))
    # the latest two messages wrote `диплому`: the form most of them wrote is shown all the same
    assert diploma["keyword"] == "диплом"
    assert (diploma["messages"], diploma["users"], diploma["rank"]) == (5, 5, 1)
    assert not [k for k in keywords.values() if k["keyword"] == "диплому"]  # one term, not two


def test_a_tie_is_shown_in_the_form_used_latest(forum):
    assert uses("экзамен") == uses("экзамены") == 1
    exam = next(k for k in tables()["keywords"].to_pylist() if k["keyword"] in ("экзамен", "экзамены"))
    assert (exam["keyword"], exam["messages"]) == ("экзамены", 2)


def test_the_examples_the_forum_topics_and_the_surges_show_the_same_form(forum):
    built = tables()
    examples = [e for e in built["keyword_examples"].to_pylist() if e["rank"] == 1]
    assert {e["keyword"] for e in examples} == {"диплом"} and len(examples) == 2
    assert {e["text"] for e in examples} == {POSTS[-1][2], POSTS[-2][2]}  # the latest two uses
    (study,) = [t for t in built["topics"].to_pylist() if t["topic_id"] == STUDY]
    shown = study["top_keywords"].split(", ")
    assert shown[0] == "диплом" and "экзамены" in shown and "диплому" not in shown
    # five messages in a day with none the 28 days before: it surges (SURGE_MIN_MESSAGES is 5), shown
    # as most of the day's messages wrote it, though the day's latest two wrote `диплому`
    (surge,) = built["surges"].to_pylist()
    assert (surge["keyword"], surge["messages"], surge["example"]) == ("диплом", 5, POSTS[-1][2])


def test_the_athena_text_shows_the_same_forms(forum):
    rng = definitions.ReportRange.from_settings(DAY, DAY, config.load())
    assert_athena_text_gives_the_duckdb_results(rng, empty=EMPTY)
