"""Consolidation of a day: rows, dedupe, quarantine, determinism, late days, quality checks."""

from __future__ import annotations

import json
from datetime import timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from telegram_pipeline import config
from telegram_pipeline.lake import consolidate, layout, quality, schema, storage
from telegram_pipeline.rules import raw_zone

from tests.support.raw_updates import DAY, fill_day, message, put, read_partition, unix


def test_a_day_becomes_one_sorted_parquet_file(lake):
    fill_day(DAY, 30)
    result = consolidate.consolidate_day(DAY)
    assert (result.objects, result.rows, result.duplicates, result.quarantined) == (30, 30, 0, 0)
    curated = storage.curated_store()
    assert list(curated.list("messages")) == [f"messages/context_date={DAY}/data.parquet"]
    table = read_partition(DAY)
    assert table.schema == schema.arrow_schema()
    assert table["update_id"].to_pylist() == list(range(1, 31))
    assert (
        pq.ParquetFile(pa.BufferReader(curated.read(layout.partition_key(DAY))))
        .metadata.row_group(0)
        .column(0)
        .compression
        == "ZSTD"
    )
    assert table["hashtags"].to_pylist()[0] == ["#corrida"]
    assert quality.check_day(DAY, result.rows)["rows"] == 30


def test_rerun_gives_a_byte_identical_file_and_nothing_extra(lake):
    fill_day(DAY, 25)
    put(DAY, "bad.json", b"{oops")
    first = consolidate.consolidate_day(DAY, config.load())
    body = storage.curated_store().read(layout.partition_key(DAY))
    quarantine = sorted(storage.quarantine_store().list())
    curated_keys = sorted(storage.curated_store().list())
    second = consolidate.consolidate_day(DAY)
    assert storage.curated_store().read(layout.partition_key(DAY)) == body
    assert first.parquet_sha256 == second.parquet_sha256
    assert sorted(storage.quarantine_store().list()) == quarantine
    assert sorted(storage.curated_store().list()) == curated_keys


def test_a_redelivered_update_is_counted_once(lake):
    fill_day(DAY, 5)
    put(DAY, "3-redelivered.json", message(3, unix(DAY, 8) + 180))
    result = consolidate.consolidate_day(DAY)
    assert (result.objects, result.rows, result.duplicates) == (6, 5, 1)
    assert read_partition(DAY)["update_id"].to_pylist() == [1, 2, 3, 4, 5]
    quality.check_day(DAY, result.rows)


def test_bad_objects_are_quarantined_with_their_reason(lake, monkeypatch):
    monkeypatch.setenv("MAX_BAD_SHARE", "0.5")
    fill_day(DAY, 10)
    bad = {"junk.json": b"not json at all", "cut.json": message(99, unix(DAY))[:40], "list.json": b"[1,2]"}
    for name, data in bad.items():
        put(DAY, name, data)
    result = consolidate.consolidate_day(DAY)
    assert (result.rows, result.quarantined) == (10, 3)
    assert result.reasons == {"not JSON": 1, "cut short": 1, "not an update": 1}
    quarantine = storage.quarantine_store()
    for name, data in bad.items():
        assert quarantine.read(f"context_date={DAY}/{name}") == data
        note = json.loads(quarantine.read(f"context_date={DAY}/{name}.reason.json"))
        assert note["raw_key"] == f"context_date={DAY}/{name}" and note["reason"]
    # Fixed at the source: the next run clears it from quarantine (the folder mirrors the current run).
    put(DAY, "junk.json", message(50, unix(DAY)))
    assert consolidate.consolidate_day(DAY).quarantined == 2
    assert not quarantine.exists(f"context_date={DAY}/junk.json")


def test_too_many_bad_objects_fail_loudly_and_leave_the_partition(lake):
    fill_day(DAY, 10)
    consolidate.consolidate_day(DAY)
    before = storage.curated_store().read(layout.partition_key(DAY))
    for i in range(3):
        put(DAY, f"junk{i}.json", b"garbage")
    with pytest.raises(
        consolidate.TooManyBadObjects, match=r"3 of 13 raw objects are bad \(23\.1% > MAX_BAD_SHARE 5\.0%\)"
    ):
        consolidate.consolidate_day(DAY)
    assert storage.curated_store().read(layout.partition_key(DAY)) == before
    assert len(list(storage.quarantine_store().list(f"context_date={DAY}"))) == 6  # quarantined all the same


def test_a_day_without_updates_writes_nothing(lake):
    """No partition and no manifest for a day whose raw folder holds nothing; the zero-row file an
    earlier version wrote for it is removed; its quality check passes; it is unchanged next time."""
    fill_day(DAY - timedelta(days=1), 3)  # the raw zone is there; this day has nothing
    curated = storage.curated_store()
    curated.write(layout.partition_key(DAY), layout.parquet_bytes(schema.arrow_schema().empty_table()))
    result = consolidate.consolidate_day(DAY)
    assert (result.objects, result.rows, result.parquet_bytes) == (0, 0, 0)
    assert not curated.exists(layout.partition_key(DAY)) and not curated.exists(layout.manifest_key(DAY))
    assert list(curated.list(layout.partition_prefix(DAY))) == []
    quality.check_day(DAY, 0)
    assert consolidate.unchanged_since_last_run(DAY, config.load()).skipped


def test_a_raw_zone_moved_away_never_empties_a_day(lake, monkeypatch):
    """RAW_URI with a typo: locally a folder that is not there, on S3 a prefix with nothing under it.
    Rerunning a day with 87 rows fails loudly either way, and its partition stays as it was."""
    fill_day(DAY, 87)
    consolidate.consolidate_day(DAY)
    before = storage.curated_store().read(layout.partition_key(DAY))
    monkeypatch.setenv("RAW_URI", lake["RAW_URI"] + "-typo")
    expected = "does not exist" if lake["backend"] == "local" else "lists no objects, but its curated partition has 87"
    with pytest.raises(consolidate.RawZoneUnusable, match=expected):
        consolidate.consolidate_with_late_days(DAY)
    assert storage.curated_store().read(layout.partition_key(DAY)) == before


def test_a_day_listed_empty_keeps_its_rows_unless_emptying_is_allowed(lake, monkeypatch):
    fill_day(DAY - timedelta(days=1), 2)
    fill_day(DAY, 87)
    consolidate.consolidate_day(DAY)
    raw = storage.raw_store()
    raw.delete(raw.list(raw_zone.day_folder(DAY)))
    with pytest.raises(consolidate.RawZoneUnusable, match=r"has 87 rows.*ALLOW_EMPTYING_DAYS=true"):
        consolidate.consolidate_day(DAY)
    assert read_partition(DAY).num_rows == 87
    monkeypatch.setenv("ALLOW_EMPTYING_DAYS", "true")
    assert consolidate.consolidate_day(DAY).rows == 0
    assert not storage.curated_store().exists(layout.partition_key(DAY))  # emptied: no partition, zero rows
    assert not storage.curated_store().exists(layout.manifest_key(DAY))
