"""report.html without a lake: what users wrote is escaped, the index says when there is no group, and a
custom emoji reaction is named as a reader knows it."""

from __future__ import annotations

from datetime import date

from telegram_pipeline import config
from telegram_pipeline.reports import build as reports
from telegram_pipeline.reports import definitions

from tests.support.curated_scenario import CHAT, FIRST, LAST, Lake, local


def test_page_escapes_what_users_wrote(monkeypatch, tmp_path):
    monkeypatch.setenv("TIMEZONE", "UTC")
    lake = Lake()
    lake.add(
        message_id=1,
        sent_at=local("2026-03-09T10:00"),
        text="<script>alert(1)</script> #<b>",
        **lake.user(1, "<img src=x onerror=alert(1)>"),
    )
    lake.write()
    settings = config.load()
    rng = definitions.ReportRange.from_settings(FIRST, LAST, settings)
    html = reports.render_html(reports.build(rng, settings), rng, CHAT)
    assert "<img src=x" not in html and "<script>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_no_group_gives_an_index_that_says_so():
    settings = config.load()
    rng = definitions.ReportRange.from_settings(date(2025, 1, 1), date(2025, 1, 1), settings)
    files, summaries = reports.pages(reports.build(rng, settings), rng)
    assert summaries == [] and list(files) == ["index.html"]
    assert "No group had any update in this period" in files["index.html"].decode()


def test_custom_emoji_and_paid_reactions_are_shown_as_such_and_kept_apart_in_the_table(monkeypatch):
    monkeypatch.setenv("TIMEZONE", "UTC")
    lake = Lake()
    ana, bia = lake.user(1, "Ana"), lake.user(2, "Bia")
    # two live custom emoji (Telegram's ids), and one an export named by a file path (its id unknown)
    held = {1: "custom:5368324170671202286", 2: "custom:5377305978079288312", 3: "custom"}
    for message_id, emoji in held.items():
        lake.add(message_id=message_id, sent_at=local("2026-03-09T10:00"), text=f"post {message_id}", **ana)
        lake.add(
            update_type="message_reaction",
            message_id=message_id,
            content_type="reaction",
            reaction_emojis=[emoji],
            sent_at=local("2026-03-09T11:00"),
            **bia,
        )
    lake.write()
    settings = config.load()
    rng = definitions.ReportRange.from_settings(FIRST, LAST, settings)
    tables = reports.build(rng, settings)
    assert {r["message_id"]: r["top_emoji"] for r in tables["reactions"].to_pylist()} == held
    html = reports.render_html(tables, rng, CHAT)
    assert html.count(">1 custom emoji<") == 3 and "custom:" not in html


def test_a_paid_reaction_counts_its_stars_apart_from_the_reactions(monkeypatch):
    """A paid reaction's total is Telegram Stars (each star sent adds one to it), not people: a channel
    post with 3 👍 and 50 stars holds 3 reactions and 50 stars, and ranks below a post with 5 👍."""
    monkeypatch.setenv("TIMEZONE", "UTC")
    lake = Lake()
    ana = lake.user(1, "Ana")
    counts = {1: (["👍", "paid"], [3, 50]), 2: (["👍"], [5]), 3: (["paid"], [1])}
    for message_id, (emojis, totals) in counts.items():
        lake.add(message_id=message_id, sent_at=local("2026-03-09T10:00"), text=f"post {message_id}", **ana)
        lake.add(
            update_type="message_reaction_count",
            message_id=message_id,
            content_type="reaction_count",
            reaction_count_emojis=emojis,
            reaction_count_totals=totals,
            sent_at=local("2026-03-09T11:00"),
        )
    lake.write()
    settings = config.load()
    rng = definitions.ReportRange.from_settings(FIRST, LAST, settings)
    tables = reports.build(rng, settings)
    got = {
        r["message_id"]: (r["reactions"], r["stars"], r["top_emoji"], r["rank"])
        for r in tables["reactions"].to_pylist()
    }
    assert got == {2: (5, 0, "👍", 1), 1: (3, 50, "👍", 2), 3: (0, 1, None, 3)}
    html = reports.render_html(tables, rng, CHAT)
    assert ">3 👍 · ⭐ 50<" in html and ">⭐ 1<" in html and "(paid)" not in html
