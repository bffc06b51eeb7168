"""A name whose first word is a stopword ("São" of "São Paulo": ``são`` is "are") is a topic of its own,
through the real consolidation and the keywords report, on DuckDB and on the Athena text: the phrase
says it, the stopword is no term, and the name's second word is left out where the name holds its uses,
as for any phrase."""

from __future__ import annotations

import pytest
from telegram_pipeline import config
from telegram_pipeline.reports import build, definitions

from tests.support.athena_results import assert_athena_text_gives_the_duckdb_results
from tests.support.groups_lake import CORRIDA, FIRST, TZ, USERS, Updates, write_and_consolidate

TEXTS = (
    "Amanhã vou correr a meia maratona em São Paulo com o grupo todo",
    "Alguém mais vai para a meia maratona em São Paulo no domingo?",
    "Fiz o percurso inteiro da meia maratona em São Paulo ontem à noite",
    "Inscrições abertas para a corrida de São Silvestre no fim do ano",
)


@pytest.fixture
def lake(local_lake, monkeypatch):
    monkeypatch.setenv("TIMEZONE", TZ)
    updates = Updates()
    members = [USERS[name] for name in ("ana", "bia", "caio", "duda")]
    for n, (member, text) in enumerate(zip(members, TEXTS, strict=True), start=1):
        updates.message(CORRIDA, n, member, f"2026-03-09T1{n}:00", text)
    write_and_consolidate(updates)


def test_a_name_that_begins_with_a_stopword_is_the_topic(lake, monkeypatch):
    monkeypatch.setenv("TRACKED_KEYWORDS", "São Paulo,São Silvestre")
    settings = config.load()
    rng = definitions.ReportRange.from_settings(FIRST, FIRST, settings)
    rows = build.build(rng, settings)["keywords"].to_pylist()
    keywords = {row["keyword"]: row for row in rows if row["rank"] is not None}
    assert (keywords["São Paulo"]["messages"], keywords["São Paulo"]["phrase"]) == (3, True)
    assert keywords["São Paulo"]["term"] == "são paul"
    # a tracked name is the name: the topic shown, or counted apart (São Silvestre was the topic
    # "Silvestre", whose term it shared)
    assert keywords["São Paulo"]["tracked"] and not keywords["Silvestre"]["tracked"]
    tracked_apart = [(row["keyword"], row["term"], row["messages"]) for row in rows if row["rank"] is None]
    assert tracked_apart == [("São Silvestre", "são silvestr", 1)]
    # every "Paulo" is São Paulo's: the name says it better; São Silvestre, once, is no phrase topic yet
    assert "Paulo" not in keywords and "São Silvestre" not in keywords and "Silvestre" in keywords
    assert not {"São", "são"} & set(keywords)
    assert_athena_text_gives_the_duckdb_results(
        rng,
        empty=(
            "reactions",
            "emoji",
            "join_sources",
            "links",
            "surges",
            "topics",
            "channel_posts",
            "forward_sources",
            "interactions",
            "helpers",
        ),
    )
