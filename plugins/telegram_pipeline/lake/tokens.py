"""The columns consolidation derives from each message's text, computed once, when its day is
consolidated: ``language``, ``terms`` and ``term_forms`` by the word rule (``text/``), ``emojis`` by
a DuckDB expression.

**Words.** Each process that reads a run of the day's keys guesses every text's language and takes
its terms (``fill_words``, in Python: each distinct text of a batch read once, every step per
distinct word cached); the short texts' guesses carry their script, and the basis and weight of the
guess, in three working columns (a short text after a longer one of its group is read in that one's
language, without the detector). Once the day is one table, ``settled`` gives each short text its
sender's language of the day (``text/language.py``), takes its terms again where that changed the
language, and drops the working columns. The reports
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
            found, row["terms"], row["term_forms"] = read(text, row)
            row["language"] = found.language
        scripts.append(found.script)
        bases.append(found.basis)
        weights.append(found.weight)
    return {SCRIPT: scripts, BASIS: bases, WEIGHT: weights}


class _TextReader:
    """A text's language guess and its terms in it, computed once per distinct text of a batch of rows:
    chat repeats its short texts ("ok", "kkk", "bom dia"), and both steps depend on the text alone. The
    rows of one text share its lists of terms, which nothing changes in place.

    A short text (``text/language.py``'s step 3) is not given to the detector where its sender, or else
    its group, wrote a longer text in its script earlier in the batch: it is read in that text's language
    for now (its weight UNDETECTED). ``settled`` decides it by the whole day and takes its terms again
    where the day says otherwise; the detector's own guess of a short text counts only where its group
    wrote no longer text in its script that day, and there none was read this way."""

    def __init__(self) -> None:
        self.read: dict[str, tuple[language.Guess, list[str] | None, list[str] | None]] = {}
        self.detected: dict[str, tuple[language.Guess, list[str], list[str]]] = {}  # short texts, by the detector
        self.in_language: dict[tuple[str, str], tuple[language.Guess, list[str], list[str]]] = {}
        self.latest: dict[tuple, str] = {}  # (chat, sender, script), (chat, script) -> its latest longer text's

    def __call__(self, text: str, row: dict[str, Any]) -> tuple[language.Guess, list[str] | None, list[str] | None]:
        found = self.read.get(text)
        if found is None:
            guess = language.guess(text, detect_short=False)
            terms = (None, None) if guess.weight == language.UNDETECTED else words.terms_of(text, guess.language)
            found = self.read[text] = (guess, *terms)
        guess = found[0]
        if guess.basis == language.BY_TEXT:
            chat, sender = row["chat_id"], _sender(row)
            self.latest[chat, sender, guess.script] = self.latest[chat, guess.script] = guess.language
        elif guess.weight == language.UNDETECTED:
            found = self._short(text, guess.script, row)
        return found

    def _short(self, text: str, script: str, row: dict[str, Any]) -> tuple[language.Guess, list[str], list[str]]:
        chat = row["chat_id"]
        known = self.latest.get((chat, _sender(row), script)) or self.latest.get((chat, script))
        if known is None:
            found = self.detected.get(text)
            if found is None:
                guess = language.guess(text)
                found = self.detected[text] = (guess, *words.terms_of(text, guess.language))
        else:
            found = self.in_language.get((text, known))
            if found is None:
                guess = language.Guess(known, script, language.BY_SENDER, language.UNDETECTED)
                found = self.in_language[text, known] = (guess, *words.terms_of(text, known))
        return found


def _sender(row: dict[str, Any]):
    return row["user_id"] if row["user_id"] is not None else row["sender_chat_id"]


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

    rows = table.select(["chat_id", "user_id", "sender_chat_id", "keyword_text", "text"]).to_pylist()
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
        chats, senders, scripts, stored = (mine[name].to_pylist() for name in columns)
        guesses, weights = list(stored), table[WEIGHT].take(rows).to_pylist()
        longer_counts = [counted[name].to_pylist() for name in [*columns, "count_all"]]
        groups_with_longer = set(zip(longer_counts[0], longer_counts[2], strict=True))  # (chat, script)
        _detect_where_no_longer_text(table, rows, chats, scripts, guesses, weights, groups_with_longer)
        known = language.Known.of(zip(*longer_counts, strict=True), zip(chats, scripts, guesses, weights, strict=True))
        changed = []
        for row, chat, sender, script, guessed, language_now in zip(
            rows, chats, senders, scripts, guesses, stored, strict=True
        ):
            settled_language = known.settle(chat, sender, script, guessed)
            if settled_language != language_now:
                changed.append((row, settled_language))
        if changed:
            table = _with_words_of(table, changed)
    return table.drop_columns(list(WORKING_COLUMNS))


def _detect_where_no_longer_text(table, rows, chats, scripts, guesses, weights, longer: set) -> None:
    """The detector's guess (in ``guesses`` and ``weights``) of each short text read without it in a
    group and script with no longer text in the day (``longer``): the batch that read it held one,
    since dropped as a duplicate of an update another run read."""
    import pyarrow.compute as pc

    undetected = [
        position
        for position, weight in enumerate(weights)
        if weight == language.UNDETECTED and (chats[position], scripts[position]) not in longer
    ]
    if undetected:
        texts = pc.coalesce(table["keyword_text"], table["text"]).take([rows[p] for p in undetected]).to_pylist()
        for position, text in zip(undetected, texts, strict=True):
            own = language.guess(text)
            guesses[position], weights[position] = own.language, own.weight


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
