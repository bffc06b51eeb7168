"""The reports on real-shaped updates: keywords read around the entities' UTF-16 spans, service messages
are not messages, a message without a sender counts under "unknown sender", and no report or page
crashes on a NULL in any nullable column of the curated table."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest
from telegram_pipeline import config
from telegram_pipeline.lake import consolidate, layout, parse, schema, storage
from telegram_pipeline.reports import build as reports
from telegram_pipeline.reports import definitions, html, summary

from tests.support.service_messages import SERVICE_MESSAGES

TZ = "America/Sao_Paulo"
DAY = date(2026, 3, 10)
CHAT = {"id": -1001234567890, "title": "Grupo de Corrida SP", "type": "supergroup"}
ANA = {"id": 111111111, "is_bot": False, "first_name": "Ana", "last_name": "Souza", "username": "ana_souza"}
JOAO = {"id": 222222222, "is_bot": False, "first_name": "João", "username": "joaop"}
NOON = int(datetime(2026, 3, 10, 12, tzinfo=ZoneInfo(TZ)).timestamp())


def utf16(text: str, fragment: str) -> tuple[int, int]:
    """(offset, length) of ``fragment`` in ``text`` in UTF-16 code units, computed apart from parse.py."""
    before = text[: text.index(fragment)]
    return len(before.encode("utf-16-le")) // 2, len(fragment.encode("utf-16-le")) // 2


def entity(text: str, kind: str, fragment: str, **extra) -> dict:
    offset, length = utf16(text, fragment)
    return {"offset": offset, "length": length, "type": kind, **extra}


def raw_day(updates: list[dict]) -> None:
    """Store the updates as the webhook does and consolidate the day."""
    raw = storage.raw_store()
    for update in updates:
        raw.write(f"context_date={DAY}/{update['update_id']}.json", json.dumps(update, ensure_ascii=False).encode())
    result = consolidate.consolidate_day(DAY)
    assert result.quarantined == 0 and result.rows == len(updates)


def tables_for(first: date = DAY, last: date = DAY) -> dict:
    settings = config.load()
    return reports.build(definitions.ReportRange.from_settings(first, last, settings), settings)


@pytest.fixture(autouse=True)
def group_time_zone(monkeypatch):
    monkeypatch.setenv("TIMEZONE", TZ)


# ----------------------------------------------------------------------------------------------
# Keywords


LINKS = "🏃‍♀️ Entra no bot tg://resolve?domain=corrida_bot&start=treino e fala com @joaop sobre o pace"
COMMANDS = "/start@corrida_bot pace $USD +55 11 99999-0000 ana@corrida.com.br inscrições aqui"
NO_ENTITIES = "ritmo tg://resolve?domain=outro_bot&start=prova"


def keyword_updates() -> list[dict]:
    def message(update_id, text, entities, sender=ANA):
        body = {"message_id": update_id - 900000, "from": sender, "chat": CHAT, "date": NOON, "text": text}
        return {"update_id": update_id, "message": {**body, **({"entities": entities} if entities else {})}}

    return [
        message(
            900001,
            LINKS,
            [
                entity(LINKS, "url", "tg://resolve?domain=corrida_bot&start=treino"),
                entity(LINKS, "mention", "@joaop"),
            ],
        ),
        message(
            900002,
            COMMANDS,
            [
                entity(COMMANDS, "bot_command", "/start@corrida_bot"),
                entity(COMMANDS, "cashtag", "$USD"),
                entity(COMMANDS, "phone_number", "+55 11 99999-0000"),
                entity(COMMANDS, "email", "ana@corrida.com.br"),
                entity(COMMANDS, "text_link", "aqui", url="https://corrida.example/inscricao"),
            ],
            sender=JOAO,
        ),
        message(900003, NO_ENTITIES, None),
    ]


def test_keyword_text_blanks_entity_spans_by_utf16_offsets():
    row = parse.parse(json.dumps(keyword_updates()[0], ensure_ascii=False).encode())
    assert row["text"] == LINKS
    kept = row["keyword_text"]
    assert len(kept.encode("utf-16-le")) == len(LINKS.encode("utf-16-le"))  # spans are blanked, not cut
    assert "resolve" not in kept and "@joaop" not in kept and kept.startswith("🏃‍♀️ Entra no bot ")
    assert kept.split() == ["🏃‍♀️", "Entra", "no", "bot", "e", "fala", "com", "sobre", "o", "pace"]


def test_keywords_leave_out_links_mentions_commands_and_their_parts():
    raw_day(keyword_updates())
    keywords = {k["keyword"]: (k["messages"], k["users"]) for k in tables_for()["keywords"].to_pylist()}
    for fragment in ("resolve", "domain", "start", "treino", "corrida_bot", "joaop", "usd", "corrida", "aqui",
                     "outro_bot", "prova"):  # fmt: skip
        assert not [k for k in keywords if fragment in k.casefold()], fragment
    assert keywords["pace"] == (2, 2) and keywords["ritmo"] == (1, 1) and keywords["Entra"] == (1, 1)
    assert keywords["inscrições"] == (1, 1)


# ----------------------------------------------------------------------------------------------
# Service messages and the unknown sender


def test_service_messages_of_every_kind_are_not_counted():
    updates = [
        {"update_id": 910000 + n, "message": {"message_id": 100 + n, "from": ANA, "chat": CHAT, "date": NOON,
                                              field: value}}
        for n, (field, value) in enumerate(sorted(SERVICE_MESSAGES.items()))
    ]  # fmt: skip
    updates.append(
        {"update_id": 911000, "message": {"message_id": 99, "from": JOAO, "chat": CHAT, "date": NOON, "text": "oi"}}
    )
    raw_day(updates)
    tables = tables_for()
    assert [(r["messages"], r["active_users"]) for r in tables["daily_volume"].to_pylist()] == [(1, 1)]
    assert [(p["user_id"], p["messages"]) for p in tables["top_posters"].to_pylist()] == [(JOAO["id"], 1)]


def test_a_message_without_a_sender_counts_under_unknown_sender_and_the_page_renders():
    anonymous = {"message_id": 7, "chat": CHAT, "date": NOON, "text": "sem remetente"}
    raw_day(
        [
            {"update_id": 920001, "message": anonymous},
            {"update_id": 920002, "message": {**anonymous, "message_id": 8}},
            {"update_id": 920003, "message": {**anonymous, "message_id": 9, "from": ANA}},
        ]
    )
    tables = tables_for()
    posters = [(p["user_id"], p["user_name"], p["messages"], p["rank"]) for p in tables["top_posters"].to_pylist()]
    assert posters == [(None, "unknown sender", 2, 1), (ANA["id"], "Ana Souza", 1, 2)]
    rng = definitions.ReportRange(DAY, DAY, timezone=TZ)
    headline = summary.summarize(tables, rng, CHAT["id"])
    assert (headline.messages, headline.active_users) == (3, 1)  # "unknown sender" is not a member
    keywords = {k["keyword"]: (k["messages"], k["users"]) for k in tables["keywords"].to_pylist()}
    remetente = next(counts for keyword, counts in keywords.items() if "remetente" in keyword)
    assert remetente == (3, 1)  # three messages, one member: the unknown sender is nobody
    assert headline.top_posters == [("unknown sender", 2), ("Ana Souza", 1)]
    page = html.render(summary.for_chat(tables, CHAT["id"]), headline)
    assert "unknown sender" in page


# ----------------------------------------------------------------------------------------------
# NULL in every nullable column


def write_curated(day: date, rows: list[dict]) -> None:
    table = pa.Table.from_pylist(rows, schema=schema.arrow_schema())
    storage.curated_store().replace_folder(
        layout.partition_prefix(day), {layout.DATA_FILE: layout.parquet_bytes(table)}
    )


def rows_with_nulls() -> list[dict]:
    """A full text message, then one copy of it per nullable column with that column NULL, then rows of
    every update type with every nullable column NULL."""
    sent = datetime.fromtimestamp(NOON, ZoneInfo("UTC"))
    full = {
        **dict.fromkeys(schema.COLUMN_NAMES),
        "update_id": 1,
        "update_type": "message",
        "source": "webhook",
        "chat_id": CHAT["id"],
        "chat_type": "supergroup",
        "chat_title": CHAT["title"],
        "message_id": 1,
        "sent_at": sent,
        "user_id": ANA["id"],
        "user_is_bot": False,
        "user_first_name": "Ana",
        "text": "treino de pace",
        "keyword_text": "treino de pace",
        "content_type": "service",
        "service_action": "new_chat_members",
        "new_member_ids": [5, None],
        "new_member_bot_ids": [None],
        "hashtags": [None],
        "member_user_id": 5,
        "member_is_bot": False,
        "member_was_in_chat": False,
        "member_is_in_chat": True,
        "reaction_count_emojis": [None],
        "reaction_count_totals": [None],
    }
    rows = [full, {**full, "update_id": 2, "message_id": 2, "content_type": "text", "service_action": None}]
    nullable = [c.name for c in schema.COLUMNS if c.nullable]
    for n, column in enumerate(nullable, start=3):
        for base in (rows[0], rows[1]):
            rows.append({**base, "update_id": 100 * n + base["update_id"], "message_id": n, column: None})
    kinds = ["message", "edited_message", "channel_post", "message_reaction", "message_reaction_count",
             "chat_member", "my_chat_member"]  # fmt: skip
    for n, kind in enumerate(kinds):
        rows.append({**dict.fromkeys(schema.COLUMN_NAMES), "update_id": 10_000 + n, "update_type": kind,
                     "source": "webhook", "chat_id": CHAT["id"]})  # fmt: skip
    return rows


def test_no_report_and_no_page_crashes_on_nulls_in_any_nullable_column():
    write_curated(DAY, rows_with_nulls())
    tables = tables_for()
    for name, table in tables.items():
        never_null = {"user_name", "messages", "share", "keyword", "users", "tracked", "weekday", "hour", "date",
                      "active_users", "new_members", "left_members"} & set(table.column_names)  # fmt: skip
        for column in never_null:
            assert table[column].null_count == 0, (name, column)
    posters = {p["user_name"]: p["messages"] for p in tables["top_posters"].to_pylist()}
    assert posters["unknown sender"] >= 1 and "Ana" in posters
    headline = summary.summarize(tables, definitions.ReportRange(DAY, DAY, timezone=TZ), CHAT["id"])
    assert "<!DOCTYPE html>" in html.render(summary.for_chat(tables, CHAT["id"]), headline)


def test_the_page_renders_report_tables_with_null_where_the_tables_allow_it():
    group = CHAT["id"]
    rows = {
        "chats": {"title": None, "messages": 3, "active_users": 0, "previous_messages": 0, "previous_active_users": 0},
        "top_posters": {"user_id": None, "user_name": None, "messages": 3, "share": 1.0, "rank": 1},
        "keywords": {"keyword": "kotlin", "messages": 0, "users": 0, "rank": None, "tracked": True},
        "keyword_examples": {
            "keyword": "pace",
            "rank": 1,
            "example": 1,
            "sent_at": None,
            "user_name": None,
            "text": None,
        },
        "languages": {"language": "pt", "messages": 3, "users": 0, "share": 1.0},
        "activity_heatmap": {"weekday": 2, "hour": 12, "messages": 3, "active_users": 0},
        "daily_volume": {"date": DAY, "messages": 3, "active_users": 0, "new_members": 0, "left_members": 0},
        "reactions": {"message_id": 7, "user_id": None, "user_name": None, "reactions": 2, "rank": 1},
        "interactions": {"from_user_id": None, "to_user_id": None, "replies": 1, "mentions": 0},
        "emoji": {"emoji": "🏃", "messages": 1, "users": 0, "rank": 1},
        "members": {"user_id": None, "user_name": None, "messages": 3, "previous_messages": 0, "status": "new"},
        "content_mix": {"date": DAY, "content_type": None, "messages": 3},
        "conversations": {"user_id": None, "started": 1, "replies_received": 0},
        "topics": {"topic_id": 1, "topic": None, "messages": 0, "users": 0, "replies": 0},
        "activity": {"date": DAY, "dau": 0, "wau": 0, "mau": 0, "stickiness": None},
        "retention": {"cohort_week": DAY, "week": 0, "members": 1, "active": 0, "activated": 0},
        "join_sources": {"source": None, "joins": 1, "still_members": 1, "posted": 0},
        "questions": {"asked": 1, "answered": 0, "median_answer_seconds": None, "unanswered": 1},
        "helpers": {"user_id": None, "user_name": None, "answers": 1, "rank": 1},
        "unanswered_questions": {"message_id": 7, "user_id": None, "user_name": None, "sent_at": None, "text": None},
        "channel_posts": {
            "message_id": 8,
            "channel_id": None,
            "channel_title": None,
            "sent_at": None,
            "text": None,
            "content_type": None,
            "comments": 0,
            "commenters": 0,
            "rank": 1,
        },  # fmt: skip
        "links": {"domain": None, "messages": 1, "users": 0, "rank": 1},
        "forward_sources": {"source_id": None, "source_name": None, "source_type": None, "messages": 1, "rank": 1},
        "surges": {"keyword": None, "messages": 5, "daily_mean": 0.0, "tracked": False, "rank": 1},
    }
    schemas = definitions.output_schemas()
    assert set(rows) == set(schemas)
    tables = {name: pa.Table.from_pylist([{"chat_id": group, **row}], schemas[name]) for name, row in rows.items()}
    headline = summary.summarize(tables, definitions.ReportRange(DAY, DAY, timezone=TZ), group)
    assert "unknown sender" in html.render(tables, headline)
