"""report.html: self-contained (opens offline), escapes what users wrote, and renders its charts in a
real browser (headless Chromium from Debian's packages)."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from telegram_pipeline import config
from telegram_pipeline.reports import build as reports
from telegram_pipeline.reports import definitions

from tests.support import needs
from tests.support.curated_scenario import CHAT, FIRST, LAST, write_scenario
from tests.support.html_elements import parse

CHROMIUM = Path("/usr/bin/chromium")
CHARTS = (
    "top-posters",
    "keywords",
    "languages",
    "activity-heatmap",
    "daily-volume",
    "reactions",
    "interactions",
    "conversations",
    "members",
    "content-mix",
    "emoji",
    "activity",
    "retention",
    "join-sources",
    "helpers",
    "links",
    "forward-sources",
)


@pytest.fixture
def scenario_lake(monkeypatch):
    return write_scenario(monkeypatch)


@pytest.fixture
def page(scenario_lake, tmp_path) -> Path:
    settings = config.load()
    rng = definitions.ReportRange.from_settings(FIRST, LAST, settings)
    reports.write_range(reports.build(rng, settings), rng, str(tmp_path / "out"))
    return tmp_path / "out" / f"chat_id={CHAT}" / "report.html"


def test_page_is_self_contained(page):
    html = page.read_text()
    assert "<script" not in html
    # links to the messages (t.me) are followed only when clicked; nothing is loaded
    assert not re.search(r"""(src|<link[^>]*href)\s*=\s*["']?(https?:)?//""", html), "the page must not load anything"
    assert "@import" not in html and "url(" not in html
    elements = parse(html)
    assert {a["data-chart"] for t, a in elements.tags if t == "svg"} == set(CHARTS)


def test_empty_range_page(scenario_lake):
    """A group with nothing in the range but a message the day before: a page of zeros that says so."""
    settings = config.load()
    rng = definitions.ReportRange.from_settings(date(2026, 3, 13), date(2026, 3, 13), settings)
    tables = reports.build(rng, settings)
    html = reports.render_html(tables, rng, CHAT)
    assert "No messages in this range" in html
    assert len(parse(html).find("rect", **{"class": "cell"})) == 168
    assert "0 messages (-100%, from 1)" in html


def chromium(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.browser
def test_chromium_renders_the_charts(page, tmp_path):
    if not CHROMIUM.exists():
        needs.missing("needs Debian's chromium (make browser)")
    result = chromium("--dump-dom", page.as_uri(), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    dom = parse(result.stdout)
    rendered = {a["data-chart"] for t, a in dom.tags if t == "svg" and a.get("data-chart")}
    assert rendered == set(CHARTS)
    bars = dom.find("rect", **{"class": "bar"})
    assert [b["data-value"] for b in bars[:5]] == ["3", "2", "2", "1", "1"]  # top posters, in rank order
    cells = dom.find("rect", **{"class": "cell"})
    assert len(cells) == 168 and sum(int(c["data-value"]) for c in cells) == 9
    assert [(c["data-weekday"], c["data-hour"]) for c in cells if c["data-value"] != "0"][:3] == [
        ("1", "0"),
        ("1", "10"),
        ("1", "14"),
    ]
    assert [d["data-value"] for d in dom.find("rect", **{"class": "day"})] == ["3", "3", "3"]
    assert {a["data-tracked"]: a["data-value"] for t, a in dom.tags if a.get("data-tracked")} == {
        "kotlin": "0",
        "Python": "2",  # as last written
    }
    assert "9" in re.sub(r"\s+", " ", result.stdout.split('data-kpi="messages"')[1][:200])

    screenshot = tmp_path / "report.png"
    shot = chromium(f"--screenshot={screenshot}", "--window-size=1200,1600", page.as_uri(), tmp_path=tmp_path)
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 20_000
