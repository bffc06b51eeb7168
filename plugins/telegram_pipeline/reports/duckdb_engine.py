"""The DuckDB engine: the curated partitions of a span scanned on the worker, every report of any range
inside the span built from one connection."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.lake import layout, schema, storage
from telegram_pipeline.reports import stopwords
from telegram_pipeline.reports.definitions import COUNTED_MESSAGES, REPORTS, ReportRange, output_schemas
from telegram_pipeline.reports.sql import source_sql


def curated_files(first: date, last: date, store: storage.Store) -> tuple[Any, str, list[str]]:
    """(pyarrow filesystem, root, the Parquet files of the partitions first..last that exist). The
    storage layer says which exist: a day not written yet is absent, a denial (S3's 403) an error."""
    filesystem, root = store.arrow_filesystem()
    keys = [layout.partition_key(day) for day in layout.days_between(first, last)]
    return filesystem, root, [f"{root}/{key}" for key in store.existing(keys)]


def messages_dataset(first: date, last: date, settings: config.Settings):
    """The curated partitions first..last that exist, as one pyarrow dataset with ``context_date``.
    Columns missing from older files read as NULL (the schema is given, not inferred)."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    filesystem, root, found = curated_files(first, last, storage.curated_store(settings))
    partitioning = pa.schema([(schema.PARTITION_COLUMN, pa.string())])
    full_schema = pa.unify_schemas([schema.arrow_schema(), partitioning])
    if not found:
        return ds.dataset(full_schema.empty_table())
    return ds.dataset(
        found,
        filesystem=filesystem,
        format="parquet",
        schema=full_schema,
        partitioning=ds.partitioning(partitioning, flavor="hive"),
        partition_base_dir=f"{root}/{schema.TABLE_NAME}",
    )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def register_messages(con, first: date, last: date, settings: config.Settings) -> None:
    """``messages`` in DuckDB over the curated partitions first..last: local files through DuckDB's own
    Parquet reader (leaner and faster), S3 through pyarrow's filesystem (no extension to download)."""
    store = storage.curated_store(settings)
    found = curated_files(first, last, store)[2] if store.local_root() is not None else []
    if not found:
        con.register("messages", messages_dataset(first, last, settings))
        return
    files = "[" + ", ".join(_quote(path) for path in found) + "]"
    source = f"read_parquet({files}, hive_partitioning = true, union_by_name = true, hive_types = {{'context_date': VARCHAR}})"
    present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    columns = [
        c.name if c.name in present else f"CAST(NULL AS {schema.DUCKDB_TYPES[c.type]}) AS {c.name}"
        for c in schema.COLUMNS
    ]
    con.execute(f"CREATE OR REPLACE TEMP VIEW messages AS SELECT {', '.join(columns)}, context_date FROM {source}")


def _words_table(column: str, words: Iterable[str]):
    import pyarrow as pa

    return pa.table({column: pa.array(sorted(set(words)), pa.string())})


class DuckDBReports:
    """One DuckDB connection over a span of curated partitions; builds the reports of any range in it."""

    def __init__(self, first: date, last: date, settings: config.Settings, threads: int | None = None) -> None:
        import duckdb

        self.settings = settings
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        register_messages(self.con, first, last, settings)
        self.con.register("stopwords", _words_table("word", stopwords.ALL))

    def _execute(self, sql: str, params: Mapping[str, Any]):

        used = set(re.findall(r"\$(\w+)", re.sub(r"--[^\n]*", "", sql)))
        return self.con.execute(sql, {k: v for k, v in params.items() if k in used})

    def build(self, rng: ReportRange) -> dict[str, Any]:
        params = rng.params()
        self.con.register("tracked_keywords", _words_table("keyword", rng.tracked_keywords))
        self._execute(f"CREATE OR REPLACE TEMP TABLE {COUNTED_MESSAGES} AS {source_sql(COUNTED_MESSAGES)}", params)
        schemas = output_schemas()
        tables = {}
        for report in REPORTS:
            table = self._execute(source_sql(report), params).fetch_arrow_table()
            tables[report] = table.cast(schemas[report])
        self.con.execute(f"DROP TABLE {COUNTED_MESSAGES}")
        return tables

    def close(self) -> None:
        self.con.close()
