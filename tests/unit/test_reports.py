"""The reports on curated data made for each counting rule (built directly with the schema's Arrow
schema), on DuckDB, from a local lake and from moto's S3; the CLI; the DAG's per-day windows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram_pipeline import cli
from telegram_pipeline.orchestration import asset_events
from telegram_pipeline.reports import definitions

from tests.support.curated_scenario import FIRST, LAST


def test_cli_rejects_a_bad_range(tmp_path, capsys):
    assert cli.main(["report", "--from", "2026-03-11", "--to", "2026-03-09", "--out", str(tmp_path)]) == 2
    assert "before" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "given"),
    [
        (["report", "--from", "yesterday", "--out", "reports"], "yesterday"),
        (["report", "--from", "2026-03-01", "--to", "2026-02-30", "--out", "reports"], "2026-02-30"),
        (["search", "python", "--from", "03/01/2026"], "03/01/2026"),
        (["consolidate", "--date", "2026-02-30"], "2026-02-30"),
        (["consolidate", "--date", "2026-03-01", "--to", "03-02"], "03-02"),
        (["catalog", "--date", "2026-3-1"], "2026-3-1"),
        (["digest", "--date", "today"], "today"),
        (["simulate", "--start", "2026-13-01"], "2026-13-01"),
    ],
)
def test_every_command_names_a_day_that_is_not_one(argv, given, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == 2
    assert f"{given!r} is not a date (YYYY-MM-DD)" in capsys.readouterr().err


def test_dates_to_report_from_params_or_asset_events():
    class Event:
        def __init__(self, dates):
            self.extra = {"dates": dates}

    class Asset:
        name = uri = "telegram_curated_messages"

    events = {Asset(): [Event(["2026-03-10", "2026-03-09"]), Event(["2026-03-10", "2026-03-11"])]}
    assert asset_events.dates_to_report({}, events) == ["2026-03-09", "2026-03-10", "2026-03-11"]
    assert asset_events.dates_to_report({"from": "2026-02-27", "to": "2026-03-01"}, events) == [
        "2026-02-27",
        "2026-02-28",
        "2026-03-01",
    ]
    assert asset_events.dates_to_report({"from": "2026-03-01", "to": None}, {}) == ["2026-03-01"]
    assert asset_events.dates_to_report({}, {}) == []
    with pytest.raises(ValueError):
        asset_events.dates_to_report({"from": "2026-03-02", "to": "2026-03-01"}, {})


def test_scan_covers_the_period_before_and_edits_on_the_next_day():
    rng = definitions.ReportRange(FIRST, LAST)
    assert (rng.previous_first, rng.previous_last) == (FIRST - timedelta(days=3), FIRST - timedelta(days=1))
    # the 29 days before the first day (its monthly active members) reach further back than the period before
    assert rng.scan_first == FIRST - timedelta(days=30) and rng.scan_last == LAST + timedelta(days=1)
