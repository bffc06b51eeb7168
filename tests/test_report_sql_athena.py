"""The Athena SQL: generated from the DuckDB SQL, committed, valid Trino, and (transpiled back to
DuckDB) giving the DuckDB engine's results on the same data; the Athena engine's calls against moto."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import requests
import sqlglot
from telegram_pipeline import config
from telegram_pipeline.lake import aws, migrations, storage
from telegram_pipeline.reports import build as reports
from telegram_pipeline.reports import definitions, duckdb_engine, sql

from tests import groups_lake
from tests.groups_lake import engaged_groups, write_and_consolidate
from tests.test_reports import FIRST, LAST, write_scenario


@pytest.fixture
def scenario_lake(monkeypatch):
    return write_scenario(monkeypatch)


DUCKDB_ONLY = ("$", "ISODOW", "GENERATE_SERIES", "ARG_MAX", "AT_TIMEZONE", "'g')")


@pytest.mark.parametrize("report", definitions.REPORTS)
def test_committed_athena_sql_is_the_generated_text(report):
    assert sql.athena_sql(report) == sql.generated_athena_sql(report), (
        "regenerate with: python -m telegram_pipeline report --write-athena-sql"
    )


def test_every_stage_is_read_and_listed_in_build_order():
    """DuckDB builds every stage of STAGES in its order without parsing the SQL: each must be read by
    some report, and come after the stages it reads."""
    stages = definitions.STAGES
    assert [stage for stage in sql.dependencies(definitions.REPORTS) if stage in stages] == list(stages)
    for stage in stages:
        for read in sql.references(stage):
            assert list(sql.BUILD_ORDER).index(read) < list(sql.BUILD_ORDER).index(stage), (stage, read)


@pytest.mark.parametrize("report", definitions.REPORTS)
def test_athena_sql_is_trino(report):
    rng = definitions.ReportRange(FIRST, LAST, timezone="America/Sao_Paulo", tracked_keywords=("python",))
    for text in (sql.athena_sql(report), sql.rendered_athena_sql(report, rng)):
        parsed = sqlglot.parse_one(text, read="trino", error_level=sqlglot.ErrorLevel.RAISE)
        assert isinstance(parsed, sqlglot.exp.Query)
        body = text.split("\n", 3)[-1]
        assert not [word for word in DUCKDB_ONLY if word in body]
    rendered = sql.rendered_athena_sql(report, rng)
    assert ":" + "from_date" not in rendered and "AT TIME ZONE 'America/Sao_Paulo'" in rendered


def test_rendered_parameters_are_literals_not_code():
    rng = definitions.ReportRange(FIRST, LAST, tracked_keywords=("it's'; DROP TABLE messages; --",))
    text = sql.rendered_athena_sql("keywords", rng)
    assert "'it''s''; DROP TABLE messages; --'" in text
    assert len(sqlglot.parse(text, read="trino")) == 1


def assert_athena_text_gives_the_duckdb_results(rng: definitions.ReportRange, empty: tuple[str, ...] = ()) -> None:
    """Each report's Athena text, transpiled back to DuckDB, gives row for row what the DuckDB engine gives."""
    settings = config.load()
    expected = reports.build(rng, settings)
    markers = migrations.markers(storage.raw_store(settings))
    duck = duckdb_engine.DuckDBReports(settings, rng.scan_last)
    try:
        for report in definitions.REPORTS:
            athena_text = sql.rendered_athena_sql(report, rng, markers=markers)
            as_duckdb = sqlglot.transpile(athena_text, read="trino", write="duckdb")[0]
            got = duck.con.execute(as_duckdb).to_arrow_table().cast(definitions.output_schemas()[report])
            assert got.to_pylist() == expected[report].to_pylist(), report
            assert (got.num_rows > 0) == (report not in empty), report
    finally:
        duck.close()


@pytest.mark.parametrize("include_bots", [False, True])
def test_athena_text_transpiled_back_gives_the_duckdb_results(scenario_lake, include_bots):
    rng = definitions.ReportRange.from_settings(FIRST, LAST, config.load(), include_bots=include_bots)
    assert_athena_text_gives_the_duckdb_results(rng, empty=("interactions", "topics"))  # nobody replies; no forum


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
    assert_athena_text_gives_the_duckdb_results(rng, empty=("topics",))  # no forum among them
    chats = reports.build(rng)["chats"].column("migrated_from_chat_id").to_pylist()
    assert groups_lake.PEDAL_OLD["id"] in chats


def athena_rows(table) -> list[dict]:
    """A table as Athena's GetQueryResults gives it: a header row, then every value as a string."""

    def cell(value):
        if value is None:
            return {}
        if isinstance(value, bool):
            return {"VarCharValue": str(value).lower()}
        if isinstance(value, date):
            return {"VarCharValue": value.isoformat()}
        return {"VarCharValue": str(value)}

    rows = [{"Data": [{"VarCharValue": name} for name in table.column_names]}]
    rows += [{"Data": [cell(v) for v in row.values()]} for row in table.to_pylist()]
    return rows


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
