"""The Athena engine: each report one query through the Amazon provider's ``AthenaHook``, its text
generated from the DuckDB SQL (``reports.sql``), its string results typed back with the report's schema.

Every query is submitted with an idempotency token (Athena's ``ClientRequestToken``) derived from what
decides its result: the query text, where it runs (workgroup, database, results location) and the
curated partitions it reads (their fingerprints, S3's ETags). A retry submits the same tokens and
Athena answers with the executions it already has, running nothing again; a rerun on unchanged
partitions gets the earlier results the same way; a partition rewritten since (late data) changes the
token of every query that reads it, and only those run again. A failed execution keeps answering its
token, so the next submission of that query chains a token of its own from the failed execution's id.

Submitting and waiting are apart, so that the DAG waits deferred (``orchestration.athena_queries``)
without holding a worker slot; ``build_athena`` does all three in one call for the CLI.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.lake import aws, layout, migrations, storage
from telegram_pipeline.reports.definitions import REPORTS, WINDOWS, ReportRange, output_schemas
from telegram_pipeline.reports.sql import rendered_athena_sql

log = logging.getLogger(__name__)

ATHENA_POLL_SECONDS = 2
MAX_WAIT = timedelta(minutes=30)
# Failed executions walked past in one submission before giving up: each task try starts at most one
# new execution of a query, so this is far beyond the DAG's retries.
MAX_FAILED_IN_A_ROW = 20
SUCCEEDED = "SUCCEEDED"
FAILED = ("FAILED", "CANCELLED")
TOKEN_PREFIX = "telegram-reports-"  # + 64 hex digits: 81 characters, within Athena's 32-128


class AthenaQueryFailed(RuntimeError):
    pass


def athena_hook(settings: config.Settings):
    """The provider's hook, with the pipeline's region and retry rule."""
    from airflow.providers.amazon.aws.hooks.athena import AthenaHook
    from botocore.config import Config

    hook = AthenaHook(
        aws_conn_id=None, region_name=settings.aws_region, log_query=False, config=Config(retries=aws.retries())
    )
    return hook


# -- what a query reads, and its token ------------------------------------------------------------


def partition_fingerprints(last: date, settings: config.Settings) -> dict[date, str]:
    """{day: the fingerprint of its curated partition} for every partition up to ``last``: the reports
    read them all (a group's migration, a member's first message and a username are looked for in the
    whole history), so any of them rewritten changes what a query gives."""
    store = storage.curated_store(settings)
    found = store.fingerprints(layout.partition_keys(store, last))
    return {layout.partition_day(key): fingerprint for key, fingerprint in found.items() if fingerprint is not None}


def inputs_of(rng: ReportRange, fingerprints: Mapping[date, str]) -> str:
    """The partitions a range's queries read, every one up to its scan's last day, as one line (day=fingerprint)."""
    return ",".join(f"{day}={fingerprint}" for day, fingerprint in sorted(fingerprints.items()) if day <= rng.scan_last)


def request_token(sql: str, inputs: str, settings: config.Settings, after: str = "") -> str:
    """Athena's ClientRequestToken for ``sql`` over ``inputs``; ``after``: the id of a failed execution
    that answered the previous token of this query."""
    digest = hashlib.sha256()
    for part in (settings.athena_workgroup, settings.glue_database, settings.athena_output_uri, inputs, sql, after):
        digest.update(part.encode() + b"\0")
    return TOKEN_PREFIX + digest.hexdigest()


# -- submit, wait, fetch --------------------------------------------------------------------------


def submit(sql: str, inputs: str, settings: config.Settings, hook) -> str:
    """Start ``sql`` (or find the execution its token already has) and return the execution id."""
    after = ""
    for _ in range(MAX_FAILED_IN_A_ROW):
        query_id = hook.run_query(
            sql,
            query_context={"Database": settings.glue_database},
            result_configuration={"OutputLocation": settings.athena_output_uri} if settings.athena_output_uri else {},
            client_request_token=request_token(sql, inputs, settings, after),
            workgroup=settings.athena_workgroup,
        )
        if hook.check_query_status(query_id) not in FAILED:
            return query_id
        log.info(
            "Athena query %s had failed (%s): submitting it anew", query_id, hook.get_state_change_reason(query_id)
        )
        after = query_id
    raise AthenaQueryFailed(f"Athena query failed {MAX_FAILED_IN_A_ROW} times in a row; the last was {after}")


def submit_range(
    rng: ReportRange,
    settings: config.Settings,
    hook,
    fingerprints: Mapping[date, str] | None = None,
    markers: list[tuple[int, int]] | None = None,
) -> dict[str, str]:
    """{report: execution id} of the range's reports; ``markers``: the webhook's migration markers
    (read from the raw zone when not given), part of each query's text."""
    if fingerprints is None:
        fingerprints = partition_fingerprints(rng.scan_last, settings)
    if markers is None:
        markers = migrations.markers(storage.raw_store(settings))
    inputs = inputs_of(rng, fingerprints)
    return {
        report: submit(rendered_athena_sql(report, rng, markers=markers), inputs, settings, hook) for report in REPORTS
    }


