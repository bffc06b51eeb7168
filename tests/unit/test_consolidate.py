"""Consolidation of a day: rows, dedupe, quarantine, determinism, late days, quality checks."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pyarrow as pa
import pytest
from telegram_pipeline import cli, config
from telegram_pipeline.lake import consolidate, layout, quality, schema, storage

from tests.support.paths import FIXTURES
from tests.support.raw_updates import DAY, edit, fill_day, message, put, read_partition, unix

# What each fixture should become, read straight from its JSON by DuckDB: a route to the expected rows
# that shares nothing with the parser under test. Times stay Unix seconds.
FIXTURE_ROWS_SQL = """
WITH raw AS (SELECT parse_filename(filename) AS name, content::JSON AS body FROM read_text($files)),
kinds AS (SELECT name, body, list_filter(json_keys(body), k -> k NOT IN ('update_id', 'x_source'))[1] AS kind FROM raw),
updates AS (
  SELECT name, body, kind, json_extract(body, '$."' || kind || '"') AS p,
    CASE WHEN kind = 'message_reaction' THEN 'user' ELSE 'from' END AS sender
  FROM kinds
)
SELECT
  name,
  CAST(body->>'update_id' AS BIGINT) AS update_id,
  kind AS update_type,
  CAST(p->'chat'->>'id' AS BIGINT) AS chat_id,
  p->'chat'->>'type' AS chat_type,
  -- a private chat is titled with the person's name
  COALESCE(
    p->'chat'->>'title',
    NULLIF(TRIM(COALESCE(p->'chat'->>'first_name', '') || ' ' || COALESCE(p->'chat'->>'last_name', '')), '')
  ) AS chat_title,
  CAST(p->>'message_id' AS BIGINT) AS message_id,
  CAST(p->>'message_thread_id' AS BIGINT) AS message_thread_id,
  -- a forum topic: the thread of a topic message, the General topic (1) for the rest of a forum
  CASE
    WHEN kind NOT IN ('message', 'edited_message', 'channel_post', 'edited_channel_post') THEN NULL
    WHEN CAST(p->>'is_topic_message' AS BOOLEAN) THEN CAST(p->>'message_thread_id' AS BIGINT)
    WHEN CAST(p->'chat'->>'is_forum' AS BOOLEAN) THEN 1
  END AS topic_id,
  CAST(p->>'date' AS BIGINT) AS sent_at,
  CAST(p->>'edit_date' AS BIGINT) AS edited_at,
  CAST(json_extract_string(p, '$."' || sender || '".id') AS BIGINT) AS user_id,
  json_extract_string(p, '$."' || sender || '".first_name') AS user_first_name,
  json_extract_string(p, '$."' || sender || '".username') AS user_username,
  CAST(p->'sender_chat'->>'id' AS BIGINT) AS sender_chat_id,
  COALESCE(p->>'text', p->>'caption') AS text,
  CAST(p->'reply_to_message'->>'message_id' AS BIGINT) AS reply_to_message_id,
  CAST(json_extract(p, '$.new_chat_members[*].id') AS BIGINT[]) AS new_member_ids
