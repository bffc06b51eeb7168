"""Pseudonymisation (PSEUDONYMIZE_KEY): keyed, stable, typed pseudonyms and no names in the
curated table; the raw zone untouched."""

from __future__ import annotations

import pyarrow as pa
import pytest
from telegram_pipeline.lake import layout, privacy, schema
from telegram_pipeline.reports import definitions
from telegram_pipeline.rules import raw_zone


def _table(rows: list[dict]) -> pa.Table:
    full = [{name: row.get(name) for name in schema.COLUMN_NAMES} for row in rows]
    return pa.Table.from_pylist(full, schema=schema.arrow_schema())


ROWS = [
    {
        "update_id": 1,
        "update_type": "message",
        "source": "webhook",
        "chat_id": -100123,
        "user_id": 111,
        "user_first_name": "Ana",
        "user_last_name": "Souza",
        "user_username": "ana_s",
        "text": "oi",
    },
    {
        "update_id": 2,
        "update_type": "message",
        "source": "webhook",
        "chat_id": -100123,
        "user_id": 222,
        "user_first_name": "Bruno",
        "new_member_ids": [333, 444],
        "content_type": "service",
    },
    {"update_id": 3, "update_type": "message", "source": "webhook", "chat_id": -100123, "sender_chat_id": -100999},
]


def test_pseudonym_is_keyed_stable_and_a_positive_int64():
    first = privacy.pseudonym(111, "key-1")
    assert first == privacy.pseudonym(111, "key-1")
    assert 0 <= first < 2**63
    assert first != 111
    assert first != privacy.pseudonym(111, "key-2")
    assert first != privacy.pseudonym(112, "key-1")
    assert len({privacy.pseudonym(i, "k") for i in range(10_000)}) == 10_000


def test_table_gets_pseudonyms_and_no_names():
    table = privacy.pseudonymize(_table(ROWS), "secret-key")
    assert table.schema == schema.arrow_schema()
    rows = table.to_pylist()
    assert [r["user_id"] for r in rows] == [
        privacy.pseudonym(111, "secret-key"),
        privacy.pseudonym(222, "secret-key"),
        None,
    ]
    assert rows[1]["new_member_ids"] == [privacy.pseudonym(333, "secret-key"), privacy.pseudonym(444, "secret-key")]
    assert rows[0]["new_member_ids"] is None
    for row in rows:
        for name in privacy.NAME_COLUMNS:
            assert row[name] is None
    # What is not about the sender's identity stays as it was.
    assert [r["text"] for r in rows] == ["oi", None, None]
    assert rows[2]["sender_chat_id"] == -100999
    assert {111, 222, 333, 444}.isdisjoint(v for r in rows for v in [r["user_id"], *(r["new_member_ids"] or [])])


@pytest.mark.parametrize("key", ["", None])
def test_no_key_leaves_the_table_alone(key):
    table = _table(ROWS)
    assert privacy.pseudonymize(table, key).equals(table)


def test_pseudonymised_lake_end_to_end_raw_untouched_curated_and_reports_without_identities(local_lake, monkeypatch):
    """Consolidation and reports with PSEUDONYMIZE_KEY: the raw zone keeps the updates as Telegram
    sent them; the curated table and every report carry pseudonyms and no names."""
    import json

    import pyarrow.parquet as pq
    from telegram_pipeline import config
    from telegram_pipeline.lake import consolidate, storage
    from telegram_pipeline.reports import build as reports

    from bench import loadtest

    key = "group-key-for-tests"
    monkeypatch.setenv("PSEUDONYMIZE_KEY", key)
    day = loadtest.FIRST_DAY
    ids = [loadtest.DAYS * n for n in range(1, 301)]
    raw = storage.raw_store(config.load())
    bodies = {}
    for update_id in ids:
        body = json.loads(loadtest.update_body(update_id))
        if update_id % 50 == 0:  # someone joins: their id is personal data too
            body = {"update_id": update_id, "message": {**body.get("message", body.get("edited_message", {}))}}
            body["message"].pop("text", None)
            body["message"].pop("edit_date", None)
            body["message"]["new_chat_members"] = [{"id": 424242 + update_id, "is_bot": False, "first_name": "Nova"}]
        bodies[update_id] = json.dumps(body, ensure_ascii=False).encode()
        raw.write(f"{raw_zone.day_folder(day)}/{update_id}.json", bodies[update_id])

    result = consolidate.consolidate_day(day, config.load())
    assert result.rows == len(ids)
    table = pq.read_table(local_lake / "curated" / layout.partition_key(day)).to_pylist()
    real_ids = {
        json.loads(b).get("message", json.loads(b).get("edited_message", {})).get("from", {}).get("id")
        for b in bodies.values()
    }
    real_ids |= {json.loads(b).get("message_reaction", {}).get("user", {}).get("id") for b in bodies.values()}
    real_ids.discard(None)
    joined = {424242 + i for i in ids if i % 50 == 0}
    for row in table:
        assert row["user_id"] not in real_ids and row["user_id"] is not None
        assert all(row[name] is None for name in privacy.NAME_COLUMNS)
        assert not set(row["new_member_ids"] or []) & joined
    assert {r["user_id"] for r in table} == {privacy.pseudonym(i, key) for i in real_ids}
    # The raw zone is as received.
    for update_id, body in bodies.items():
        assert raw.read(f"{raw_zone.day_folder(day)}/{update_id}.json") == body

    rng = definitions.ReportRange.from_settings(day, day, config.load())
    tables = reports.build(rng, config.load())
    posters = tables["top_posters"].to_pylist()
    assert posters
    for poster in posters:
        assert poster["user_id"] not in real_ids
        assert "Pessoa" not in (poster["user_name"] or "")  # the senders' first names in the raw zone
        assert poster["user_name"] == f"user {poster['user_id']}"
    html = "".join(reports.pages(tables, rng)[0][name].decode() for name in reports.pages(tables, rng)[0])
    assert "Pessoa" not in html and "Nova" not in html
