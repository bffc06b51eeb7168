"""The Telegram Desktop exports of ../shared, and what their import must give."""

from __future__ import annotations

from datetime import date

from telegram_pipeline.lake import layout, storage

from tests.support.paths import FIXTURES, REPO

EXPORTS = FIXTURES / "telegram_export"
GROUP = EXPORTS / "group_sample.json"
DM = EXPORTS / "dm_sample.json"
GROUP_CHAT_ID = -1001234567890


def curated_rows(day: date) -> list[dict]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = storage.curated_store().read(layout.partition_key(day))
    return pq.read_table(pa.BufferReader(data)).to_pylist()


# ----------------------------------------------------------------------------------------------
# Older exports and damaged messages

OLD_EXPORT = REPO / "tests" / "data" / "desktop_export_2019.json"
