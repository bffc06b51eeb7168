"""The keyword tokens and the emoji of each message, computed once, when its day is consolidated.

The rule is one DuckDB expression, ``include/sql/keyword_tokens.sql`` (the body of the macro
``keyword_tokens_of(keyword_text)``): consolidation runs it over each batch of rows and stores the
result, sorted, in the curated column ``keyword_tokens``; the reports read that column, and run the
same macro where a partition was consolidated before the column existed. The reports' SQL says so as
``keyword_tokens_filled(keyword_tokens, text)``: on Athena that is ``COALESCE`` of the column and the
expression inlined (see ``reports/sql.py``); on DuckDB it is the column alone, because the engine's
``messages`` view already computes it for the files without it, and a ``COALESCE`` would make every
scan of the tokens read and decode the texts as well.

The emoji are the same kind of column: ``include/sql/emoji.sql`` (the macro ``emojis_of(text)``), stored
in ``emojis``, read as ``emojis_filled(emojis, text)``. Finding them took 0.6 s of every report build of
30 days (a regular expression over 2.7 million texts); at consolidation it is part of the same pass. Tokenising 2.6 million texts took ~12 s of CPU of
every 30-day report; at consolidation it is under a second of CPU for a day of 100,000 messages.
"""

from __future__ import annotations

import functools

from telegram_pipeline import config

MACRO = "keyword_tokens_of"
PARAMETER = "keyword_text"
COLUMN = "keyword_tokens"
FILLED_MACRO = "keyword_tokens_filled"
EMOJI_MACRO = "emojis_of"
EMOJI_PARAMETER = "text"
EMOJI_COLUMN = "emojis"
EMOJI_FILLED_MACRO = "emojis_filled"


def _without_comments(name: str) -> str:
    lines = config.read_sql(name).splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("--")).strip()


@functools.cache
def expression() -> str:
    """The tokens rule's expression over ``keyword_text``, without its comment lines."""
    return _without_comments("keyword_tokens.sql")


@functools.cache
def emoji_expression() -> str:
    """The emoji rule's expression over ``text``, without its comment lines."""
    return _without_comments("emoji.sql")


def macro_sql(temporary: bool = True) -> str:
    """Both macros, ``keyword_tokens_of`` and ``emojis_of``, in one statement each."""
    kind = "TEMP MACRO" if temporary else "MACRO"
    return (
        f"CREATE OR REPLACE {kind} {MACRO}({PARAMETER}) AS ({expression()}); "
        f"CREATE OR REPLACE {kind} {EMOJI_MACRO}({EMOJI_PARAMETER}) AS ({emoji_expression()})"
    )


@functools.cache
def _connection():
    """One in-memory DuckDB connection per process, the macro defined (consolidation calls this for
    every batch of 10,000 rows; a new connection each time cost as much as the tokenising)."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 1")  # rows come back in their order; the day's processes run in parallel
    con.execute(macro_sql(temporary=False))  # seen by the connection's cursors
    return con


def with_keyword_tokens(table):
    """The curated ``table`` (pyarrow) with its ``keyword_tokens`` column computed from ``keyword_text``
    (the text when that is NULL): each message's distinct tokens, sorted so that the same rows always
    give the same file; NULL where there is no text. And its ``emojis`` from the text, the same way
    (NULL where the text holds none)."""
    import pyarrow as pa

    con = _connection().cursor()  # a cursor per call: safe from several threads
    try:
        con.register("texts", pa.table({"keyword_text": table["keyword_text"], "text": table["text"]}))
        computed = con.execute(
            f"SELECT LIST_SORT({MACRO}(COALESCE(keyword_text, text))) AS {COLUMN}, "
            f"LIST_SORT({EMOJI_MACRO}(text)) AS {EMOJI_COLUMN} FROM texts"
        ).to_arrow_table()
    finally:
        con.close()
    for column in (COLUMN, EMOJI_COLUMN):
        index = table.schema.get_field_index(column)
        field = table.schema.field(index)
        table = table.set_column(index, field, computed[column].cast(field.type))
    return table
