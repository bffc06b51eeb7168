"""The history state's SQL (lake/history.py): the stages it runs in consolidation are those the reports'
state stages read, in their build order; and a month's rows aggregated again are its days' rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
from telegram_pipeline.lake import history
from telegram_pipeline.reports import definitions, sql


def test_consolidation_runs_the_stages_the_state_reads_in_build_order():
    needed = sql.dependencies(definitions.STATE_STAGES)
    assert list(history.STATE_SQL) == [
        stage for stage in sql.BUILD_ORDER if stage in {*needed, *definitions.STATE_STAGES}
    ]


def test_a_roll_up_keeps_each_key_once_with_the_first_and_the_latest():
    def at(day: int) -> datetime:
        return datetime(2026, 1, day, tzinfo=UTC)

    def row(kind, chat_id, id_, name, first, last, is_bot=False):
        return dict(kind=kind, chat_id=chat_id, id=id_, is_bot=is_bot, name=name, first_at=first, last_at=last)

    days = [
        [row("sender", -1, 7, None, at(3), at(4)), row("username", None, 7, "ana", at(3), at(3)),
         row("topic", -1, 5, "Pedais", at(3), at(3)), row("sender", -1, 9, None, at(3), at(3), is_bot=True)],
        [row("sender", -1, 7, None, at(1), at(2)), row("username", None, 8, "ana", at(5), at(5)),
         row("topic", -1, 5, "Trilhas", at(6), at(6)), row("migration", -2, -1, None, at(1), at(1))],
    ]  # fmt: skip
    rolled = history.roll_up(pa.Table.from_pylist(day, schema=history.state_schema()) for day in days).to_pylist()
    assert sorted(rolled, key=repr) == sorted(
        [
            row("sender", -1, 7, None, at(1), at(4)),
            row("sender", -1, 9, None, at(3), at(3), is_bot=True),
            row("username", None, 8, "ana", at(3), at(5)),
            row("topic", -1, 5, "Trilhas", at(3), at(6)),
            row("migration", -2, -1, None, at(1), at(1)),
        ],
        key=repr,
    )


def test_a_month_ends_on_its_last_day():
    assert [history.last_day_of(m).day for m in ("2026-01", "2026-02", "2028-02", "2026-04", "2026-12")] == [
        31,
        28,
        29,
        30,
        31,
    ]


def test_a_state_as_of_a_month_s_end_records_a_change_with_any_day_state_up_to_its_end_and_only_those():
    from datetime import date

    names = {date(2026, 1, 5): "a.parquet", date(2026, 2, 3): "b.parquet", date(2026, 3, 1): "c.parquet"}
    records = history._through_records(names)
    assert [records[m]["days"] for m in ("2026-01", "2026-02", "2026-03")] == [1, 2, 3]
    january_rewritten = history._through_records({**names, date(2026, 1, 5): "x.parquet"})
    assert all(january_rewritten[m] != records[m] for m in records)
    march_rewritten = history._through_records({**names, date(2026, 3, 1): "x.parquet"})
    assert [march_rewritten[m] == records[m] for m in records] == [True, True, False]
    day_added = history._through_records({**names, date(2026, 2, 20): "d.parquet"})
    assert [day_added[m] == records[m] for m in records] == [True, False, False]


def test_the_state_s_stages_grouped_by_day_read_few_columns():
    """A range's day states are computed over a table of the columns the state's query reads (by
    DuckDB's plan): the ids, times and kinds it groups, not the texts."""
    _, _, read = history._days_connection()
    grouped = {"chat_id", "user_id", "sent_at", "user_username", "new_member_ids", "topic_name", "context_date"}
    filtered = {"service_action", "update_type", "content_type", "member_was_in_chat", "member_is_in_chat"}
    assert grouped | filtered <= set(read)
    assert not {"text", "terms", "term_forms", "emojis", "chat_title"} & set(read)


def test_a_month_key_names_its_month():
    assert history.key_month(history.month_key("2026-01")) == "2026-01"
    assert history.key_month("history_months/month=2026-1/data.parquet") is None
    assert history.key_month("history/context_date=2026-01-01/x.parquet") is None
