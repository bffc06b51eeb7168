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

import json
from datetime import date, timedelta

import handler
import pyarrow.parquet as pq
import pytest
from botocore.exceptions import ClientError
from telegram_pipeline import config
from telegram_pipeline.lake import aws, consolidate, layout, storage
from telegram_pipeline.reports import build as reports
from telegram_pipeline.reports import definitions, duckdb_engine

from tests.support import webhook_events as webhook
from tests.support.aws_standin import without_list_grant
from tests.support.curated_scenario import write_scenario
from tests.support.raw_updates import fill_day

DAY = date(2026, 3, 11)
ANSWERS = ["404", "403"]  # the role may list the key's prefix / may not


def act_as(iam_lake, role: str, answer: str) -> dict:
    policy = iam_lake["policy"](role)
    policy = policy if answer == "404" else without_list_grant(policy)
    iam_lake["proxy"].act_as(policy)
    return policy


# -- the stand-in decides as IAM and S3 do ------------------------------------------------------


def test_the_stand_in_answers_a_missing_key_as_s3_does(iam_lake):
    s3, bucket, proxy = aws.client("s3"), iam_lake["raw_bucket"], iam_lake["proxy"]
    s3.put_object(Bucket=bucket, Key="raw/_migrations/-1001.json", Body=b"{}")
    s3.put_object(Bucket=bucket, Key="raw/context_date=2026-03-11/1.json", Body=b"{}")
    proxy.act_as(iam_lake["policy"]("webhook"))

    def status(call, **kwargs) -> tuple[int, str]:
        try:
            call(Bucket=bucket, **kwargs)
        except ClientError as exc:
            return exc.response["ResponseMetadata"]["HTTPStatusCode"], exc.response["Error"]["Code"]
        return 200, ""

    assert status(s3.head_object, Key="raw/_migrations/-1001.json") == (200, "")
    assert status(s3.head_object, Key="raw/_migrations/-1002.json") == (404, "404")
    assert status(s3.get_object, Key="raw/_migrations/-1002.json") == (404, "NoSuchKey")
    assert status(s3.get_object, Key="raw/context_date=2026-03-11/1.json") == (200, "")  # there: moto's answer
    assert status(s3.get_object, Key="raw/context_date=2026-03-11/2.json") == (403, "AccessDenied")
    assert status(s3.head_object, Key="raw/context_date=2026-03-11/2.json") == (403, "403")
    assert status(s3.list_objects_v2, Prefix="raw/") == (403, "AccessDenied")
    assert status(s3.list_objects_v2, Prefix="raw/_migrations/") == (200, "")
    assert status(s3.head_object, Key="raw/_migrations/x.json") == (404, "404")
    proxy.act_as(None)
    assert status(s3.get_object, Key="raw/context_date=2026-03-11/2.json") == (404, "NoSuchKey")  # moto alone


def test_the_storage_layer_never_reads_a_403_as_not_found(iam_lake):
    store = storage.curated_store(config.load())
    act_as(iam_lake, "mwaa", "404")
    with pytest.raises(storage.ObjectNotFound):
        store.read("_manifests/nothing.json")
    assert not store.exists("_manifests/nothing.json") and store.fingerprint("_manifests/nothing.json") is None
    act_as(iam_lake, "mwaa", "403")
    for call in (store.read, store.exists, store.fingerprint):
        with pytest.raises(storage.AccessDenied, match=r"s3:GetObject on the key, and s3:ListBucket"):
            call("_manifests/nothing.json")
    with pytest.raises(storage.AccessDenied, match=r"list_objects_v2 on s3://.*/curated/.*s3:ListBucket"):
        list(store.list("messages"))


# -- 1. consolidation: the manifest of a day's first run ----------------------------------------


@pytest.mark.parametrize("answer", ANSWERS)
def test_the_first_run_of_a_day_reads_a_manifest_not_written_yet(iam_lake, answer):
    for day in (DAY - timedelta(days=1), DAY):
        fill_day(day, 5)
    settings = config.load()
    act_as(iam_lake, "mwaa", answer)
    yesterday = DAY - timedelta(days=1)
    if answer == "404":
        assert consolidate.unchanged_since_last_run(yesterday, settings) is None  # no manifest: consolidate it
        done = consolidate.consolidate_with_late_days(DAY, settings)
        assert done["dates"] == [str(yesterday), str(DAY)]  # the day before it: nothing then, nothing now
        assert [(r["rows"], r["skipped"]) for r in done["results"]] == [(0, True), (5, False), (5, False)]
        assert consolidate.unchanged_since_last_run(yesterday, settings).rows == 5  # now it is there
        return
    with pytest.raises(storage.AccessDenied) as denied:
        consolidate.unchanged_since_last_run(yesterday, settings)
    message = str(denied.value)
    assert f"curated/_manifests/messages/context_date={yesterday}.json" in message
    assert "s3:ListBucket" in message and "403, not 404" in message
    with pytest.raises(storage.AccessDenied):
        consolidate.consolidate_with_late_days(DAY, settings)
    iam_lake["proxy"].act_as(None)
    assert list(storage.curated_store(settings).list()) == []  # the task failed before writing anything


# -- 2. reports: partitions not written yet -----------------------------------------------------


