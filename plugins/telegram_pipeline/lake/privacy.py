"""Pseudonymisation of senders for groups that must honour LGPD/GDPR (setting PSEUDONYMIZE_KEY).

When a key is set, the curated and report layers never carry who a sender is: ``user_id`` becomes a
keyed hash (HMAC-SHA256 of the id, cut to a positive int64, so the column keeps its type and the
same person keeps the same pseudonym across days and reruns), the ids of members who joined or left and
of the users a message was forwarded from likewise, and the name columns (those of members who joined
or left, and a forwarded person's name, too) are NULL. Without the key the pseudonyms cannot be reversed or recomputed; with
it they can be recomputed for one known id (to honour an access or erasure request), never reversed.
The raw zone keeps every update as Telegram sent it.
"""

from __future__ import annotations

import hashlib
import hmac

NAME_COLUMNS = ("user_first_name", "user_last_name", "user_username", "member_name")
NAME_LIST_COLUMNS = ("new_member_names",)
# The columns that hold a person's user id: each becomes the same person's pseudonym.
ID_COLUMNS = ("user_id", "member_user_id")
ID_LIST_COLUMNS = ("new_member_ids", "new_member_bot_ids")
# forward_origin_type of a forward whose source is a person
PERSON_FORWARDS = frozenset({"user", "hidden_user"})
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
    for name in NAME_LIST_COLUMNS:
        if name in table.column_names:
            columns[name] = pa.nulls(table.num_rows, pa.list_(pa.string()))
    columns.update(_forward_sources(table, key))
    for name, values in columns.items():
        index = table.column_names.index(name)
        table = table.set_column(index, table.schema.field(name).with_type(values.type), values)
    return table


def _forward_sources(table, key: str) -> dict:
    """A forward's source when it is a person: a user's id becomes their pseudonym, a user's or hidden
    user's name is dropped; groups and channels are kept as they are."""
    import pyarrow as pa

    if "forward_source_id" not in table.column_names:
        return {}
    kinds = table.column("forward_origin_type").to_pylist()
    ids = table.column("forward_source_id").to_pylist()
    names = table.column("forward_source_name").to_pylist()
    person = [kind in PERSON_FORWARDS for kind in kinds]
    return {
        "forward_source_id": pa.array(
            [pseudonym(v, key) if is_person and v is not None else v for v, is_person in zip(ids, person, strict=True)],
            pa.int64(),
        ),
        "forward_source_name": pa.array(
            [None if is_person else v for v, is_person in zip(names, person, strict=True)], pa.string()
        ),
    }
