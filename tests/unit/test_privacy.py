"""Pseudonymisation (PSEUDONYMIZE_KEY): keyed, stable, typed pseudonyms and no names in the
curated table; the raw zone untouched."""

from __future__ import annotations

import pyarrow as pa
import pytest
from telegram_pipeline.lake import privacy, schema


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
        "new_member_names": ["Carla", "@dan"],
        "content_type": "service",
    },
    {"update_id": 3, "update_type": "message", "source": "webhook", "chat_id": -100123, "sender_chat_id": -100999},
    {
        "update_id": 4,
        "update_type": "chat_member",
        "source": "webhook",
        "chat_id": -100123,
        "user_id": 111,
        "member_user_id": 555,
        "member_name": "Eve Lima",
        "content_type": "member",
    },
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
        privacy.pseudonym(111, "secret-key"),
    ]
    assert rows[1]["new_member_ids"] == [privacy.pseudonym(333, "secret-key"), privacy.pseudonym(444, "secret-key")]
    assert rows[0]["new_member_ids"] is None
    assert rows[3]["member_user_id"] == privacy.pseudonym(555, "secret-key")
    for row in rows:
        for name in privacy.NAME_COLUMNS:
            assert row[name] is None
        assert (row["member_name"], row["new_member_names"]) == (None, None)
    # What is not about the sender's identity stays as it was.
    assert [r["text"] for r in rows] == ["oi", None, None, None]
    assert rows[2]["sender_chat_id"] == -100999
    assert {111, 222, 333, 444}.isdisjoint(v for r in rows for v in [r["user_id"], *(r["new_member_ids"] or [])])


@pytest.mark.parametrize("key", ["", None])
def test_no_key_leaves_the_table_alone(key):
    table = _table(ROWS)
    assert privacy.pseudonymize(table, key).equals(table)
