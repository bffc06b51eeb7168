"""The one retry rule of every AWS client (tests/integration/test_aws_semantics.py: AWS's semantics
through the stand-in, as the deployed roles)."""

from __future__ import annotations

import handler
from telegram_pipeline import config
from telegram_pipeline.lake import aws

# -- the one retry rule ----------------------------------------------------------------------------


def test_every_aws_client_retries_as_the_one_rule_says(monkeypatch, tmp_path):
    """Five attempts for the pipeline's clients (a task can wait), three for the webhook's (it answers
    Telegram meanwhile), botocore's standard mode, AWS_MAX_ATTEMPTS overriding both."""
    from telegram_pipeline.reports import athena_engine

    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    standard = {"mode": "standard", "total_max_attempts": 5}
    for service in ("s3", "glue", "athena"):
        assert aws.client(service).meta.config.retries == standard, service
    assert athena_engine.athena_hook(config.load()).conn.meta.config.retries == standard
    handler.reset_caches()
    for service in ("s3", "ssm", "secretsmanager"):
        assert handler._aws_client(service, None).meta.config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert handler._aws_client("s3", None).meta.config.read_timeout == 10
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "7")
    handler.reset_caches()
    assert aws.client("s3").meta.config.retries["total_max_attempts"] == 7
    assert handler._aws_client("s3", None).meta.config.retries["total_max_attempts"] == 7
