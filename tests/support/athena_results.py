"""Athena's SQL checked on DuckDB (transpiled back, the same rows as the DuckDB engine's), and Athena's
answers as its API gives them, for the tests that stand moto's Athena in for the real one."""

from __future__ import annotations

import functools
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
            as_duckdb = as_duckdb_sql(sql.rendered_athena_sql(report, rng, markers=markers))
            got = duck.con.execute(as_duckdb).to_arrow_table().cast(definitions.output_schemas()[report])
            assert got.to_pylist() == expected[report].to_pylist(), report
            assert (got.num_rows > 0) == (report not in empty), report
    finally:
        duck.close()


@functools.cache
def as_duckdb_sql(athena_text: str) -> str:
    """Athena's text as DuckDB runs it: sqlglot's transpiling, and Trino's lists unnested side by side
    (``CROSS JOIN UNNEST(a, b) AS unnested(x, y)``, which DuckDB has not) as DuckDB's select-list UNNESTs,
    what reports/sql.py wrote them from. Where Trino's lists behave otherwise than DuckDB's, as Trino's:
    ``SEQUENCE(1, 0)`` is ``[1, 0]`` (DuckDB's series is empty), and a subscript out of a list's bounds
    fails the query (DuckDB's gives NULL)."""
    from sqlglot import exp

    def as_trino_lists(node):
        if isinstance(node, exp.GenerateSeries) and node.args.get("step") is None:
            start, end = node.args["start"], node.args["end"]
            upwards = exp.If(this=exp.LTE(this=start.copy(), expression=end.copy()), true=exp.Literal.number(1))
            node.set("step", exp.Case(ifs=[upwards], default=exp.Literal.number(-1)))
            return node
        if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
            array, index = node.this, node.expressions[0]
            within = exp.Between(this=index.copy(), low=exp.Literal.number(1), high=exp.ArraySize(this=array.copy()))
            fails = exp.Anonymous(this="error", expressions=[exp.Literal.string("Array subscript out of bounds")])
            return exp.Case(ifs=[exp.If(this=within, true=node.copy())], default=fails)
        return node

    def select_list_unnests(node):
        if not isinstance(node, exp.Select):
            return node
        joins = [
            j for j in node.args.get("joins") or [] if isinstance(j.this, exp.Unnest) and j.this.alias == sql.UNNESTED
        ]
        if not joins:
            return node
        (join,) = joins
        arrays = dict(zip((c.name for c in join.this.args["alias"].columns), join.this.expressions, strict=True))
        for projection in node.selects:
            column = projection.this if isinstance(projection, exp.Alias) else projection
            if isinstance(column, exp.Column) and column.table == sql.UNNESTED:
                column.replace(exp.Explode(this=arrays[column.name].copy()))
        join.pop()
        return node

    parsed = sqlglot.parse_one(athena_text, read="trino")
    return parsed.transform(as_trino_lists).transform(select_list_unnests).sql(dialect="duckdb")


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
