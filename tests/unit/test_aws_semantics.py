"""AWS's semantics where moto has none, through the stand-in of tests/support/aws_standin.py acting as the
project's deployed roles (their policies rendered from the CloudFormation templates): S3 answers a read of a missing key with 404 only to a role that may
list its prefix, else 403. Each lookup of a key that may not exist yet, under both answers:

- consolidation's first run of a day reads a manifest not written yet (``unchanged_since_last_run``);
- the reports look up curated partitions not written yet (``duckdb_engine.curated_files``);
- the webhook looks up migration markers, which mostly do not exist.

A 404 is "not there" and the work goes on; a 403 is a denial that fails loudly, naming the missing
permission (never "not there": that would skip the manifest's promise, drop report days, or drop a
migrated group's updates). Then the raw zone's own checks on S3, and the one retry rule.
"""

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
