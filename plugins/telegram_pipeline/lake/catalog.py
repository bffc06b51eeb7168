"""The catalog of the curated ``messages`` table: Glue (for Athena) or a local DuckDB file.

Everything here comes from ``schema.COLUMNS``: the Glue table, the Athena DDL in ``include/sql/generated/athena/ddl/``
and the DuckDB views. ``register_days(days)`` is what the DAG calls after a day is written:

- Glue (``CATALOG=glue``, or ``auto`` with an s3:// CURATED_URI): the database and the table are
  created when missing and updated when the schema gained columns; each day's partition is created,
  or updated when it exists, so reruns never error. With ``PARTITION_PROJECTION=true`` the table
  carries projection properties instead and no partition is registered.
- DuckDB (the local default): the database file ``CATALOG_DB_PATH`` gets a ``messages`` view over the
  curated Parquet files (hive partitioning, columns matched by name, so older partitions without a
  newer column read it as NULL) and a ``messages_latest`` view (the latest version of each message).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.lake import layout, schema, storage

LATEST_SQL = "messages_latest.sql"
# Generated files live apart, under include/sql/generated/ (see .gitattributes).
DDL_FOLDER = "generated/athena/ddl"
DDL_FILES = {
    f"{DDL_FOLDER}/messages_partitions.sql": {"projection": False},
    f"{DDL_FOLDER}/messages_projection.sql": {"projection": True},
}
LATEST_VIEW_DDL = f"{DDL_FOLDER}/messages_latest_view.sql"
# The DDL files in include/sql are generated with this location: replace it with your bucket.
DDL_FILE_LOCATION = "s3://your-lake-bucket/curated/messages/"
# Telegram's launch: no update is older, so projection never needs to look earlier.
PROJECTION_FIRST_DAY = "2013-08-14"

PARQUET_FORMAT = {
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
}


def table_location(settings: config.Settings) -> str:
    return f"{settings.curated_uri.rstrip('/')}/{schema.TABLE_NAME}/"


def partition_location(settings: config.Settings, day: date) -> str:
    return f"{table_location(settings)}{schema.PARTITION_COLUMN}={day.isoformat()}/"


def projection_properties(location: str) -> dict[str, str]:
    column = schema.PARTITION_COLUMN
    return {
        "projection.enabled": "true",
        f"projection.{column}.type": "date",
        f"projection.{column}.format": "yyyy-MM-dd",
        # NOW+1DAYS: in a TIMEZONE ahead of UTC, today's partition is already tomorrow in UTC.
        f"projection.{column}.range": f"{PROJECTION_FIRST_DAY},NOW+1DAYS",
        f"projection.{column}.interval": "1",
        f"projection.{column}.interval.unit": "DAYS",
        "storage.location.template": f"{location}{column}=${{{column}}}/",
    }


def table_properties(location: str, projection: bool) -> dict[str, str]:
    properties = {"classification": "parquet", "parquet.compression": "ZSTD", "EXTERNAL": "TRUE"}
    if projection:
        properties.update(projection_properties(location))
    return properties


# --- Athena DDL ---------------------------------------------------------------------------------


def _hive_string(text: str) -> str:
    # Athena's DDL is Hive's: a quote inside a string literal is escaped with a backslash.
    return text.replace("\\", "\\\\").replace("'", "\\'")


def athena_ddl(location: str | None = None, projection: bool = False, database: str | None = None) -> str:
    """CREATE EXTERNAL TABLE for Athena, generated from the schema (registered partitions, or projection)."""
    settings = config.load()
    if not location:
        local = storage.curated_store(settings).local_root() is not None
        location = DDL_FILE_LOCATION if local else table_location(settings)
    location = location.rstrip("/") + "/"
    database = database or settings.glue_database
    width = max(len(c.name) for c in schema.COLUMNS) + 2
    columns = ",\n".join(
        f"  {'`' + c.name + '`':<{width}} {c.type} COMMENT '{_hive_string(c.comment)}'" for c in schema.COLUMNS
    )
    properties = ",\n".join(
        f"  '{k}' = '{v}'" for k, v in table_properties(location, projection).items() if k != "EXTERNAL"
    )
    how = (
        "Partition projection: Athena computes each day's location; no partition is ever registered."
        if projection
        else "Registered partitions: the consolidation DAG registers each day (or run ALTER TABLE ... ADD PARTITION)."
    )
    return (
        f"-- Generated from plugins/telegram_pipeline/lake/schema.py by `python -m telegram_pipeline catalog --write-ddl`.\n"
        f"-- {how}\n"
        f"CREATE EXTERNAL TABLE IF NOT EXISTS `{database}`.`{schema.TABLE_NAME}` (\n{columns}\n)\n"
        f"PARTITIONED BY (`{schema.PARTITION_COLUMN}` string)\n"
        f"STORED AS PARQUET\n"
        f"LOCATION '{location}'\n"
        f"TBLPROPERTIES (\n{properties}\n);\n"
    )


def latest_view_ddl(database: str | None = None) -> str:
    database = database or config.load().glue_database
    select = config.read_sql(LATEST_SQL).strip().rstrip(";")
    return (
        "-- Generated by `python -m telegram_pipeline catalog --write-ddl`: the view over include/sql/messages_latest.sql.\n"
        f"CREATE OR REPLACE VIEW `{database}`.`messages_latest` AS\n{select}\n"
    )


def generated_ddl_files() -> dict[str, str]:
    """include/sql path -> text, as ``--write-ddl`` writes them (default database, placeholder bucket)."""
    database = config.SETTINGS["GLUE_DATABASE"][0]
    files = {name: athena_ddl(DDL_FILE_LOCATION, database=database, **options) for name, options in DDL_FILES.items()}
    files[LATEST_VIEW_DDL] = latest_view_ddl(database)
    return files


def write_ddl_files() -> list[Path]:
    written = []
    for name, text in generated_ddl_files().items():
        path = config.sql_dir() / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


# --- Glue ---------------------------------------------------------------------------------------


def glue_table_input(settings: config.Settings) -> dict[str, Any]:
    location = table_location(settings)
    return {
        "Name": schema.TABLE_NAME,
        "Description": "Telegram updates, one row per update_id; generated from telegram_pipeline/schema.py",
        "TableType": "EXTERNAL_TABLE",
        "Parameters": table_properties(location, settings.partition_projection),
        "PartitionKeys": [{"Name": schema.PARTITION_COLUMN, "Type": "string", "Comment": "event day in TIMEZONE"}],
        "StorageDescriptor": {
            "Columns": [{"Name": c.name, "Type": c.type, "Comment": c.comment} for c in schema.COLUMNS],
            "Location": location,
            **PARQUET_FORMAT,
        },
    }


def _same_table(existing: dict[str, Any], wanted: dict[str, Any]) -> bool:
    descriptor = existing.get("StorageDescriptor", {})
    return (
        [(c["Name"], c["Type"]) for c in descriptor.get("Columns", [])]
        == [(c["Name"], c["Type"]) for c in wanted["StorageDescriptor"]["Columns"]]
        and descriptor.get("Location") == wanted["StorageDescriptor"]["Location"]
        and existing.get("Parameters", {}) == wanted["Parameters"]
        and [k["Name"] for k in existing.get("PartitionKeys", [])] == [schema.PARTITION_COLUMN]
    )


def ensure_glue_table(settings: config.Settings | None = None) -> str:
    """Create the database and table when missing, update the table when the schema changed.
    Returns what it did: created, updated or unchanged."""
    from telegram_pipeline.lake import aws

    settings = settings or config.load()
    glue = aws.client("glue", settings)
    try:
        glue.create_database(DatabaseInput={"Name": settings.glue_database, "Description": "Telegram group analytics"})
    except glue.exceptions.AlreadyExistsException:
        pass
    wanted = glue_table_input(settings)
    try:
        existing = glue.get_table(DatabaseName=settings.glue_database, Name=schema.TABLE_NAME)["Table"]
    except glue.exceptions.EntityNotFoundException:
        try:
            glue.create_table(DatabaseName=settings.glue_database, TableInput=wanted)
            return "created"
        except glue.exceptions.AlreadyExistsException:  # another run created it meanwhile
            existing = glue.get_table(DatabaseName=settings.glue_database, Name=schema.TABLE_NAME)["Table"]
    if _same_table(existing, wanted):
        return "unchanged"
    glue.update_table(DatabaseName=settings.glue_database, TableInput=wanted)
    return "updated"


def register_glue_partitions(days: list[date], settings: config.Settings | None = None) -> dict[str, int]:
    """Create the partition of each day that has one, or update it where it exists (reruns do not
    error); remove it for a day that has none (no updates, or emptied): Athena then reads nothing there."""
    from telegram_pipeline.lake import aws

    settings = settings or config.load()
    glue = aws.client("glue", settings)
    descriptor = glue_table_input(settings)["StorageDescriptor"]
    stored = set(storage.curated_store(settings).existing([layout.partition_key(day) for day in days]))
    with_data = [day for day in days if layout.partition_key(day) in stored]
    counts = {"created": 0, "updated": 0, "removed": 0}
    for first in range(0, len(with_data), 100):  # batch_create_partition takes up to 100
        inputs = {
            day.isoformat(): {
                "Values": [day.isoformat()],
                "StorageDescriptor": {**descriptor, "Location": partition_location(settings, day)},
            }
            for day in with_data[first : first + 100]
        }
        response = glue.batch_create_partition(
            DatabaseName=settings.glue_database, TableName=schema.TABLE_NAME, PartitionInputList=list(inputs.values())
        )
        existing = []
        for error in response.get("Errors", []):
            if error["ErrorDetail"]["ErrorCode"] != "AlreadyExistsException":
                raise RuntimeError(f"Glue refused partition {error['PartitionValues']}: {error['ErrorDetail']}")
            existing.append(error["PartitionValues"][0])
        counts["created"] += len(inputs) - len(existing)
        for value in existing:
            glue.update_partition(
                DatabaseName=settings.glue_database,
                TableName=schema.TABLE_NAME,
                PartitionValueList=[value],
                PartitionInput=inputs[value],
            )
            counts["updated"] += 1
    without = [day for day in days if layout.partition_key(day) not in stored]
    for first in range(0, len(without), 25):  # batch_delete_partition takes up to 25
        batch = [{"Values": [day.isoformat()]} for day in without[first : first + 25]]
        response = glue.batch_delete_partition(
            DatabaseName=settings.glue_database, TableName=schema.TABLE_NAME, PartitionsToDelete=batch
        )
        missing = [e for e in response.get("Errors", []) if e["ErrorDetail"]["ErrorCode"] == "EntityNotFoundException"]
        if len(missing) < len(response.get("Errors", [])):
            raise RuntimeError(f"Glue refused to remove partitions: {response['Errors'][:3]}")
        counts["removed"] += len(batch) - len(missing)
    return counts


# --- DuckDB -------------------------------------------------------------------------------------


def _empty_messages_select() -> str:
    columns = [f"CAST(NULL AS {schema.DUCKDB_TYPES[c.type]}) AS {c.name}" for c in schema.COLUMNS]
    columns.append(f"CAST(NULL AS VARCHAR) AS {schema.PARTITION_COLUMN}")
    return f"SELECT {', '.join(columns)} WHERE false"


def refresh_duckdb_catalog(settings: config.Settings | None = None) -> str:
    """(Re)create the ``messages`` and ``messages_latest`` views in the DuckDB catalog file."""
    import duckdb

    settings = settings or config.load()
    curated = storage.curated_store(settings).local_root()
    if curated is None:
        raise ValueError(
            "CATALOG=duckdb keeps a local catalog over a local CURATED_URI; with an s3:// CURATED_URI use CATALOG=glue"
        )
    table_dir = curated / schema.TABLE_NAME
    db_path = Path(settings.catalog_db_path).expanduser().resolve()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    if any(table_dir.glob("*/*.parquet")):
        pattern = str(table_dir / "*" / "*.parquet").replace("'", "''")
        source = (
            f"SELECT * FROM read_parquet('{pattern}', hive_partitioning = true, union_by_name = true, "
            f"hive_types = {{'{schema.PARTITION_COLUMN}': VARCHAR}})"
        )
    else:
        source = _empty_messages_select()
    with duckdb.connect(str(db_path)) as connection:
        connection.execute(f"CREATE OR REPLACE VIEW {schema.TABLE_NAME} AS {source}")
        connection.execute(f"CREATE OR REPLACE VIEW messages_latest AS {config.read_sql(LATEST_SQL)}")
    return str(db_path)


def kind(settings: config.Settings) -> str:
    """``CATALOG``, or with ``auto``: Glue for a lake in S3, a local DuckDB file for a local lake."""
    if settings.catalog != "auto":
        return settings.catalog
    return "duckdb" if storage.curated_store(settings).local_root() is not None else "glue"


# --- the step the DAG runs ----------------------------------------------------------------------


def register_days(days: list[date], settings: config.Settings | None = None) -> dict[str, Any]:
    """Make the catalog see ``days`` (after they were written). Idempotent."""
    settings = settings or config.load()
    if kind(settings) == "glue":
        table = ensure_glue_table(settings)
        if settings.partition_projection:
            return {"catalog": "glue", "table": table, "projection": True, "partitions": {}}
        return {
            "catalog": "glue",
            "table": table,
            "projection": False,
            "partitions": register_glue_partitions(days, settings),
            **days_summary(days),
        }
    return {"catalog": "duckdb", "database": refresh_duckdb_catalog(settings), **days_summary(days)}


def days_summary(days: list[date]) -> dict[str, Any]:
    """The days registered, as a count and a range (a backfill's thousand dates are no use to read)."""
    if not days:
        return {"days": 0}
    return {"days": len(days), "first": min(days).isoformat(), "last": max(days).isoformat()}
