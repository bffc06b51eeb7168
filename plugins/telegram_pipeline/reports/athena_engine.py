"""The Athena engine: each report one query through the Amazon provider's ``AthenaHook``, its text
generated from the DuckDB SQL (``reports.sql``), its string results typed back with the report's schema."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.reports.definitions import REPORTS, ReportRange, output_schemas
from telegram_pipeline.reports.sql import rendered_athena_sql

log = logging.getLogger(__name__)

ATHENA_POLL_SECONDS = 2
ATHENA_MAX_POLLS = 900  # 30 minutes


def run_athena_query(sql: str, settings: config.Settings, hook=None) -> tuple[str, list[list[str | None]]]:
    """Submit one query, wait for it, return (query id, rows as strings without the header row)."""
    if hook is None:
        from airflow.providers.amazon.aws.hooks.athena import AthenaHook

        hook = AthenaHook(aws_conn_id=None, region_name=settings.aws_region, log_query=False)
    result_configuration = {"OutputLocation": settings.athena_output_uri} if settings.athena_output_uri else {}
    query_id = hook.run_query(
        sql,
        query_context={"Database": settings.glue_database},
        result_configuration=result_configuration,
        workgroup=settings.athena_workgroup,
    )
    state = hook.poll_query_status(query_id, max_polling_attempts=ATHENA_MAX_POLLS, sleep_time=ATHENA_POLL_SECONDS)
    if state != "SUCCEEDED":
        reason = hook.get_state_change_reason(query_id)
        raise RuntimeError(f"Athena query {query_id} ended {state}: {reason}")
    rows: list[list[str | None]] = []
    paginator = hook.get_conn().get_paginator("get_query_results")
    for page_number, page in enumerate(paginator.paginate(QueryExecutionId=query_id)):
        page_rows = page["ResultSet"]["Rows"]
        if page_number == 0:
            page_rows = page_rows[1:]  # a SELECT's first row holds the column names
        rows.extend([cell.get("VarCharValue") for cell in row["Data"]] for row in page_rows)
    return query_id, rows


def _typed_table(rows: list[list[str | None]], arrow_schema):
    import pyarrow as pa

    def convert(value: str | None, type_):
        if value is None or value == "":
            return None
        if pa.types.is_integer(type_):
            return int(value)
        if pa.types.is_floating(type_):
            return float(value)
        if pa.types.is_boolean(type_):
            return value.lower() == "true"
        if pa.types.is_date(type_):
            return date.fromisoformat(value[:10])
        return value

    columns = {f.name: pa.array([convert(row[i], f.type) for row in rows], f.type) for i, f in enumerate(arrow_schema)}
    return pa.table(columns, schema=arrow_schema)


def build_athena(rng: ReportRange, settings: config.Settings, hook=None) -> dict[str, Any]:
    schemas = output_schemas()
    tables = {}
    for report in REPORTS:
        query_id, rows = run_athena_query(rendered_athena_sql(report, rng), settings, hook=hook)
        log.info("Athena %s: query %s, %d rows", report, query_id, len(rows))
        tables[report] = _typed_table(rows, schemas[report])
    return tables
