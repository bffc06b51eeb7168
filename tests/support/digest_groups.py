"""Two groups' curated week for the digest, and the Bot API stand-in with their chats."""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pyarrow as pa
from telegram_pipeline import cli
from telegram_pipeline.dev.bot_api_standin import BotApiStandIn
from telegram_pipeline.lake import layout, schema, storage, tokens

TZ = "America/Sao_Paulo"
GROUP = -1001111111111
OTHER_GROUP = -1002222222222
ADMIN_CHAT = -4000000001
TITLE = 'Corrida <SP> & "Amigos"'
LAST = date(2026, 3, 15)  # a Sunday: the 7 days are Monday 9 .. Sunday 15 March


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(TZ)).astimezone(ZoneInfo("UTC"))


class Group:
    """A group's curated messages, written into the curated zone by the day of their time in TZ."""

    def __init__(self, chat_id: int = GROUP, title: str = TITLE):
        self.chat_id, self.title, self.rows = chat_id, title, []

    def post(self, user: tuple, when: datetime, text: str) -> None:
        user_id, first, last, username = user
        row = dict.fromkeys(schema.COLUMN_NAMES)
        row.update(
            update_id=len(self.rows) + 1 + 10_000 * abs(self.chat_id % 97),
            update_type="message",
            source="webhook",
            chat_id=self.chat_id,
            chat_type="supergroup",
            chat_title=self.title,
            message_id=len(self.rows) + 1,
            sent_at=when,
            content_type="text",
            text=text,
            user_id=user_id,
            user_is_bot=False,
            user_first_name=first,
            user_last_name=last,
            user_username=username,
        )
        self.rows.append(row)

    def write(self, *others: Group) -> None:
        """Its rows (and the other groups') as the curated partitions (one file a day, as the consolidation
        writes them)."""
        store = storage.curated_store()
        by_day: dict[date, list[dict]] = {}
        for row in [row for group in (self, *others) for row in group.rows]:
            by_day.setdefault(row["sent_at"].astimezone(ZoneInfo(TZ)).date(), []).append(row)
        for day, rows in by_day.items():
            table = tokens.with_words(pa.Table.from_pylist(rows, schema=schema.arrow_schema()))
            store.write(layout.partition_key(day), layout.parquet_bytes(table))


ZE = (1, "Zé <Admin>", "& Cia", "ze")
ANA = (2, "Ana", "Souza", None)
BOB = (3, None, None, "bob")
CARLA = (4, "Carla", None, None)


def running_group() -> Group:
    """This week (9..15 March): Zé 5 messages, all on Wednesday at 20h; Ana 3; @bob 2, one of them on
    Wednesday at 20h too: 10 messages from 3 members. The week before (2..8 March): Ana 4, Carla 4: 8
    messages from 2."""
    group = Group()
    wednesday = date(2026, 3, 11)
    for minute in range(5):
        group.post(ZE, local(wednesday, 20, minute * 10), "treino de sábado no parque")
    for day in (9, 10, 13):
        group.post(ANA, local(date(2026, 3, day), 7), "treino cedo hoje")
    group.post(BOB, local(wednesday, 20, 55), "alguém vai na prova?")
    group.post(BOB, local(date(2026, 3, 15), 23, 30), "prova confirmada")  # Sunday 23:30 is Monday in UTC
    for day in (2, 3, 4, 5):
        group.post(ANA, local(date(2026, 3, day), 7), "treino cedo")
        group.post(CARLA, local(date(2026, 3, day), 12), "almoço e prova")
    return group


def serve_standin(monkeypatch):
    """The stand-in with the test's chats, and the settings that point the pipeline at it."""
    standin = BotApiStandIn().start()
    standin.add_chat(GROUP, title=TITLE)
    standin.add_chat(OTHER_GROUP, title="Outro grupo")
    standin.add_chat(ADMIN_CHAT, title="Admins", type="group")
    monkeypatch.setenv("TELEGRAM_API_URL", standin.url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", standin.token)
    monkeypatch.setenv("TIMEZONE", TZ)
    monkeypatch.setenv("DIGEST_CHAT_IDS", str(GROUP))
    yield standin
    standin.stop()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """``digest`` with ``argv``: its exit status (a usage error's too, which argparse exits with), out, err."""
    try:
        code = cli.main(["digest", *argv])
    except SystemExit as exited:
        code = exited.code
    out, err = capsys.readouterr()
    token = os.environ.get("TELEGRAM_BOT_TOKEN") or BotApiStandIn.token
    assert token not in out + err and token.split(":")[1] not in out + err
    return code, out, err
