"""The catalog: Athena DDL generated from the schema, Glue (on moto) idempotent, DuckDB views."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlglot
from telegram_pipeline import cli, config
from telegram_pipeline.lake import catalog, schema

DAY = date(2026, 1, 10)


def test_ddl_files_are_what_the_schema_generates():
    generated = catalog.generated_ddl_files()
    for name, text in generated.items():
        path = config.sql_dir() / name
        assert path.is_file(), f"{path} missing: run python -m telegram_pipeline catalog --write-ddl"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path} is stale: run python -m telegram_pipeline catalog --write-ddl"
        )


@pytest.mark.parametrize("projection", [False, True])
def test_athena_ddl_has_every_column_and_parses_as_trino(projection):
    ddl = catalog.athena_ddl("s3://b/curated/messages", projection=projection)
    for column in schema.COLUMNS:
        assert f"`{column.name}`" in ddl and column.type in ddl
    assert "PARTITIONED BY (`context_date` string)" in ddl and "LOCATION 's3://b/curated/messages/'" in ddl
    assert ("'projection.enabled' = 'true'" in ddl) is projection
    assert ("storage.location.template' = 's3://b/curated/messages/context_date=${context_date}/'" in ddl) is projection
    # A syntax check of Athena's (Hive) DDL as sqlglot reads it; Athena itself cannot run here.
    sqlglot.parse_one(ddl.split("\n", 2)[2], read="athena", error_level=sqlglot.ErrorLevel.RAISE)


def test_ddl_subcommand_prints_the_table(capsys, monkeypatch):
    monkeypatch.setenv("CURATED_URI", "s3://lake/curated")
    assert cli.main(["ddl", "--projection"]) == 0
    out = capsys.readouterr().out
    assert "LOCATION 's3://lake/curated/messages/'" in out and "projection.enabled" in out


def not_trino(text: str) -> list[str]:
    """What of ``text`` Trino (Athena's engine) would not run, as far as sqlglot can tell without Trino:
    a parse error raises; a function sqlglot does not know in Trino (parsed as "anonymous", e.g. DuckDB's
    list_filter), or one it knows under another Trino name (DuckDB's ARG_MAX is Trino's MAX_BY), or a
    ``::`` cast is listed. Not checked: a known function's arguments (DuckDB's regexp flags) and types."""
    tree = sqlglot.parse_one(text, read="trino", error_level=sqlglot.ErrorLevel.RAISE)
    found = [f"{call.name}() unknown in Trino" for call in tree.find_all(sqlglot.exp.Anonymous)]
    regenerated = tree.sql(dialect="trino", unsupported_level=sqlglot.ErrorLevel.RAISE)

    def calls(sql_text: str) -> set[str]:
        return {name.upper() for name in re.findall(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(", sql_text)}

    found += [f"{name}() is not Trino's name" for name in sorted(calls(text) - calls(regenerated))]
    return found + (["a :: cast"] if "::" in re.sub(r"--.*", "", text) else [])


@pytest.mark.parametrize(
    "duckdb_only",
    [
        "SELECT list_filter(x, y -> y > 1) FROM t",
        "SELECT arg_max(a, b) FROM t",
        "SELECT isodow(ts) FROM t",
        "SELECT strftime(ts, '%Y') FROM t",
        "SELECT a::int FROM t",
        "SELECT x FROM t QUALIFY row_number() OVER () = 1",
    ],
)
def test_the_trino_check_refuses_duckdb_only_sql(duckdb_only):
    try:
        problems = not_trino(duckdb_only)
    except sqlglot.errors.ParseError as exc:  # refused by the Trino grammar itself
        problems = [str(exc)]
    assert problems, duckdb_only


def test_latest_view_sql_runs_on_trino_as_far_as_sqlglot_can_tell():
    assert not_trino(config.read_sql(catalog.LATEST_SQL)) == []


def test_duckdb_catalog_refuses_an_s3_curated_zone(monkeypatch):
    monkeypatch.setenv("CURATED_URI", "s3://bucket/curated")
    monkeypatch.setenv("CATALOG", "duckdb")
    with pytest.raises(ValueError, match="CATALOG=glue"):
        catalog.register_days([DAY])


def test_the_docs_list_every_column_of_the_messages_table():
    page = (config.REPO_ROOT / "docs" / "consolidation.md").read_text(encoding="utf-8")
    section = page.split("## The `messages` table", 1)[1].split("\n## ", 1)[0]
    for column in schema.COLUMNS:
        assert f"| `{column.name}` | `{column.type}` |" in section, column.name