@pytest.mark.parametrize("answer", ANSWERS)
def test_the_reports_look_up_partitions_not_written_yet(iam_lake, answer, monkeypatch):
    write_scenario(monkeypatch)  # a few days of curated partitions around 2026-03-10
    settings = config.load()
    store = storage.curated_store(settings)
    written = list(store.list("messages"))
    first, last = date(2026, 3, 1), date(2026, 3, 20)
    assert 0 < len(written) < len(layout.days_between(first, last))
    act_as(iam_lake, "mwaa", answer)
    if answer == "404":
        _, root, found = duckdb_engine.curated_files(store, last)  # every partition up to last, listed
        assert [path.removeprefix(f"{root}/") for path in found] == written
        rng = definitions.ReportRange.from_settings(date(2026, 3, 2), date(2026, 3, 12), settings)
        volume = reports.build(rng, settings, engine="duckdb")["daily_volume"]
        assert volume.num_rows == 11 and sum(volume.column("messages").to_pylist()) > 0
        return
    with pytest.raises(storage.AccessDenied, match=r"s3:ListBucket"):
        duckdb_engine.curated_files(store, last)
    with pytest.raises(storage.AccessDenied, match=r"s3:ListBucket"):
        reports.build_day_windows(date(2026, 3, 12), settings)


# -- 3. the webhook: migration markers ------------------------------------------------------------


@pytest.mark.parametrize("answer", ANSWERS)
def test_the_webhook_looks_up_migration_markers(iam_lake, answer, monkeypatch, capsys):
    migrated = -1009999999999
    aws.client("s3").put_object(Bucket=iam_lake["raw_bucket"], Key=f"raw/_migrations/{migrated}.json", Body=b"{}")
    monkeypatch.setenv("WEBHOOK_SECRET", webhook.SECRET)
    monkeypatch.setenv("ALLOWED_CHAT_IDS", str(webhook.CHAT_ID))
    handler.reset_caches()
    act_as(iam_lake, "webhook", answer)

    def post(update_id: int, chat_id: int) -> int:
        body = json.dumps(webhook.update(update_id, chat_id=chat_id)).encode()
        return handler.lambda_handler(webhook.event(body), None)["statusCode"]

    assert post(900000001, migrated) == 200  # its marker is there: stored under either answer
    other = post(900000002, -1001111111111)  # a chat with no marker
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    iam_lake["proxy"].act_as(None)
    stored = [key for key in storage.raw_store(config.load()).list() if key.startswith("context_date=")]
    assert stored == ["context_date=2025-11-23/900000001.json"]
    if answer == "404":
        assert (other, lines[-1]["outcome"]) == (200, "ignored_other_chat")
    else:
        assert (other, lines[-1]["outcome"]) == (503, "storage_error")  # Telegram retries; nothing dropped
        assert "raw/_migrations/-1001111111111.json: 403" in lines[-1]["error"]
        assert "s3:ListBucket" in lines[-1]["error"]


# -- the raw zone on S3: missing, unreadable, listed empty ----------------------------------------


def test_a_raw_bucket_that_does_not_exist_fails_the_day(iam_lake, monkeypatch):
    fill_day(DAY, 87)
    consolidate.consolidate_day(DAY)
    before = storage.curated_store().read(layout.partition_key(DAY))
    monkeypatch.setenv("RAW_URI", "s3://no-such-bucket-here/raw")
    with pytest.raises(consolidate.RawZoneUnusable, match=r"s3://no-such-bucket-here/raw does not exist"):
        consolidate.consolidate_with_late_days(DAY)
    assert storage.curated_store().read(layout.partition_key(DAY)) == before


def test_a_raw_zone_the_role_may_not_list_fails_the_day(iam_lake):
    fill_day(DAY, 87)
    consolidate.consolidate_day(DAY)
    iam_lake["proxy"].act_as(without_list_grant(iam_lake["policy"]("mwaa")))
    with pytest.raises(storage.AccessDenied, match=r"list_objects_v2 on s3://.*/raw/.*s3:ListBucket"):
        consolidate.consolidate_day(DAY)
    iam_lake["proxy"].act_as(None)
    assert pq.read_metadata(storage.curated_store().url(layout.partition_key(DAY))).num_rows == 87


@pytest.mark.parametrize("client", ["boto3", "pyarrow", "webhook"])
def test_a_throttled_s3_is_retried_until_it_answers(s3_lake, aws_standin, monkeypatch, client):
    """S3 answers 503 SlowDown twice: every client the code makes tries again and gets the object."""
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    handler.reset_caches()
    key = "raw/_migrations/-1001.json"
    aws.client("s3").put_object(Bucket=s3_lake["bucket"], Key=key, Body=b"{}")
    throttled = {"left": 2}

    def slow_down(method, path):
        if method in {"GET", "HEAD"} and "_migrations" in path and throttled["left"]:
            throttled["left"] -= 1
            return "slowdown"
        return None

    aws_standin.rule = slow_down
    if client == "boto3":
        assert storage.raw_store().read("_migrations/-1001.json") == b"{}"
    elif client == "pyarrow":
        filesystem, root = storage.raw_store().arrow_filesystem()
        with filesystem.open_input_file(f"{root}/_migrations/-1001.json") as handle:
            assert handle.read() == b"{}"
    else:
        assert handler.open_raw_store(s3_lake["RAW_URI"], aws_standin.url).exists("_migrations/-1001.json")
    assert throttled["left"] == 0
    reads = [action for method, path, action in aws_standin.seen if method != "PUT" and "_migrations" in path]
    assert reads[:3] == [
        "slowdown",
        "slowdown",
        "None",
    ]
