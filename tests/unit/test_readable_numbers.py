"""Numbers as people read them: a wait in the unit it is counted in, a noun in the number it has,
thousands written one way, and what a group wrote kept apart from the page's own text."""

from __future__ import annotations

import pytest
from telegram_pipeline.reports import html
from telegram_pipeline.reports.summary import chats_counted, counted, duration


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0, "0 s"),
        (44.6, "45 s"),
        (89, "89 s"),
        (90, "2 min"),
        (20 * 60, "20 min"),
        (89 * 60, "89 min"),
        (90 * 60, "1 h 30 min"),
        (3 * 3600 + 20 * 60, "3 h 20 min"),
        (5 * 3600 + 10, "5 h"),
        (47 * 3600 + 59 * 60, "47 h 59 min"),
        (1946.0 * 3600, "81 days"),  # the "1946.0 h median wait"
        (2 * 86400, "2 days"),
    ],
)
def test_a_wait_is_said_in_the_unit_people_use(seconds, said):
    assert duration(seconds) == said


def test_nouns_agree_with_their_number_and_thousands_are_written_one_way():
    assert counted(1, "sender") == "1 sender"
    assert counted(0, "sender") == "0 senders"
    assert counted(1, "person", "people") == "1 person"
    assert counted(2, "person", "people") == "2 people"
    assert counted(1041, "message") == "1,041 messages"


def test_what_the_group_wrote_is_isolated_from_the_page():
    name = "عَلَىٰ نَهجِ السَّلَفِ"
    assert html.isolated(name) == f"\u2068{name}\u2069"
    svg = html.bar_chart("top-posters", [(name, 3, "3 · 100%")], "#000")
    assert f">\u2068{name}\u2069</text>" in svg
    assert html._bdi("<b>") == "<bdi>&lt;b&gt;</bdi>"


def test_the_page_language_is_the_groups_where_it_is_known():
    class Known:
        language = "pt"

    class Unknown:
        language = None

    assert html.page_language(Known()) == "pt"
    assert html.page_language(Unknown()) == "en"


@pytest.mark.parametrize(
    ("kinds", "said"),
    [
        (["group"], "1 group"),
        (["group", "channel", "group"], "2 groups, 1 channel"),
        (["private chat"], "1 private chat"),  # an imported personal chat is no group
        ([], "0 groups"),
    ],
)
def test_a_reports_chats_are_counted_by_what_they_are(kinds, said):
    assert chats_counted(kinds) == said
