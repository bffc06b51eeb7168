"""The Athena SQL: generated from the DuckDB SQL, committed, valid Trino, and (transpiled back to
DuckDB) giving the DuckDB engine's results on the same data; the Athena engine's calls against moto."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests
from telegram_pipeline import config
from telegram_pipeline.lake import aws, storage
from telegram_pipeline.reports import build as reports
from telegram_pipeline.reports import definitions, sql

from tests.support import groups_lake
from tests.support.athena_results import (
    assert_athena_text_gives_the_duckdb_results,
    athena_rows,
)
from tests.support.curated_scenario import FIRST, LAST, write_scenario
from tests.support.groups_lake import engaged_groups, write_and_consolidate


@pytest.fixture
def scenario_lake(monkeypatch):
    return write_scenario(monkeypatch)


@pytest.mark.parametrize("include_bots", [False, True])
def test_athena_text_transpiled_back_gives_the_duckdb_results(scenario_lake, include_bots):
    rng = definitions.ReportRange.from_settings(FIRST, LAST, config.load(), include_bots=include_bots)
    # nobody replies there, and it is no forum nor a channel's discussion group; its rows are written as
    # curated rows, without what consolidation finds in texts, forwards and joins
    # (tests/integration/test_reports_community.py has those)
    lacking = ("helpers", "unanswered_questions", "links", "forward_sources", "surges")
    assert_athena_text_gives_the_duckdb_results(rng, empty=("interactions", "topics", "channel_posts", *lacking))


@pytest.mark.parametrize(("days", "known_from"), [(1, "service messages"), (3, "service messages"), (3, "marker")])
def test_athena_text_gives_the_duckdb_results_for_many_groups(monkeypatch, days, known_from):
    """Three groups with reactions, replies, mentions, emoji, joins and leaves, one of them a basic group
    that became a supergroup: its move known from the curated service messages, or only from the
    webhook's marker."""
    monkeypatch.setenv("TIMEZONE", groups_lake.TZ)
    updates = engaged_groups()
    if known_from == "marker":
        moves = {"migrate_to_chat_id", "migrate_from_chat_id"}
        updates.items = [u for u in updates.items if not moves & set(u.get("message", {}))]
        old, new = groups_lake.PEDAL_OLD["id"], groups_lake.PEDAL["id"]
        marker = {"from_chat_id": old, "to_chat_id": new, "update_id": 1, "recorded_at": 0}
        storage.raw_store().write(f"_migrations/{new}.json", json.dumps(marker).encode())
    write_and_consolidate(updates)
    last = groups_lake.LAST
    rng = definitions.ReportRange.from_settings(last - timedelta(days=days - 1), last, config.load())
    # no forum nor discussion group among them; nobody shares a link or a forward there, nor talks of one
    # thing all of a sudden; on the last day alone nobody answers a question
    # (tests/integration/test_reports_community.py has all of those)
    absent = ("topics", "channel_posts", "links", "forward_sources", "surges") + (("helpers",) if days == 1 else ())
    assert_athena_text_gives_the_duckdb_results(rng, empty=absent)
    chats = reports.build(rng)["chats"].column("migrated_from_chat_id").to_pylist()
    assert groups_lake.PEDAL_OLD["id"] in chats


def test_anonymous_reactions_all_taken_back_read_alike_on_athena(monkeypatch):
    """Telegram's latest count of a message's anonymous reactions can hold none (all taken back): an empty
    list, which Athena's text must not index (Trino's SEQUENCE(1, 0) is [1, 0], not empty)."""
    monkeypatch.setenv("TIMEZONE", groups_lake.TZ)
    updates = engaged_groups()
    last = groups_lake.LAST
    in_range = groups_lake.at(f"{last}T20:00")
    counted = [u["message_reaction_count"] for u in updates.items if "message_reaction_count" in u]
    latest = [body for body in counted if body["date"] < in_range][-1]
    assert latest["reactions"], latest
    updates.add("message_reaction_count", {**latest, "date": latest["date"] + 60, "reactions": []})
    write_and_consolidate(updates)
    rng = definitions.ReportRange.from_settings(last - timedelta(days=2), last, config.load())
    empty = ("topics", "channel_posts", "links", "forward_sources", "surges")
    assert_athena_text_gives_the_duckdb_results(rng, empty=empty)


def test_athena_engine_submits_the_rendered_queries_and_reads_the_results(s3_lake, scenario_lake, monkeypatch):
    monkeypatch.setenv("ATHENA_WORKGROUP", "primary")
    monkeypatch.setenv("GLUE_DATABASE", "telegram_test")
    monkeypatch.setenv("ATHENA_OUTPUT_URI", f"s3://{s3_lake['bucket']}/athena-results/")
    settings = config.load()
    rng = definitions.ReportRange.from_settings(FIRST, LAST, settings)
    expected = reports.build(rng, settings, engine="duckdb")  # the scenario, read from moto's S3
    assert expected["daily_volume"].column("messages").to_pylist() == [3, 3, 3]

    # moto cannot run SQL: it answers each query with the next result queued here
    results = [{"rows": athena_rows(expected[report]), "column_info": []} for report in definitions.REPORTS]
    answer = requests.post(f"{s3_lake['endpoint']}/moto-api/static/athena/query-results", json={"results": results})
    assert answer.status_code == 201

    got = reports.build(rng, settings, engine="athena")
    for report in definitions.REPORTS:
        assert got[report].schema == definitions.output_schemas()[report]
        assert got[report].to_pylist() == expected[report].to_pylist(), report

    athena = aws.client("athena")
    ids = athena.list_query_executions(WorkGroup="primary")["QueryExecutionIds"]
    submitted = {}
    for query_id in ids:
        execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        submitted[execution["Query"]] = execution
    for report in definitions.REPORTS:
        execution = submitted[sql.rendered_athena_sql(report, rng)]
        assert execution["QueryExecutionContext"]["Database"] == "telegram_test"
        assert execution["ResultConfiguration"]["OutputLocation"].startswith(
            f"s3://{s3_lake['bucket']}/athena-results/"
        )
        assert execution["WorkGroup"] == "primary"