def submit_day_windows(day: date, settings: config.Settings | None = None, hook=None) -> dict[str, Any]:
    """The DAG's submission: {"day", "windows": {window: {report: execution id}}} for the 1-, 7- and
    30-day windows ending on ``day`` (a query per report and window), the partitions' fingerprints and
    the migration markers read once."""
    settings = settings or config.load()
    hook = hook or athena_hook(settings)
    ranges = {w: ReportRange.from_settings(day - timedelta(days=n - 1), day, settings) for w, n in WINDOWS.items()}
    fingerprints = partition_fingerprints(max(r.scan_last for r in ranges.values()), settings)
    markers = migrations.markers(storage.raw_store(settings))
    windows = {window: submit_range(rng, settings, hook, fingerprints, markers) for window, rng in ranges.items()}
    log.info("Athena queries of %s: %s", day, windows)
    return {"day": day.isoformat(), "windows": windows}


def states(query_ids: Iterable[str], hook) -> dict[str, str | None]:
    return {query_id: hook.check_query_status(query_id) for query_id in query_ids}


def raise_for_failures(found: Mapping[str, str | None], hook) -> None:
    failed = {query_id: state for query_id, state in found.items() if state in FAILED}
    if failed:
        reasons = "; ".join(f"{q} {s}: {hook.get_state_change_reason(q)}" for q, s in failed.items())
        raise AthenaQueryFailed(f"Athena queries failed: {reasons} (a retry submits them anew)")


def wait(query_ids: Iterable[str], hook, max_wait: timedelta = MAX_WAIT) -> None:
    """Block until every query succeeded (the CLI's way; the DAG waits deferred)."""
    deadline = time.monotonic() + max_wait.total_seconds()
    pending = list(query_ids)
    while pending:
        found = states(pending, hook)
        raise_for_failures(found, hook)
        pending = [query_id for query_id, state in found.items() if state != SUCCEEDED]
        if pending and time.monotonic() > deadline:
            raise AthenaQueryFailed(f"Athena queries still running after {max_wait}: {pending}")
        if pending:
            time.sleep(ATHENA_POLL_SECONDS)


def fetch_rows(query_id: str, hook) -> list[list[str | None]]:
    """A succeeded query's rows as strings, without the header row."""
    rows: list[list[str | None]] = []
    paginator = hook.get_conn().get_paginator("get_query_results")
    for page_number, page in enumerate(paginator.paginate(QueryExecutionId=query_id)):
        page_rows = page["ResultSet"]["Rows"]
        if page_number == 0:
            page_rows = page_rows[1:]  # a SELECT's first row holds the column names
        rows.extend([cell.get("VarCharValue") for cell in row["Data"]] for row in page_rows)
    return rows


def fetch_tables(queries: Mapping[str, str], settings: config.Settings | None = None, hook=None) -> dict[str, Any]:
    """{report: pyarrow Table} from the succeeded executions {report: execution id}."""
    hook = hook or athena_hook(settings or config.load())
    schemas = output_schemas()
    tables = {}
    for report in REPORTS:
        rows = fetch_rows(queries[report], hook)
        log.info("Athena %s: query %s, %d rows", report, queries[report], len(rows))
        tables[report] = _typed_table(rows, schemas[report])
    return tables


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
        if pa.types.is_timestamp(type_):
            # Athena writes "2026-03-09 13:00:00.000" (UTC), or the same with " UTC" after it
            return datetime.fromisoformat(value.removesuffix(" UTC")).replace(tzinfo=UTC)
        return value

    columns = {f.name: pa.array([convert(row[i], f.type) for row in rows], f.type) for i, f in enumerate(arrow_schema)}
    return pa.table(columns, schema=arrow_schema)


def build_athena(rng: ReportRange, settings: config.Settings, hook=None) -> dict[str, Any]:
    """Every report table of ``rng``, for every group: submitted, waited on, fetched."""
    hook = hook or athena_hook(settings)
    queries = submit_range(rng, settings, hook)
    wait(queries.values(), hook)
    return fetch_tables(queries, settings, hook)
