"""Curated rows made for the reports' counting rules (built directly with the schema's Arrow schema):
three days of one group in São Paulo, and the lake they are written to."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
from telegram_pipeline import config
from telegram_pipeline.lake import schema, storage, tokens

TZ = "America/Sao_Paulo"
CHAT = -1001234567890
FIRST, LAST = date(2026, 3, 9), date(2026, 3, 11)  # Monday .. Wednesday
ANONYMOUS_BOT = 1087968824


def local(text: str) -> datetime:
    """A wall-clock time in the group's zone, as the UTC instant the curated table stores."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(TZ)).astimezone(ZoneInfo("UTC"))


class Lake:
    """Curated rows, put in the partition of their event time (edit time for edits) in TZ."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self._next_update = 1000

    def add(self, **values) -> dict:
        self._next_update += 1
        row = dict.fromkeys(schema.COLUMN_NAMES)
        row.update(update_id=self._next_update, update_type="message", source="webhook", chat_id=CHAT)
        row.update(chat_type="supergroup", chat_title="Grupo Python", content_type="text")
        row.update(values)
        self.rows.append(row)
        return row

    def user(self, user_id: int, first: str | None, last: str | None = None, username: str | None = None, bot=False):
        return dict(
            user_id=user_id, user_first_name=first, user_last_name=last, user_username=username, user_is_bot=bot
        )

    def write(self, settings: config.Settings | None = None) -> list[date]:
        by_day: dict[date, list[dict]] = {}
        for row in self.rows:
            event = row["edited_at"] or row["sent_at"]
            by_day.setdefault(event.astimezone(ZoneInfo(TZ)).date(), []).append(row)
        store = storage.curated_store(settings)
        for day, rows in by_day.items():
            table = tokens.with_words(pa.Table.from_pylist(rows, schema=schema.arrow_schema()))
            sink = io.BytesIO()
            pq.write_table(table, sink, compression="zstd")
            store.replace_folder(f"messages/context_date={day.isoformat()}", {"data.parquet": sink.getvalue()})
        return sorted(by_day)


def scenario() -> Lake:
    lake = Lake()
    alice = lake.user(1, "Alice", "Souza", "alice")
    bob = lake.user(2, None, None, "bob")
    carol = lake.user(3, "Carol")
    dave = lake.user(4, "Dave")
    bot = lake.user(99, "Helper", "Bot", "helper_bot", bot=True)

    # Monday 2026-03-09
    lake.add(message_id=1, sent_at=local("2026-03-09T10:00"), text="Ação AÇÃO ação 🚀 no evento de Python", **alice)
    lake.add(message_id=2, sent_at=local("2026-03-09T14:00"), content_type="photo", text="Foto do evento", **bob)
    # 00:30 in São Paulo is 03:30 UTC: the same day either way; 23:59 on Sunday is Monday in UTC.
    lake.add(message_id=3, sent_at=local("2026-03-09T00:30"), text="Bom dia pessoal", **dave)
    lake.add(message_id=4, sent_at=local("2026-03-08T23:59"), text="domingo fora do intervalo", **dave)
    lake.add(
        update_type="message",
        message_id=5,
        sent_at=local("2026-03-09T09:00"),
        content_type="service",
        service_action="new_chat_members",
        new_member_ids=[5, 6],
        **lake.user(5, "Eve"),
    )
    lake.add(  # the same join seen again under another update: still two people
        message_id=5,
        sent_at=local("2026-03-09T09:00"),
        content_type="service",
        service_action="new_chat_members",
        new_member_ids=[5, 6],
        **lake.user(5, "Eve"),
    )
    # an edit on Monday of a message sent before the range: not counted
    lake.add(
        update_type="edited_message",
        message_id=4,
        sent_at=local("2026-03-08T23:59"),
        edited_at=local("2026-03-09T08:00"),
        text="domingo editado",
        **dave,
    )

    # Tuesday 2026-03-10
    lake.add(
        message_id=10,
        sent_at=local("2026-03-10T23:30"),  # Wednesday 02:30 in UTC
        text="acao https://example.com/x @bob bob@mail.com #Python",
        **alice,
    )
    lake.add(message_id=11, sent_at=local("2026-03-10T12:00"), text="Reunião amanhã", **alice)
    lake.add(
        update_type="edited_message",
        message_id=11,
        sent_at=local("2026-03-10T12:00"),
        edited_at=local("2026-03-10T12:05"),
        text="Reunião talvez",
        **alice,
    )
    lake.add(  # the latest edit lands in Wednesday's partition; the message stays on Tuesday
        update_type="edited_message",
        message_id=11,
        sent_at=local("2026-03-10T12:00"),
        edited_at=local("2026-03-11T09:00"),
        text="Reunião adiada",
        **alice,
    )
    lake.add(
        message_id=12,
        sent_at=local("2026-03-10T11:00"),
        text="Regras do grupo",
        sender_chat_id=CHAT,
        sender_chat_title="Grupo Python",
        **lake.user(ANONYMOUS_BOT, "Group", None, "GroupAnonymousBot", bot=True),
    )
    lake.add(message_id=13, sent_at=local("2026-03-10T16:00"), text="python python bot spam", **bot)
    lake.add(
        message_id=14,
        sent_at=local("2026-03-10T18:00"),
        content_type="service",
        service_action="new_chat_members",
        new_member_ids=[6],
        **lake.user(6, "Frank"),
    )
    lake.add(
        message_id=15,
        sent_at=local("2026-03-10T19:00"),
        content_type="service",
        service_action="pinned_message",
        **alice,
    )
    lake.add(
        update_type="message_reaction",
        message_id=12,
        content_type="reaction",
        reaction_emojis=["👍"],
        sent_at=local("2026-03-10T20:00"),
        **bob,
    )

    # Wednesday 2026-03-11
    lake.add(message_id=20, sent_at=local("2026-03-11T08:00"), content_type="sticker", text=None, **bob)
    # imported from a Desktop export and received live: the same (chat_id, message_id)
    lake.add(
        update_id=-500,
        source="export",
        message_id=21,
        sent_at=local("2026-03-11T15:00"),
        text="Python é demais",
        **carol,
    )
    lake.add(message_id=21, sent_at=local("2026-03-11T15:00"), text="Python é demais", **carol)
    lake.add(message_id=22, sent_at=local("2026-03-11T22:30"), text="Até amanhã, pessoal!", **dave)  # Thursday in UTC
    lake.add(message_id=23, sent_at=local("2026-03-12T00:10"), text="quinta fora do intervalo", **dave)
    return lake


def write_scenario(monkeypatch) -> Lake:
    monkeypatch.setenv("TIMEZONE", TZ)
    monkeypatch.setenv("TRACKED_KEYWORDS", "Python,kotlin")
    lake = scenario()
    lake.write()
    return lake
