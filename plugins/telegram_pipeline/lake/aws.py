"""AWS clients made one way, so every one of them honours AWS_ENDPOINT_URL (MinIO, moto), the region and
the one retry rule (``rules.settings.aws_retries``: botocore's standard mode, TASK_MAX_ATTEMPTS attempts,
AWS_MAX_ATTEMPTS overriding): boto3 clients, pyarrow's S3 filesystem and the Amazon provider's hooks."""

from __future__ import annotations

import functools
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.rules import settings as rules


def retries() -> dict:
    """The retry configuration of the pipeline's clients, as botocore takes it."""
    return rules.aws_retries(rules.TASK_MAX_ATTEMPTS)


@functools.lru_cache(maxsize=32)
def _client(service: str, endpoint_url: str | None, region: str, max_pool_connections: int, retry: tuple) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        config=Config(max_pool_connections=max_pool_connections, retries=dict(retry)),
    )


def client(service: str, settings: config.Settings | None = None, max_pool_connections: int = 64) -> Any:
    settings = settings or config.load()
    retry = tuple(sorted(retries().items()))  # part of the cache key: AWS_MAX_ATTEMPTS may change
    return _client(service, settings.aws_endpoint_url, settings.aws_region, max_pool_connections, retry)


def arrow_s3_filesystem(settings: config.Settings | None = None):
    """pyarrow's S3 filesystem; it ignores AWS_ENDPOINT_URL, so the endpoint is passed explicitly."""
    from pyarrow import fs

    settings = settings or config.load()
    kwargs: dict[str, Any] = {
        "region": settings.aws_region,
        "retry_strategy": fs.AwsStandardS3RetryStrategy(max_attempts=retries()["total_max_attempts"]),
    }
    endpoint = settings.aws_endpoint_url
    if endpoint:
        scheme, _, host = endpoint.partition("://")
        kwargs.update(endpoint_override=host or scheme, scheme=scheme if host else "https")
    return fs.S3FileSystem(**kwargs)
