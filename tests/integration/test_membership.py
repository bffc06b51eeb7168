"""Joins and leaves from real-shaped updates: the member a change is about and its statuses are kept;
joins that come only as chat_member updates count; leaves count; a join seen both as a service message
and as a chat_member update counts once; bots are not new members."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from telegram_pipeline import config
from telegram_pipeline.lake import consolidate, storage
from telegram_pipeline.reports import build as reports
from telegram_pipeline.reports import definitions

from tests.support.membership_updates import DAY, TZ, UPDATES


@pytest.fixture
def membership_lake(monkeypatch):
    monkeypatch.setenv("TIMEZONE", TZ)
    raw = storage.raw_store()
    for update in UPDATES:
        payload = next(v for v in update.values() if isinstance(v, dict))
        day = datetime.fromtimestamp(payload["date"], ZoneInfo(TZ)).date()
        raw.write(f"context_date={day}/{update['update_id']}.json", json.dumps(update, ensure_ascii=False).encode())
    for day in (date(2026, 3, 9), DAY, date(2026, 3, 11), date(2026, 3, 12)):
        assert consolidate.consolidate_day(day).quarantined == 0


def volume(first: date, last: date, **overrides) -> dict[date, tuple[int, int, int]]:
    settings = config.load()
    tables = reports.build(definitions.ReportRange.from_settings(first, last, settings, **overrides), settings)
    return {r["date"]: (r["messages"], r["new_members"], r["left_members"]) for r in tables["daily_volume"].to_pylist()}


def test_joins_and_leaves_from_both_sources_count_once_each(membership_lake):
    # Joined: Carla (message and chat_member: once), Dan (chat_member only), Ivo; not the bot.
    # Left: Eve (message and chat_member: once), Fred (banned), Gil (restricted, left), Ivo.
    assert volume(DAY, date(2026, 3, 11)) == {DAY: (1, 3, 4), date(2026, 3, 11): (0, 1, 0)}


def test_the_bot_counts_as_a_new_member_only_with_include_bots(membership_lake):
    assert volume(DAY, DAY, include_bots=True) == {DAY: (1, 4, 4)}


def test_athena_text_gives_the_same_joins_and_leaves(membership_lake):
    from telegram_pipeline.reports import duckdb_engine, sql

    from tests.support.athena_results import as_duckdb_sql

    settings = config.load()
    for include_bots in (False, True):
        rng = definitions.ReportRange.from_settings(DAY, date(2026, 3, 11), settings, include_bots=include_bots)
        duck = duckdb_engine.DuckDBReports(settings, rng.scan_last, markers=[])
        duckdb_engine.register_messages(duck.con, rng.scan_last, settings)  # Athena's text reads every partition
        try:
            athena_text = sql.rendered_athena_sql("daily_volume", rng, markers=[])
            got = duck.con.execute(as_duckdb_sql(athena_text)).fetch_arrow_table()
        finally:
            duck.close()
        rows = {r["date"]: (r["new_members"], r["left_members"]) for r in got.to_pylist()}
        assert rows == {DAY: (3 + include_bots, 4), date(2026, 3, 11): (1, 0)}
