"""The Athena SQL: generated from the DuckDB SQL, committed, valid Trino, and (transpiled back to
DuckDB) giving the DuckDB engine's results on the same data; the Athena engine's calls against moto."""

from __future__ import annotations

import pytest
import sqlglot
from telegram_pipeline.reports import definitions, sql

from tests.support.curated_scenario import FIRST, LAST

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
