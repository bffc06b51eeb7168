"""Athena as Airflow does it: idempotency tokens and a deferred wait. moto runs Athena's API but never
SQL and ignores ClientRequestToken, so these run against the stand-in of tests/support/aws_standin.py, which
answers a repeated token as Athena does (the same execution, nothing started) and can make a query
fail; moto's state manager keeps queries RUNNING for a few polls. What the SQL computes is proved on
DuckDB (tests/unit/test_report_sql_athena.py); here: what is submitted, how often, and how it is waited on."""

from __future__ import annotations

from telegram_pipeline import config
from telegram_pipeline.reports import athena_engine

# -- the token --------------------------------------------------------------------------------------


def test_the_token_names_the_query_where_it_runs_and_what_it_reads(monkeypatch):
    settings = config.load()
    token = athena_engine.request_token("SELECT 1", "2026-03-10=abc", settings)
    assert token == athena_engine.request_token("SELECT 1", "2026-03-10=abc", settings)
    assert 32 <= len(token) <= 128 and token.isascii()  # Athena's bounds for ClientRequestToken
    others = {
        athena_engine.request_token("SELECT 2", "2026-03-10=abc", settings),
        athena_engine.request_token("SELECT 1", "2026-03-10=abd", settings),
        athena_engine.request_token("SELECT 1", "2026-03-10=abc", settings, after="failed-execution-id"),
    }
    for name, value in (("ATHENA_WORKGROUP", "other"), ("GLUE_DATABASE", "db2"), ("ATHENA_OUTPUT_URI", "s3://x/")):
        with monkeypatch.context() as patch:
            patch.setenv(name, value)
            others.add(athena_engine.request_token("SELECT 1", "2026-03-10=abc", config.load()))
    assert token not in others and len(others) == 6
