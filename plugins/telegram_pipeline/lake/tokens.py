"""The keyword tokens and the emoji of each message, computed once, when its day is consolidated.

Each is a rule written as one DuckDB expression (``include/sql/keyword_tokens.sql``, the body of the
macro ``keyword_tokens_of(keyword_text)``; ``include/sql/emoji.sql``, ``emojis_of(text)``):
consolidation runs it over each batch of rows and stores the result, sorted, in its curated column
(``keyword_tokens``, ``emojis``); the reports read that column, and run the same macro where a
partition was consolidated before the column existed. The reports' SQL says so as
``keyword_tokens_filled(keyword_tokens, text)`` (``emojis_filled`` likewise): on Athena that is
``COALESCE`` of the column and the expression inlined (see ``reports/sql.py``); on DuckDB it is the
column alone, because the engine's ``messages`` view already computes it for the files without it,
and a ``COALESCE`` would make every scan of the column read and decode the texts as well.

Tokenising 2.6 million texts took ~12 s of CPU of every 30-day report, finding their emoji 0.6 s; at
consolidation both are under a second of CPU for a day of 100,000 messages.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from telegram_pipeline import config


@dataclass(frozen=True)
class Rule:
    """A column consolidation derives from a message's text, by the expression in ``file``."""

    column: str  # the curated column it fills
    macro: str  # the DuckDB macro of the rule
    parameter: str  # the macro's one parameter, as the expression names it
    source: str  # what a curated row passes to it
    file: str

    @property
    def filled_macro(self) -> str:
        """``<column>_filled(stored, source)``: the stored column, or the rule where it is missing."""
        return f"{self.column}_filled"

    def expression(self) -> str:
        """The rule's expression over ``parameter``, without its comment lines."""
        return _expression(self.file)

    def macro_sql(self, temporary: bool = True) -> str:
        kind = "TEMP MACRO" if temporary else "MACRO"
        return f"CREATE OR REPLACE {kind} {self.macro}({self.parameter}) AS ({self.expression()})"


TOKENS = Rule(
    "keyword_tokens", "keyword_tokens_of", "keyword_text", "COALESCE(keyword_text, text)", "keyword_tokens.sql"
)
EMOJI = Rule("emojis", "emojis_of", "text", "text", "emoji.sql")
RULES = (TOKENS, EMOJI)


@functools.cache
def _expression(name: str) -> str:
    lines = config.read_sql(name).splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("--")).strip()


def macro_sql(temporary: bool = True) -> str:
    """Every rule's macro, one statement each."""
    return "; ".join(rule.macro_sql(temporary) for rule in RULES)


@functools.cache
def _connection():
    """One in-memory DuckDB connection per process, the macros defined (consolidation calls this for
    every batch of 10,000 rows; a new connection each time cost as much as the tokenising)."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 1")  # rows come back in their order; the day's processes run in parallel
    con.execute(macro_sql(temporary=False))  # seen by the connection's cursors
    return con


def with_derived_columns(table):
    """The curated ``table`` (pyarrow) with every rule's column computed: ``keyword_tokens`` from
    ``keyword_text`` (the text when that is NULL), NULL where there is no text; ``emojis`` from the
    text, NULL where it holds none. Each list sorted, so that the same rows always give the same file."""
    import pyarrow as pa

    con = _connection().cursor()  # a cursor per call: safe from several threads
    try:
        con.register("texts", pa.table({"keyword_text": table["keyword_text"], "text": table["text"]}))
        selected = ", ".join(f"LIST_SORT({rule.macro}({rule.source})) AS {rule.column}" for rule in RULES)
        computed = con.execute(f"SELECT {selected} FROM texts").to_arrow_table()
    finally:
        con.close()
    for rule in RULES:
        index = table.schema.get_field_index(rule.column)
        field = table.schema.field(index)
        table = table.set_column(index, field, computed[rule.column].cast(field.type))
    return table
