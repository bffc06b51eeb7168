"""report.html without a lake: what users wrote is escaped, and the index says when there is no group."""

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
