"""Bot API updates made for the consolidation tests, put in the raw zone as the webhook files them."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
from telegram_pipeline.lake import layout, storage

DAY = date(2026, 1, 10)
CHAT = -1001234567890


def unix(day: date, hour: int = 12, minute: int = 0, tz: str = "UTC") -> int:
    return int(datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(tz)).timestamp())


def message(update_id: int, when: int, text: str = "olá #corrida", message_id: int | None = None, **extra) -> bytes:
    payload = {
        "message_id": message_id or update_id,
        "from": {"id": 1000 + update_id % 7, "is_bot": False, "first_name": "Ana"},
        "chat": {"id": CHAT, "type": "supergroup", "title": "Grupo"},
        "date": when,
        "text": text,
        "entities": [{"type": "hashtag", "offset": text.index("#"), "length": 8}] if "#corrida" in text else [],
        **extra,
    }
    return json.dumps({"update_id": update_id, "message": payload}, ensure_ascii=False).encode()


def edit(update_id: int, sent: int, edited: int, message_id: int) -> bytes:
    body = json.loads(message(update_id, sent, "editado", message_id=message_id))
    body["edited_message"] = {**body.pop("message"), "edit_date": edited}
    return json.dumps(body).encode()


def put(day: date, name: str, data: bytes) -> None:
    storage.raw_store().write(f"context_date={day}/{name}", data)


def read_partition(day: date) -> pa.Table:
    return pq.read_table(pa.BufferReader(storage.curated_store().read(layout.partition_key(day))))


def fill_day(day: date, count: int = 20) -> None:
    for i in range(1, count + 1):
        put(day, f"{i}.json", message(i, unix(day, 8) + i * 60))
