"""Pseudonymisation of senders for groups that must honour LGPD/GDPR (setting PSEUDONYMIZE_KEY).

When a key is set, the curated and report layers never carry who a sender is: ``user_id`` becomes a
keyed hash (HMAC-SHA256 of the id, cut to a positive int64, so the column keeps its type and the
same person keeps the same pseudonym across days and reruns), the ids of members who joined or left likewise,
and the name columns are NULL. Without the key the pseudonyms cannot be reversed or recomputed; with
it they can be recomputed for one known id (to honour an access or erasure request), never reversed.
The raw zone keeps every update as Telegram sent it.
"""

from __future__ import annotations

import hashlib
import hmac

NAME_COLUMNS = ("user_first_name", "user_last_name", "user_username")
# The columns that hold a person's user id: each becomes the same person's pseudonym.
ID_COLUMNS = ("user_id", "member_user_id")
ID_LIST_COLUMNS = ("new_member_ids", "new_member_bot_ids")
_INT63 = (1 << 63) - 1


def pseudonym(user_id: int, key: str) -> int:
    """The stable pseudonym of ``user_id`` under ``key``: a positive int64."""
    digest = hmac.new(key.encode("utf-8"), str(int(user_id)).encode("ascii"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") & _INT63


def pseudonymize(table, key: str):
    """The curated ``messages`` table (a pyarrow Table) with senders pseudonymised under ``key``;
    the table unchanged when ``key`` is empty."""
    if not key:
        return table
    import pyarrow as pa

    def hashed(values: list) -> list:
        return [None if v is None else pseudonym(v, key) for v in values]

    columns = {}
    for name in ID_COLUMNS:
        if name in table.column_names:
            columns[name] = pa.array(hashed(table.column(name).to_pylist()), pa.int64())
    for name in ID_LIST_COLUMNS:
        if name in table.column_names:
            lists = table.column(name).to_pylist()
            columns[name] = pa.array([None if ids is None else hashed(ids) for ids in lists], pa.list_(pa.int64()))
    for name in NAME_COLUMNS:
        if name in table.column_names:
            columns[name] = pa.nulls(table.num_rows, pa.string())
    for name, values in columns.items():
        index = table.column_names.index(name)
        table = table.set_column(index, table.schema.field(name).with_type(values.type), values)
    return table