FROM updates
ORDER BY name
"""


def test_every_fixture_round_trips_through_parquet(monkeypatch):
    import duckdb

    monkeypatch.setenv("MAX_BAD_SHARE", "0.2")
    files = sorted(str(path) for path in (FIXTURES / "telegram").glob("*.json"))
    relation = duckdb.sql(FIXTURE_ROWS_SQL, params={"files": files})
    fixtures = [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]
    with_chat = [f for f in fixtures if f["chat_id"] is not None]
    days_of = [_event_day(f) for f in with_chat]
    busiest = max(set(days_of), key=days_of.count)
    expected: dict[date, dict[int, dict]] = {}
    placed: dict[date, int] = {}
    for fixture in fixtures:
        # The webhook files an update without a chat (a callback query) by its receive time: any day will do.
        day = _event_day(fixture) if fixture["chat_id"] is not None else busiest
        put(day, fixture["name"], (FIXTURES / "telegram" / fixture["name"]).read_bytes())
        placed[day] = placed.get(day, 0) + 1
        if fixture["chat_id"] is not None:
            expected.setdefault(day, {}).setdefault(fixture["update_id"], fixture)  # the first key wins
    without_chat = len(fixtures) - len(with_chat)
    assert without_chat >= 1 and len(expected) >= 2
    for day, rows in expected.items():
        result = consolidate.consolidate_day(day)
        assert (result.objects, result.rows) == (placed[day], len(rows))
        assert result.quarantined == (without_chat if day == busiest else 0)
        assert result.duplicates == placed[day] - len(rows) - result.quarantined
        got = {row["update_id"]: row for row in read_partition(day).to_pylist()}
        assert sorted(got) == sorted(rows)
        for update_id, fixture in rows.items():
            for column, value in fixture.items():
                if column == "name":
                    continue
                stored = got[update_id][column]
                if isinstance(stored, datetime):
                    stored = int(stored.timestamp())
                assert stored == value, (fixture["name"], column)


def _event_day(fixture: dict) -> date:
    """The day the webhook files an update under (UTC here): its edit time for edits, else its send time."""
    moment = fixture["edited_at"] if fixture["update_type"].startswith("edited_") else fixture["sent_at"]
    return datetime.fromtimestamp(moment, UTC).date()


def test_quarantine_defaults_under_the_raw_zone_and_honours_its_setting(tmp_path, monkeypatch):
    put(DAY, "junk.json", b"junk")
    fill_day(DAY, 40)
    consolidate.consolidate_day(DAY)
    assert storage.raw_store().exists(f"_quarantine/context_date={DAY}/junk.json")
    monkeypatch.setenv("QUARANTINE_URI", str(tmp_path / "q"))
    consolidate.consolidate_day(DAY)
    assert (tmp_path / "q" / f"context_date={DAY}" / "junk.json.reason.json").is_file()


def test_an_object_gone_between_list_and_read_is_quarantined_as_missing(monkeypatch):
    fill_day(DAY, 30)
    real_read = storage.LocalStore.read

    def vanishing(self, key):
        if key.endswith("/7.json"):
            raise storage.ObjectNotFound(key)
        return real_read(self, key)

    monkeypatch.setattr(storage.LocalStore, "read", vanishing)
    result = consolidate.consolidate_day(DAY)
    assert (result.rows, result.quarantined, result.reasons) == (29, 1, {"missing": 1})
    note = json.loads(storage.quarantine_store().read(f"context_date={DAY}/7.json.reason.json"))
    assert note["bytes"] is None


def test_a_storage_failure_fails_the_run_and_leaves_the_previous_partition(monkeypatch):
    fill_day(DAY, 10)
    consolidate.consolidate_day(DAY)
    before = storage.curated_store().read(layout.partition_key(DAY))
    put(DAY, "11.json", message(11, unix(DAY, 20)))
    real_read = storage.LocalStore.read

    def flaky(self, key):
        if key.endswith("/5.json"):
            raise storage.StorageError("S3 get_object: SlowDown")
        return real_read(self, key)

    monkeypatch.setattr(storage.LocalStore, "read", flaky)
    with pytest.raises(storage.StorageError):
        consolidate.consolidate_day(DAY)
    assert storage.curated_store().read(layout.partition_key(DAY)) == before
    assert not list(storage.quarantine_store().list())
    monkeypatch.setattr(storage.LocalStore, "read", real_read)
    assert consolidate.consolidate_day(DAY).rows == 11


def test_partition_day_is_the_event_day_in_timezone(monkeypatch):
    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    late_evening = unix(DAY, 23, 30, "America/Sao_Paulo")  # already the next day in UTC
    assert datetime.fromtimestamp(late_evening, UTC).date() != DAY
    put(DAY, "1.json", message(1, late_evening))
    # An edit today of a message sent two days ago belongs to today (edit_date), not to the send day.
    put(
        DAY,
        "2.json",
        edit(2, unix(date(2026, 1, 8), 10, 0, "America/Sao_Paulo"), unix(DAY, 9, 0, "America/Sao_Paulo"), 77),
    )
    result = consolidate.consolidate_day(DAY)
    assert (result.rows, result.quarantined) == (2, 0)
    assert quality.check_day(DAY, 2)["event_time_outside_day"] == 0


def test_a_misfiled_object_is_quarantined_not_kept(monkeypatch):
    monkeypatch.setenv("MAX_BAD_SHARE", "0.5")
    fill_day(DAY, 3)
    put(DAY, "9.json", message(9, unix(date(2026, 1, 12))))
    result = consolidate.consolidate_day(DAY)
    assert (result.rows, result.reasons) == (3, {"misfiled": 1})
    note = json.loads(storage.quarantine_store().read(f"context_date={DAY}/9.json.reason.json"))
    assert "2026-01-12" in note["reason"]


def test_a_day_runs_from_its_midnight_to_the_next_one_excluded(monkeypatch):
    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    monkeypatch.setenv("MAX_BAD_SHARE", "0.5")
    start, end = unix(DAY, 0, 0, "America/Sao_Paulo"), unix(date(2026, 1, 11), 0, 0, "America/Sao_Paulo")
    put(DAY, "1.json", message(1, start))  # the day's first second
    put(DAY, "2.json", message(2, end - 1))  # its last second
    put(DAY, "3.json", message(3, end))  # the next day's first second: not this day's
    put(DAY, "4.json", message(4, start - 1))  # the day before's last second
    result = consolidate.consolidate_day(DAY)
    assert (result.rows, result.reasons) == (2, {"misfiled": 2})
    assert read_partition(DAY)["update_id"].to_pylist() == [1, 2]
    assert (
        "2026-01-11" in json.loads(storage.quarantine_store().read(f"context_date={DAY}/3.json.reason.json"))["reason"]
    )
    quality.check_day(DAY, 2)


def test_bad_objects_exactly_at_max_bad_share_pass_and_one_more_fails():
    fill_day(DAY, 19)
    put(DAY, "junk0.json", b"junk")  # 1 of 20: exactly the default MAX_BAD_SHARE of 5%
    assert config.load().max_bad_share == 0.05
    result = consolidate.consolidate_day(DAY)
    assert (result.rows, result.quarantined) == (19, 1)
    put(DAY, "junk1.json", b"junk")  # 2 of 21: above it
    with pytest.raises(consolidate.TooManyBadObjects, match=r"2 of 21 raw objects are bad"):
        consolidate.consolidate_day(DAY)


def test_quality_check_fails_with_the_numbers(monkeypatch):
    fill_day(DAY, 4)
    consolidate.consolidate_day(DAY)
    with pytest.raises(quality.QualityCheckFailed, match="4 rows written, 5 distinct good updates read"):
        quality.check_day(DAY, 5)
    # A partition holding a row of another day (written behind consolidation's back) fails the time check.
    rows = read_partition(DAY).to_pylist()
    rows[0]["sent_at"] = datetime(2026, 1, 11, 0, 0, tzinfo=UTC)
    rows[1]["chat_id"] = None
    loose = pa.schema([f.with_nullable(True) for f in schema.arrow_schema()])  # our writer refuses NULL keys
    storage.curated_store().write(
        layout.partition_key(DAY), layout.parquet_bytes(pa.Table.from_pylist(rows, schema=loose))
    )
    with pytest.raises(quality.QualityCheckFailed) as failure:
        quality.check_day(DAY, 4)
    assert "1 rows with null chat id" in str(failure.value)
    assert "1 rows with event time outside day" in str(failure.value)


def test_late_days_rewrite_only_changed_days(monkeypatch):
    monkeypatch.setenv("START_DATE", "2026-01-01")
    for day in (date(2026, 1, 8), date(2026, 1, 9), DAY):
        fill_day(day, 3)
    first = consolidate.consolidate_with_late_days(DAY)
    assert first["dates"] == ["2026-01-08", "2026-01-09", "2026-01-10"]
    again = consolidate.consolidate_with_late_days(DAY)
    assert again["dates"] == ["2026-01-10"]
    assert [r["skipped"] for r in again["results"]] == [True, True, False]
    assert again["results"][0]["rows"] == 3
    # A late update for the 9th lands in the 9th's partition on the next run.
    put(date(2026, 1, 9), "500.json", message(500, unix(date(2026, 1, 9), 23)))
    late = consolidate.consolidate_with_late_days(date(2026, 1, 11))
    assert late["dates"] == ["2026-01-09", "2026-01-11"]
    assert 500 in read_partition(date(2026, 1, 9))["update_id"].to_pylist()


def test_late_days_never_go_before_start_date(monkeypatch):
    monkeypatch.setenv("START_DATE", "2026-01-10")
    fill_day(date(2026, 1, 9), 3)
    assert consolidate.consolidate_with_late_days(DAY)["dates"] == ["2026-01-10"]
    assert not storage.curated_store().exists(layout.partition_key(date(2026, 1, 9)))


def test_pseudonymised_senders(monkeypatch):
    monkeypatch.setenv("PSEUDONYMIZE_KEY", "k")
    fill_day(DAY, 2)
    consolidate.consolidate_day(DAY)
    table = read_partition(DAY)
    assert 1001 not in table["user_id"].to_pylist() and table["user_first_name"].null_count == 2


def test_lone_surrogates_do_not_break_the_day():
    put(
        DAY,
        "1.json",
        b'{"update_id": 1, "message": {"message_id": 1, "date": %d, "chat": {"id": -1}, "text": "a\\ud800b"}}'
        % unix(DAY),
    )
    assert consolidate.consolidate_day(DAY).rows == 1
    assert read_partition(DAY)["text"].to_pylist() == ["a?b"]


def test_cli_consolidates_a_range(capsys):
    fill_day(DAY, 3)
    assert cli.main(["consolidate", "--date", "2026-01-09", "--to", "2026-01-10"]) == 0
    output = capsys.readouterr()
    lines = [json.loads(line) for line in output.out.splitlines()]
    assert [(r["day"], r["rows"]) for r in lines] == [("2026-01-10", 3)]  # a day without updates says nothing
    assert "consolidated 2 days 2026-01-09 .. 2026-01-10: 3 rows in 1 partition, 1 day without updates" in output.err
    for i in range(3):
        put(DAY, f"junk{i}.json", b"x")
    assert cli.main(["consolidate", "--date", "2026-01-10"]) == 1
    assert "MAX_BAD_SHARE" in capsys.readouterr().err


def test_a_large_day_split_across_processes_gives_the_same_file(monkeypatch):
    fill_day(DAY, 60)
    put(DAY, "999-copy-of-1.json", message(1, unix(DAY, 8) + 60))  # sorts last: lands in another slice than 1.json
    put(DAY, "junk.json", b"junk")
    monkeypatch.setenv("MAX_BAD_SHARE", "0.5")
    single = consolidate.consolidate_day(DAY)
    body = storage.curated_store().read(layout.partition_key(DAY))
    monkeypatch.setattr(consolidate, "processes_for", lambda objects: 3)
    split = consolidate.consolidate_day(DAY)
    assert storage.curated_store().read(layout.partition_key(DAY)) == body
    assert (
        (split.rows, split.duplicates, split.quarantined)
        == (single.rows, single.duplicates, single.quarantined)
        == (60, 1, 1)
    )
    assert split.requests_in_flight == 3 * storage.LocalStore.concurrency


def test_one_process_when_the_setting_says_so_or_in_a_daemonic_process(monkeypatch):
    import multiprocessing

    fill_day(DAY, 30)
    monkeypatch.setattr(consolidate, "processes_for", lambda objects: 2)
    split = consolidate.consolidate_day(DAY)
    body = storage.curated_store().read(layout.partition_key(DAY))
    pools = []
    monkeypatch.setattr(consolidate, "ProcessPoolExecutor", lambda *args, **kwargs: pools.append(args))
    monkeypatch.setenv("CONSOLIDATE_PROCESSES", "1")
    alone = consolidate.consolidate_day(DAY)
    assert storage.curated_store().read(layout.partition_key(DAY)) == body
    assert (alone.rows, alone.requests_in_flight, split.requests_in_flight) == (30, 1, 2)
    monkeypatch.setenv("CONSOLIDATE_PROCESSES", "auto")
    # a Celery worker's task runs in a daemonic process, which may not start processes of its own
    monkeypatch.setattr(multiprocessing.current_process(), "_config", {"daemon": True})
    assert consolidate.consolidate_day(DAY).rows == 30
    assert storage.curated_store().read(layout.partition_key(DAY)) == body and not pools
    monkeypatch.setenv("CONSOLIDATE_PROCESSES", "0")
    with pytest.raises(ValueError, match="CONSOLIDATE_PROCESSES: 0 must be 1 or more"):
        config.load()


def test_runs_go_to_whichever_process_is_free_and_give_the_same_file(monkeypatch):
    """The other processes take the runs from the last back, this one from the first on: however many
    each takes (here this one is slow, and takes few), the rows are merged in run order."""
    import time

    fill_day(DAY, 60)
    put(DAY, "999-copy-of-1.json", message(1, unix(DAY, 8) + 60))
    single = consolidate.consolidate_day(DAY)
    body = storage.curated_store().read(layout.partition_key(DAY))
    monkeypatch.setattr(consolidate, "processes_for", lambda objects: 2)
    taken = []
    read_here = consolidate._consolidate_run

    def slow(run, *args):
        taken.append(len(run))
        time.sleep(0.5)
        return read_here(run, *args)

    monkeypatch.setattr(consolidate, "_consolidate_run", slow)
    split = consolidate.consolidate_day(DAY)
    assert storage.curated_store().read(layout.partition_key(DAY)) == body
    assert (split.rows, split.duplicates) == (single.rows, single.duplicates) == (60, 1)
    assert 1 <= len(taken) < 2 * consolidate.RUNS_PER_PROCESS  # the other process read the rest


def test_the_cyclic_garbage_collector_is_back_on_after_a_day_even_a_failed_one(monkeypatch):
    import gc

    fill_day(DAY, 5)
    consolidate.consolidate_day(DAY)
    assert gc.isenabled()

    def broken(self, keys, concurrency=None):
        yield "context_date=2026-01-10/1.json", storage.StorageError("throttled")

    monkeypatch.setattr(storage.LocalStore, "read_many", broken)
    with pytest.raises(storage.StorageError):
        consolidate.consolidate_day(DAY)
    assert gc.isenabled()


def test_slices_in_update_id_order_are_joined_as_they_are_and_overlapping_ones_merged():
    def slice_of(*ids):
        return pa.table({"update_id": pa.array(ids, pa.int64()), "slice": pa.array([len(ids)] * len(ids), pa.int64())})

    joined, dropped = consolidate.merge_slices([slice_of(1, 2), slice_of(), slice_of(5, 7, 9)])
    assert (joined["update_id"].to_pylist(), dropped) == ([1, 2, 5, 7, 9], 0)
    merged, dropped = consolidate.merge_slices([slice_of(1, 5), slice_of(2, 5, 6)])
    assert (merged["update_id"].to_pylist(), dropped) == ([1, 2, 5, 6], 1)
    assert merged["slice"].to_pylist() == [2, 3, 2, 3]  # update 5: the earlier slice's row


def test_a_day_listed_in_update_id_order_splits_into_the_same_file(monkeypatch):
    for i in range(1, 61):
        put(DAY, f"{900_000 + i}.json", message(900_000 + i, unix(DAY, 8) + i * 60))
    single = consolidate.consolidate_day(DAY)
    body = storage.curated_store().read(layout.partition_key(DAY))
    monkeypatch.setattr(consolidate, "processes_for", lambda objects: 3)
    split = consolidate.consolidate_day(DAY)
    assert storage.curated_store().read(layout.partition_key(DAY)) == body
    assert (split.rows, split.duplicates) == (single.rows, single.duplicates) == (60, 0)


def test_rows_turned_into_columns_in_batches_give_the_same_file(monkeypatch):
    fill_day(DAY, 60)  # keys 1.json, 10.json, 11.json, …: batches out of update_id order
    put(DAY, "999-copy-of-1.json", message(1, unix(DAY, 8) + 60))
    whole = consolidate.consolidate_day(DAY)
    body = storage.curated_store().read(layout.partition_key(DAY))
    monkeypatch.setattr(consolidate, "BATCH_ROWS", 7)
    batched = consolidate.consolidate_day(DAY)
    assert storage.curated_store().read(layout.partition_key(DAY)) == body
    assert (batched.rows, batched.duplicates) == (whole.rows, whole.duplicates) == (60, 1)
    assert read_partition(DAY)["update_id"].to_pylist() == list(range(1, 61))
