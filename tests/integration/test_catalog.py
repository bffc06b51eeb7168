"""The catalog: Athena DDL generated from the schema, Glue (on moto) idempotent, DuckDB views."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from telegram_pipeline import cli
from telegram_pipeline.lake import aws, catalog, consolidate, layout, schema, storage

from tests.support.raw_updates import edit, fill_day, put, unix

DAY = date(2026, 1, 10)


def test_duckdb_catalog_sees_each_new_day_and_the_latest_versions(local_lake):
    db_path = local_lake / "curated" / "catalog.duckdb"
    catalog.register_days([])  # before any partition: views exist, with the columns, and no rows
    with duckdb.connect(str(db_path), read_only=True) as db:
        assert db.sql("select count(*) from messages").fetchone() == (0,)
        assert [c[0] for c in db.sql("describe messages").fetchall()] == [*schema.COLUMN_NAMES, "context_date"]
    fill_day(DAY, 3)
    put(DAY, "90.json", edit(90, unix(DAY, 8) + 60, unix(DAY, 9), message_id=1))  # edits message 1
    consolidate.consolidate_day(DAY)
    result = catalog.register_days([DAY])
    assert result == {
        "catalog": "duckdb",
        "database": str(db_path),
        "days": 1,
        "first": "2026-01-10",
        "last": "2026-01-10",
    }
    with duckdb.connect(str(db_path), read_only=True) as db:
        assert db.sql("select context_date, count(*) from messages group by 1").fetchall() == [("2026-01-10", 4)]
        latest = dict(db.sql("select message_id, text from messages_latest order by 1").fetchall())
        assert latest == {1: "editado", 2: "olá #corrida", 3: "olá #corrida"}


def test_duckdb_reads_old_partitions_without_a_new_column(local_lake, monkeypatch):
    fill_day(date(2026, 1, 9), 2)
    consolidate.consolidate_day(date(2026, 1, 9))
    grown = (*schema.COLUMNS, schema.Column("is_topic_message", "boolean", "test-only new column"))
    monkeypatch.setattr(schema, "COLUMNS", grown)
    monkeypatch.setattr(schema, "COLUMN_NAMES", tuple(c.name for c in grown))
    monkeypatch.setattr(consolidate.parse, "flatten", _with_topic_flag(consolidate.parse.flatten))
    fill_day(DAY, 2)
    consolidate.consolidate_day(DAY)
    catalog.register_days([DAY])
    with duckdb.connect(str(local_lake / "curated" / "catalog.duckdb"), read_only=True) as db:
        rows = db.sql("select context_date, is_topic_message from messages order by 1").fetchall()
    assert rows == [("2026-01-09", None), ("2026-01-09", None), ("2026-01-10", False), ("2026-01-10", False)]


def _with_topic_flag(flatten):
    def flatten_with_flag(update):
        return {**flatten(update), "is_topic_message": False}

    return flatten_with_flag


@pytest.fixture
def glue_lake(s3_lake, monkeypatch):
    database = f"db_{s3_lake['bucket'].replace('-', '_')}"
    monkeypatch.setenv("GLUE_DATABASE", database)
    return {**s3_lake, "database": database}


def partitions(database: str) -> dict[str, str]:
    found = aws.client("glue").get_partitions(DatabaseName=database, TableName="messages")["Partitions"]
    return {p["Values"][0]: p["StorageDescriptor"]["Location"] for p in found}


def written(*days: date) -> None:
    """A partition for each day (what the Glue registration looks for; its content does not matter)."""
    curated = storage.curated_store()
    for day in days:
        curated.write(layout.partition_key(day), b"PAR1")


def test_glue_table_and_partitions_are_idempotent(glue_lake):
    days = [date(2026, 1, 8), date(2026, 1, 9)]
    written(*days, DAY)
    first = catalog.register_days(days)
    assert first == {
        "catalog": "glue",
        "table": "created",
        "projection": False,
        "partitions": {"created": 2, "updated": 0, "removed": 0},
        "days": 2,
        "first": "2026-01-08",
        "last": "2026-01-09",
    }
    again = catalog.register_days([*days, DAY])
    assert again["table"] == "unchanged" and again["partitions"] == {"created": 1, "updated": 2, "removed": 0}
    curated = glue_lake["CURATED_URI"]
    assert partitions(glue_lake["database"]) == {
        d.isoformat(): f"{curated}/messages/context_date={d.isoformat()}/" for d in [*days, DAY]
    }
    table = aws.client("glue").get_table(DatabaseName=glue_lake["database"], Name="messages")["Table"]
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == list(schema.COLUMN_NAMES)
    assert table["PartitionKeys"][0]["Name"] == "context_date"
    assert table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"].endswith("ParquetHiveSerDe")


def test_glue_registers_no_partition_for_a_day_without_one(glue_lake):
    """A day without updates has no partition: none is registered, and one registered before (an older
    empty partition, a day emptied on purpose) is removed; a range of 60 such days is no error."""
    written(DAY)
    quiet = [date(2025, 11, 1 + n) for n in range(30)] + [date(2025, 12, 1 + n) for n in range(30)]
    assert catalog.register_days([*quiet, DAY])["partitions"] == {"created": 1, "updated": 0, "removed": 0}
    assert list(partitions(glue_lake["database"])) == [DAY.isoformat()]
    storage.curated_store().delete([layout.partition_key(DAY)])
    assert catalog.register_days([DAY])["partitions"] == {"created": 0, "updated": 0, "removed": 1}
    assert partitions(glue_lake["database"]) == {}


def test_glue_table_gains_new_columns(glue_lake, monkeypatch):
    written(DAY)
    catalog.register_days([DAY])
    grown = (*schema.COLUMNS, schema.Column("is_topic_message", "boolean", "new"))
    monkeypatch.setattr(schema, "COLUMNS", grown)
    assert catalog.ensure_glue_table() == "updated"
    table = aws.client("glue").get_table(DatabaseName=glue_lake["database"], Name="messages")["Table"]
    assert table["StorageDescriptor"]["Columns"][-1]["Name"] == "is_topic_message"
    assert catalog.ensure_glue_table() == "unchanged"
    assert list(partitions(glue_lake["database"])) == [DAY.isoformat()]


def test_glue_partition_projection_registers_no_partitions(glue_lake, monkeypatch):
    monkeypatch.setenv("PARTITION_PROJECTION", "true")
    result = catalog.register_days([DAY])
    assert result["projection"] is True and partitions(glue_lake["database"]) == {}
    table = aws.client("glue").get_table(DatabaseName=glue_lake["database"], Name="messages")["Table"]
    assert table["Parameters"]["projection.enabled"] == "true"
    assert table["Parameters"]["storage.location.template"] == (
        f"{glue_lake['CURATED_URI']}/messages/context_date=${{context_date}}/"
    )


def test_catalog_cli_registers_a_range_and_prints_a_summary(glue_lake, capsys):
    written(date(2026, 1, 8), DAY)
    assert cli.main(["catalog", "--date", "2025-01-01", "--to", "2026-01-10"]) == 0
    assert sorted(partitions(glue_lake["database"])) == ["2026-01-08", "2026-01-10"]
    out = capsys.readouterr().out
    assert '"created": 2' in out and '"days": 375' in out and '"first": "2025-01-01"' in out
    assert "2025-06-01" not in out  # not every date
