"""Athena's SQL checked on DuckDB (transpiled back, the same rows as the DuckDB engine's), and Athena's
answers as its API gives them, for the tests that stand moto's Athena in for the real one."""

from __future__ import annotations

from datetime import date

import sqlglot
from telegram_pipeline import config
from telegram_pipeline.lake import migrations, storage
from telegram_pipeline.reports import build as reports
from telegram_pipeline.reports import definitions, duckdb_engine, sql


def assert_athena_text_gives_the_duckdb_results(rng: definitions.ReportRange, empty: tuple[str, ...] = ()) -> None:
    """Each report's Athena text, transpiled back to DuckDB, gives row for row what the DuckDB engine gives."""
    settings = config.load()
    expected = reports.build(rng, settings)
    markers = migrations.markers(storage.raw_store(settings))
    duck = duckdb_engine.DuckDBReports(settings, rng.scan_last)
    # Athena's text computes the history state from every partition (its stages history_state, migration_state)
    duckdb_engine.register_messages(duck.con, rng.scan_last, settings)
    try:
        for report in definitions.REPORTS:
            athena_text = sql.rendered_athena_sql(report, rng, markers=markers)
            as_duckdb = sqlglot.transpile(athena_text, read="trino", write="duckdb")[0]
            got = duck.con.execute(as_duckdb).to_arrow_table().cast(definitions.output_schemas()[report])
            assert got.to_pylist() == expected[report].to_pylist(), report
            assert (got.num_rows > 0) == (report not in empty), report
    finally:
        duck.close()


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
