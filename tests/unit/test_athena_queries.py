"""Athena's idempotency token: what it names (tests/integration/test_athena_queries.py submits queries
and waits on them through the stand-in)."""

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
