"""The partitions before the reports' own days are read without texts, terms, mentions, languages, …
(duckdb_engine's texts_from): only for the messages sent before those days, wherever a row is stored."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from telegram_pipeline import config
from telegram_pipeline.lake import schema, tokens
from telegram_pipeline.reports import duckdb_engine

TEXTS_FROM = date(2026, 3, 10)


def _row(update_id: int, sent_at: datetime, text: str) -> dict:
    return {
        "update_id": update_id,
        "update_type": "message",
        "source": "webhook",
        "chat_id": -1001,
        "message_id": update_id,
        "sent_at": sent_at,
        "user_id": 7,
        "text": text,
        "terms": [text],
        "term_forms": [text.title()],
        "emojis": [],
        "mentions": ["@bia"],
        "language": "pt",
    }


def _write(curated, day: date, rows: list[dict]) -> None:
    folder = curated / schema.TABLE_NAME / f"context_date={day.isoformat()}"
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema.arrow_schema()), folder / "data.parquet")


def test_only_the_messages_sent_before_the_reports_days_lose_their_texts(tmp_path, monkeypatch):
    curated = tmp_path / "curated"
    _write(
        curated,
        date(2026, 3, 1),
        [
            _row(1, datetime(2026, 3, 1, 12, tzinfo=UTC), "counted"),
            # stored days before it was sent (an import, a clock off): its day is one of the reports' own
            _row(2, datetime(2026, 3, 10, 1, tzinfo=UTC), "moved"),
        ],
    )
    _write(curated, date(2026, 3, 9), [_row(3, datetime(2026, 3, 9, 23, tzinfo=UTC), "evening")])
    _write(curated, TEXTS_FROM, [_row(4, datetime(2026, 3, 10, 9, tzinfo=UTC), "today")])
    monkeypatch.setenv("CURATED_URI", str(curated))
    monkeypatch.setenv("RAW_URI", str(tmp_path / "raw"))
    settings = config.load()

    def read(**light) -> dict:
        con = duckdb.connect()
        con.execute(tokens.macro_sql())  # as the engine has it: for files without the emoji column
        duckdb_engine.register_messages(con, TEXTS_FROM, settings, first=date(2026, 3, 1), **light)
        found = con.execute(
            "SELECT update_id, text, terms, term_forms, mentions, language, user_id FROM messages ORDER BY 1"
        ).fetchall()
        con.close()
        return {row[0]: row[1:] for row in found}

    full, light = read(), read(texts_from=TEXTS_FROM)
    assert light.keys() == full.keys() == {1, 2, 3, 4}
    assert light[1] == (None, None, None, None, None, 7)  # counted on a day before the reports' own: no text needed
    for update_id in (2, 3, 4):  # sent within a day of TEXTS_FROM or after it: read in full
        assert light[update_id] == full[update_id]


def test_each_file_read_the_ways_its_statistics_allow(tmp_path, monkeypatch):
    """A file before the reports' days is read light, in full, or both (a row of each), as its footer's
    statistics of sent_at say; one written without statistics both ways: the same rows either way."""
    curated = tmp_path / "curated"
    _write(curated, date(2026, 3, 2), [_row(1, datetime(2026, 3, 2, 12, tzinfo=UTC), "before")])
    _write(curated, date(2026, 3, 9), [_row(2, datetime(2026, 3, 9, 23, tzinfo=UTC), "evening")])
    _write(
        curated,
        date(2026, 3, 8),
        [_row(3, datetime(2026, 3, 8, 12, tzinfo=UTC), "noon"), _row(4, datetime(2026, 3, 10, 2, tzinfo=UTC), "moved")],
    )
    folder = curated / schema.TABLE_NAME / "context_date=2026-03-07"
    folder.mkdir(parents=True)
    rows = [
        _row(5, datetime(2026, 3, 7, 12, tzinfo=UTC), "unknown"),
        _row(6, datetime(2026, 3, 11, 1, tzinfo=UTC), "late"),
    ]
    pq.write_table(
        pa.Table.from_pylist(rows, schema=schema.arrow_schema()), folder / "data.parquet", write_statistics=False
    )
    monkeypatch.setenv("CURATED_URI", str(curated))
    monkeypatch.setenv("RAW_URI", str(tmp_path / "raw"))
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(tokens.macro_sql())
    duckdb_engine.register_messages(con, TEXTS_FROM, config.load(), first=date(2026, 3, 1), texts_from=TEXTS_FROM)
    found = dict(con.execute("SELECT update_id, text FROM messages").fetchall())
    view = con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'messages'").fetchone()[0]
    con.close()
    assert found == {1: None, 2: "evening", 3: None, 4: "moved", 5: None, 6: "late"}
    opened = {
        day: view.count(f"context_date={day}/") for day in ("2026-03-02", "2026-03-07", "2026-03-08", "2026-03-09")
    }
    assert opened == {"2026-03-02": 1, "2026-03-07": 2, "2026-03-08": 2, "2026-03-09": 1}


def test_files_of_different_layouts_read_together_by_name(tmp_path, monkeypatch):
    """Partitions written with fewer columns, or the same columns in another order, read by name beside
    the others: the missing columns as NULL, the light read the same on each."""
    curated = tmp_path / "curated"
    _write(curated, date(2026, 3, 1), [_row(1, datetime(2026, 3, 1, 12, tzinfo=UTC), "full")])
    older = pa.Table.from_pylist(
        [_row(2, datetime(2026, 3, 9, 12, tzinfo=UTC), "older")], schema=schema.arrow_schema()
    ).drop_columns(["terms", "term_forms", "emojis"])
    reordered = pa.Table.from_pylist([_row(3, datetime(2026, 3, 10, 9, tzinfo=UTC), "reordered")])
    reordered = reordered.select(sorted(reordered.column_names, reverse=True)).cast(
        pa.schema([schema.arrow_schema().field(name) for name in sorted(reordered.column_names, reverse=True)])
    )
    for day, table in ((date(2026, 3, 9), older), (TEXTS_FROM, reordered)):
        folder = curated / schema.TABLE_NAME / f"context_date={day.isoformat()}"
        folder.mkdir(parents=True)
        pq.write_table(table, folder / "data.parquet")
    monkeypatch.setenv("CURATED_URI", str(curated))
    monkeypatch.setenv("RAW_URI", str(tmp_path / "raw"))
    settings = config.load()
    con = duckdb.connect()
    con.execute(tokens.macro_sql())
    duckdb_engine.register_messages(con, TEXTS_FROM, settings, first=date(2026, 3, 1))
    found = con.execute(
        "SELECT update_id, text, terms, user_id, chat_id, context_date FROM messages ORDER BY 1"
    ).fetchall()
    con.close()
    assert found == [
        (1, "full", ["full"], 7, -1001, "2026-03-01"),
        (2, "older", None, 7, -1001, "2026-03-09"),
        (3, "reordered", ["reordered"], 7, -1001, "2026-03-10"),
    ]
