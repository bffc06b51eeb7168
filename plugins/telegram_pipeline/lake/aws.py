"""AWS clients made one way, so every one of them honours AWS_ENDPOINT_URL (MinIO, moto) and the region."""

from __future__ import annotations

import functools
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.rules import settings as rules


@functools.lru_cache(maxsize=32)
def _client(service: str, endpoint_url: str | None, region: str, max_pool_connections: int) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        config=Config(max_pool_connections=max_pool_connections, retries=rules.aws_retries(rules.TASK_MAX_ATTEMPTS)),
    )


def client(service: str, settings: config.Settings | None = None, max_pool_connections: int = 64) -> Any:
    settings = settings or config.load()
    return _client(service, settings.aws_endpoint_url, settings.aws_region, max_pool_connections)


def arrow_s3_filesystem(settings: config.Settings | None = None):
    """pyarrow's S3 filesystem; it ignores AWS_ENDPOINT_URL, so the endpoint is passed explicitly."""
    from pyarrow import fs

    settings = settings or config.load()
    kwargs: dict[str, Any] = {"region": settings.aws_region}
    endpoint = settings.aws_endpoint_url
    if endpoint:
        scheme, _, host = endpoint.partition("://")
        kwargs.update(endpoint_override=host or scheme, scheme=scheme if host else "https")
    return fs.S3FileSystem(**kwargs)
