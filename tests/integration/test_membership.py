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

from tests.support.membership_updates import ADMIN, DAY, TZ, UPDATES, at, service, text

# The day after the others: an admin adds two people by one new_chat_members message (as a Persian
# group's export names them); one of them then posts under another name, the other never does.
ADDED_DAY = date(2026, 3, 12)
MOVAHHED = {"id": 105770407, "is_bot": False, "first_name": "Movahhed", "last_name": "R"}
FATIMA = {"id": 116344054, "is_bot": False, "first_name": "Fatima"}
ADDED = [
    service(900200, 600, at(10, day=ADDED_DAY), ADMIN, new_chat_members=[MOVAHHED, FATIMA]),
    text(900201, 601, at(11, day=ADDED_DAY), {**FATIMA, "first_name": "Fati", "last_name": "K"}, "سلام"),
]


@pytest.fixture
def membership_lake(monkeypatch):
    monkeypatch.setenv("TIMEZONE", TZ)
    raw = storage.raw_store()
    for update in UPDATES + ADDED:
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


def members(first: date, last: date) -> dict[int, tuple[str, str]]:
    settings = config.load()
    tables = reports.build(definitions.ReportRange.from_settings(first, last, settings), settings)
    return {r["user_id"]: (r["user_name"], r["status"]) for r in tables["members"].to_pylist()}


def test_a_member_who_never_posted_is_named_as_their_join_or_leave_named_them(membership_lake):
    # Dan and Ivo joined only by chat_member updates, Eve left by a service message and an update,
    # Fred was banned (named as himself, not as the admin who banned him), Gil left: none of them posted.
    named = members(DAY, DAY)
    silent = {"Dan", "Eve", "Fred", "Gil", "Ivo"}
    assert {name for name, status in named.values() if status == "silent"} == silent
    assert named[UPDATES[7]["chat_member"]["new_chat_member"]["user"]["id"]] == ("Fred", "silent")
    # Added by a new_chat_members message: the silent one by the name it gave; who posted, by their post's.
    assert members(ADDED_DAY, ADDED_DAY) == {MOVAHHED["id"]: ("Movahhed R", "silent"), FATIMA["id"]: ("Fati K", "new")}


def test_athena_text_names_the_silent_members_the_same(membership_lake):
    from telegram_pipeline.reports import duckdb_engine, sql

    from tests.support.athena_results import as_duckdb_sql

    settings = config.load()
    rng = definitions.ReportRange.from_settings(DAY, ADDED_DAY, settings)
    duck = duckdb_engine.DuckDBReports(settings, rng.scan_last, markers=[])
    duckdb_engine.register_messages(duck.con, rng.scan_last, settings)
    try:
        got = duck.con.execute(as_duckdb_sql(sql.rendered_athena_sql("members", rng, markers=[]))).fetch_arrow_table()
    finally:
        duck.close()
    named = {r["user_id"]: r["user_name"] for r in got.to_pylist()}
    assert named == {user_id: name for user_id, (name, _) in members(DAY, ADDED_DAY).items()}
    assert (named[MOVAHHED["id"]], named[UPDATES[2]["chat_member"]["from"]["id"]]) == ("Movahhed R", "Dan")
