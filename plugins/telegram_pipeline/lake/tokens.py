"""The columns consolidation derives from each message's text, computed once, when its day is
consolidated: ``language``, ``terms`` and ``term_forms`` by the word rule (``text/``), ``emojis`` by
a DuckDB expression.

**Words.** Each process that reads a run of the day's keys guesses every text's language and takes
its terms (``fill_words``, in Python: each distinct text of a batch read once, every step per
distinct word cached); the short texts' guesses carry their script, and the basis and weight of the
guess, in three working columns. Once the day is one table, ``settled`` gives each short text its
sender's language of the day (``text/language.py``), takes its terms again where that changed the language, and drops the working columns. The reports
read the stored terms only: a partition written before them is consolidated again (the parser
version says so), never taken apart in SQL.

**Emoji.** A rule written as one DuckDB expression (``include/sql/emoji.sql``, the body of the macro
``emojis_of(text)``): consolidation runs it over each batch of rows and stores the result, sorted, in
``emojis``; the reports read that column, and run the same macro where a partition was consolidated
before the column existed: ``emojis_filled(emojis, text)``, on Athena ``COALESCE`` of the column and
the expression inlined (``reports/sql.py``); on DuckDB the column alone, because the engine's
``messages`` view already computes it for the files without it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.text import language, words

# The working columns the reading processes add for ``settled``.
SCRIPT, BASIS, WEIGHT = "_script", "_basis", "_weight"
WORKING_COLUMNS = (SCRIPT, BASIS, WEIGHT)


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


EMOJI = Rule("emojis", "emojis_of", "text", "text", "emoji.sql")
RULES = (EMOJI,)


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
    every batch of rows; a new connection each time cost as much as the rule)."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 1")  # rows come back in their order; the day's processes run in parallel
    con.execute(macro_sql(temporary=False))  # seen by the connection's cursors
    return con


def with_derived_columns(table):
    """The curated ``table`` (pyarrow) with every rule's column computed: ``emojis`` from the text,
    NULL where it holds none, each list sorted, so that the same rows always give the same file."""
    import pyarrow as pa

    con = _connection().cursor()  # a cursor per call: safe from several threads
    try:
        con.register("texts", pa.table({"text": table["text"]}))
        selected = ", ".join(f"LIST_SORT({rule.macro}({rule.source})) AS {rule.column}" for rule in RULES)
        computed = con.execute(f"SELECT {selected} FROM texts").to_arrow_table()
    finally:
        con.close()
    for rule in RULES:
        index = table.schema.get_field_index(rule.column)
        field = table.schema.field(index)
        table = table.set_column(index, field, computed[rule.column].cast(field.type))
    return table


def _words_source(row: dict[str, Any]) -> str | None:
    return row["text"] if row["keyword_text"] is None else row["keyword_text"]


def fill_words(rows: list[dict[str, Any]]) -> dict[str, list]:
    """Each row's ``language``, ``terms`` and ``term_forms`` on its own text (rows change in place);
    returns the working columns for ``settled``: each row's script, and the basis and weight of its
    language."""
    scripts, bases, weights = [], [], []
    read = _TextReader()
    for row in rows:
        text = _words_source(row)
        if text is None:
            found = language.NO_LETTERS
        else:
            found, row["terms"], row["term_forms"] = read(text)
            row["language"] = found.language
        scripts.append(found.script)
        bases.append(found.basis)
        weights.append(found.weight)
    return {SCRIPT: scripts, BASIS: bases, WEIGHT: weights}


class _TextReader:
    """A text's language guess and its terms in it, computed once per distinct text of a batch of rows:
    chat repeats its short texts ("ok", "kkk", "bom dia"), and both steps depend on the text alone. The
    rows of one text share its lists of terms, which nothing changes in place."""

    def __init__(self) -> None:
        self.read: dict[str, tuple[language.Guess, list[str], list[str]]] = {}

    def __call__(self, text: str) -> tuple[language.Guess, list[str], list[str]]:
        found = self.read.get(text)
        if found is None:
            guess = language.guess(text)
            found = self.read[text] = (guess, *words.terms_of(text, guess.language))
        return found


def with_working_columns(table, working: dict[str, list]):
    import pyarrow as pa

    types = {SCRIPT: pa.string(), BASIS: pa.int8(), WEIGHT: pa.float32()}
    for name, values in working.items():
        table = table.append_column(name, pa.array(values, types[name]))
    return table


def with_words(table):
    """``table`` (curated rows of one day, timestamps and all) with ``language``, ``terms`` and
    ``term_forms`` computed as consolidation computes them: for test lakes and generated ones."""
    import pyarrow as pa

    rows = table.select(["keyword_text", "text"]).to_pylist()
    for row in rows:
        row.update(language=None, terms=None, term_forms=None)
    working = fill_words(rows)
    for name in ("language", "terms", "term_forms"):
        index = table.schema.get_field_index(name)
        field = table.schema.field(index)
        table = table.set_column(index, field, pa.array([row[name] for row in rows], field.type))
    return settled(with_working_columns(table, working))


def settled(table):
    """The day's ``table`` with every short text's language and terms settled by its sender's other
    texts (``text/language.py``), and the working columns dropped."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if SCRIPT not in table.column_names:
        return table
    if not table.num_rows:  # (indices_nonzero of an array of no chunks crashes pyarrow 25)
        return table.drop_columns(list(WORKING_COLUMNS))
    short = pc.equal(table[BASIS].combine_chunks(), language.BY_SENDER)
    rows = pc.indices_nonzero(short).to_pylist()
    if rows:
        columns = ["chat_id", "sender", SCRIPT, "language"]
        everyone = pa.table(
            {
                "chat_id": table["chat_id"],
                "sender": pc.coalesce(table["user_id"], table["sender_chat_id"]),
                SCRIPT: table[SCRIPT],
                "language": table["language"],
            }
        )
        longer = everyone.filter(pc.equal(table[BASIS], language.BY_TEXT))
        counted = longer.group_by(columns, use_threads=False).aggregate([([], "count_all")])
        mine = everyone.take(rows)
        weights = table[WEIGHT].take(rows)
        known = language.Known.of(
            zip(*(counted[name].to_pylist() for name in [*columns, "count_all"]), strict=True),
            zip(
                *(column.to_pylist() for column in (mine["chat_id"], mine[SCRIPT], mine["language"], weights)),
                strict=True,
            ),
        )
        changed = []
        for row, chat, sender, script, guessed in zip(rows, *(mine[name].to_pylist() for name in columns), strict=True):
            settled_language = known.settle(chat, sender, script, guessed)
            if settled_language != guessed:
                changed.append((row, settled_language))
        if changed:
            table = _with_words_of(table, changed)
    return table.drop_columns(list(WORKING_COLUMNS))


def _with_words_of(table, changed: list[tuple[int, str | None]]):
    """``table`` with the rows ``changed`` (row, language), in row order, given that language and its
    terms again. The columns are not copied: each becomes the slices between the changed rows, and the
    changed rows' new values, as chunks."""
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = pc.coalesce(table["keyword_text"], table["text"]).take([row for row, _ in changed]).to_pylist()
    replaced: dict[str, list] = {"language": [], "terms": [], "term_forms": []}
    for (_, lang), text in zip(changed, texts, strict=True):
        terms, forms = words.terms_of(text, lang)
        replaced["language"].append(lang)
        replaced["terms"].append(terms)
        replaced["term_forms"].append(forms)
    for name, values in replaced.items():
        index = table.schema.get_field_index(name)
        field = table.schema.field(index)
        column, new = table[name], pa.array(values, field.type)
        chunks, start = [], 0
        for position, (row, _) in enumerate(changed):
            chunks += [*column.slice(start, row - start).chunks, new.slice(position, 1)]
            start = row + 1
        chunks += column.slice(start).chunks
        table = table.set_column(index, field, pa.chunked_array(chunks, field.type))
    return table
