"""Two counting rules of the report SQL that no other test pins down: the name a sender is reported
under, and which version of a message counts when the same message was imported and received live."""

from __future__ import annotations

from datetime import date

import pytest
from telegram_pipeline import config
from telegram_pipeline.reports import build as reports
from telegram_pipeline.reports import definitions

from tests.support.curated_scenario import TZ, Lake, local

DAYS = (date(2026, 3, 9), date(2026, 3, 11))


@pytest.fixture
def lake(monkeypatch) -> Lake:
    monkeypatch.setenv("TIMEZONE", TZ)
    return Lake()


def tables(lake: Lake) -> dict:
    lake.write()
    settings = config.load()
    return reports.build(definitions.ReportRange.from_settings(*DAYS, settings), settings)


def test_a_sender_is_reported_under_the_latest_name_they_posted_with(lake):
    # Written out of time order, so that neither the files nor the update ids say which is the latest.
    lake.add(message_id=3, sent_at=local("2026-03-11T09:00"), text="terceira", **lake.user(7, "Ana", "Lima"))
    lake.add(message_id=1, sent_at=local("2026-03-09T09:00"), text="primeira", **lake.user(7, "Ana", "Souza"))
    lake.add(message_id=2, sent_at=local("2026-03-10T09:00"), text="segunda", **lake.user(7, "Ana", "S."))
    [poster] = tables(lake)["top_posters"].to_pylist()
    assert (poster["user_id"], poster["user_name"], poster["messages"]) == (7, "Ana Lima", 3)


def test_a_message_that_names_nobody_leaves_the_days_name_as_it_was(lake):
    """An exported message can carry a sender's id and no name: the day's name is then the latest one
    a message of that day did carry, not nothing."""
    lake.add(message_id=1, sent_at=local("2026-03-10T09:00"), text="nomeada", **lake.user(7, "Ana", "Souza"))
    lake.add(
        message_id=2,
        sent_at=local("2026-03-10T10:00"),
        text="anonima",
        user_id=7,
        user_first_name=None,
        user_last_name=" ",
        user_username=None,
    )
    [poster] = tables(lake)["top_posters"].to_pylist()
    assert (poster["user_id"], poster["user_name"], poster["messages"]) == (7, "Ana Souza", 2)


def test_the_live_version_wins_over_the_imported_one_at_the_same_time(lake):
    """A Desktop export and the webhook both hold message 21, sent at the same second, unedited: the
    live update counts (it carries what Telegram sent; the export is a rendering of it)."""
    sent = local("2026-03-10T15:00")
    lake.add(
        update_id=-500, source="export", message_id=21, sent_at=sent, text="exportado", **lake.user(3, "Carol (old)")
    )
    lake.add(update_id=2001, message_id=21, sent_at=sent, text="recebido", **lake.user(3, "Carol"))
    built = tables(lake)
    posters = [(p["user_name"], p["messages"]) for p in built["top_posters"].to_pylist()]
    assert posters == [("Carol", 1)]
    keywords = {k["keyword"] for k in built["keywords"].to_pylist() if k["messages"]}
    assert "recebido" in keywords and "exportado" not in keywords


def test_a_later_edit_still_wins_over_the_live_original(lake):
    """The tie-break only breaks ties: a later version wins whatever its source."""
    lake.add(update_id=2001, message_id=21, sent_at=local("2026-03-10T15:00"), text="original", **lake.user(3, "Carol"))
    lake.add(
        update_id=-500,
        source="export",
        update_type="edited_message",
        message_id=21,
        sent_at=local("2026-03-10T15:00"),
        edited_at=local("2026-03-10T15:30"),
        text="corrigido",
        **lake.user(3, "Carol"),
    )
    keywords = {k["keyword"] for k in tables(lake)["keywords"].to_pylist() if k["messages"]}
    assert "corrigido" in keywords and "original" not in keywords


def test_a_quiet_member_is_named_as_on_their_latest_day_of_the_period_before(lake):
    """The days of the period before the range are read as one (sender_names): the name is still the one
    on the latest of those days, from the latest message there that names anyone; and a name from before
    the period (the scan reaches further back) names nobody, as before."""
    # Bia posts only in the period before (2026-03-06..08), written out of time order
    lake.add(message_id=12, sent_at=local("2026-03-07T09:00"), text="nova", **lake.user(8, "Bia", "Nova"))
    lake.add(message_id=11, sent_at=local("2026-03-06T10:00"), text="antiga", **lake.user(8, "Bia", "Antiga"))
    lake.add(  # later that day, exported: her id and no name
        update_id=-700,
        source="export",
        message_id=13,
        sent_at=local("2026-03-07T20:00"),
        text="sem nome",
        user_id=8,
    )
    # Caio posted before the period only, and joins in the range
    lake.add(message_id=10, sent_at=local("2026-03-05T12:00"), text="cedo", **lake.user(9, "Caio"))
    lake.add(
        message_id=14,
        sent_at=local("2026-03-10T08:00"),
        content_type="service",
        service_action="new_chat_members",
        new_member_ids=[9],
        **lake.user(9, None),
    )
    members = {m["user_id"]: m for m in tables(lake)["members"].to_pylist()}
    assert (members[8]["user_name"], members[8]["status"], members[8]["previous_messages"]) == ("Bia Nova", "quiet", 3)
    assert (members[9]["user_name"], members[9]["status"], members[9]["previous_messages"]) == ("user 9", "silent", 0)
