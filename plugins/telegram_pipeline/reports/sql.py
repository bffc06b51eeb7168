"""The report SQL: written once for DuckDB in ``include/sql/reports/``; the Athena (Trino) text is
generated from it with sqlglot, committed under ``include/sql/generated/athena/reports/``, and bound at run time.

A report names the stages it reads (``counted_messages``, ``replies``, …) as tables. DuckDB builds
each stage once per span; for Athena each report becomes one statement with the stages it needs,
directly or through other stages, inlined as CTEs in build order.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.lake import tokens
from telegram_pipeline.reports import local_time, macros
from telegram_pipeline.reports.definitions import (
    BOUND_TABLES,
    RANGE_STAGES,
    REPORTS,
    STAGES,
    ReportRange,
    Span,
)
from telegram_pipeline.text import words

BUILD_ORDER: tuple[str, ...] = (*STAGES, *RANGE_STAGES)

# Generated files live apart, under include/sql/generated/ (see .gitattributes).
ATHENA_SQL_FOLDER = "generated/athena/reports"


def source_sql(name: str) -> str:
    return config.read_sql(f"reports/{name}.sql")


def athena_sql(name: str) -> str:
    """The committed Athena (Trino) text of a report, with ``:name`` parameters."""
    return config.read_sql(f"{ATHENA_SQL_FOLDER}/{name}.sql")


@functools.cache
def _athena_dialect():
    from sqlglot import exp
    from sqlglot.dialects.trino import Trino

    # Not named Athena: sqlglot registers a dialect under its class name, and this one would then
    # replace sqlglot's own "athena" (Hive DDL included) for every later parse in the process.
    class AthenaQueries(Trino):
        class Generator(Trino.Generator):
            # Athena documents the standard AT TIME ZONE operator; sqlglot writes Trino's at_timezone().
            TRANSFORMS = {
                **Trino.Generator.TRANSFORMS,
                exp.AtTimeZone: lambda self, e: f"{self.sql(e, 'this')} AT TIME ZONE {self.sql(e, 'zone')}",
            }

    return AthenaQueries


@functools.cache
def _parsed(name: str):
    import sqlglot

    return sqlglot.parse_one(source_sql(name), read="duckdb")


def references(name: str) -> list[str]:
    """The stages (and range stages) the SQL of ``name`` reads directly, in build order."""
    from sqlglot import exp

    query = _parsed(name)
    own = {cte.alias_or_name for cte in query.find_all(exp.CTE)}
    read = {table.name for table in query.find_all(exp.Table) if not table.args.get("db")} - own - {name}
    return [stage for stage in BUILD_ORDER if stage in read]


def dependencies(names: Iterable[str]) -> list[str]:
    """Every stage ``names`` read, directly or through other stages, in build order."""
    needed: set[str] = set()
    pending = list(names)
    while pending:
        for stage in references(pending.pop()):
            if stage not in needed:
                needed.add(stage)
                pending.append(stage)
    return [stage for stage in BUILD_ORDER if stage in needed]


ATHENA_HEADER = (
    "-- Generated from include/sql/reports/{name}.sql and the stages it reads ({stages}) by sqlglot\n"
    "-- (Trino dialect). Do not edit: run `python -m telegram_pipeline report --write-athena-sql` after\n"
    "-- changing the DuckDB SQL. Parameters (:name) and the tables {bound} are bound at run time.\n"
)


def _with_stages(report: str):
    """The report's DuckDB SQL as one statement, the stages it needs inlined as its first CTEs."""
    from sqlglot import exp

    query = _parsed(report).copy()
    ctes = [
        exp.CTE(this=_parsed(stage).copy(), alias=exp.TableAlias(this=exp.to_identifier(stage)))
        for stage in dependencies([report])
    ]
    key = "with_" if "with_" in query.arg_types else "with"
    with_ = query.args.get(key)
    if with_ is None:
        query.set(key, exp.With(expressions=ctes))
    else:
        with_.set("expressions", [*ctes, *with_.expressions])
    return query


def _inline_macros(query):
    """The DuckDB macros written out for Athena, which has none: ``emojis_of(x)`` (lake/tokens.py), and the
    report macros (reports/macros.py), as their expressions over their arguments; ``emojis_filled(stored, x)`` as
    ``COALESCE(stored, emojis_of(x))``; ``local_time_of(ts, tz)`` (reports/local_time.py) as ``ts AT TIME
    ZONE tz``."""
    import sqlglot
    from sqlglot import exp

    rules = {rule.macro: rule for rule in tokens.RULES}
    filled = {rule.filled_macro: rule for rule in tokens.RULES}
    bodies = {rule.macro: sqlglot.parse_one(rule.expression(), read="duckdb") for rule in tokens.RULES}
    report_macros = {macro.name: macro for macro in macros.MACROS}
    bodies.update({macro.name: sqlglot.parse_one(macro.expression(), read="duckdb") for macro in macros.MACROS})

    def applied(name, parameters, arguments):
        by_parameter = dict(zip(parameters, arguments, strict=True))
        return (
            bodies[name]
            .copy()
            .transform(
                lambda n: (
                    by_parameter[n.name].copy()
                    if isinstance(n, exp.Column) and not n.table and n.name in by_parameter
                    else n
                )
            )
        )

    def expand(node):
        name = node.name.lower() if isinstance(node, exp.Anonymous) else None
        if name in rules:
            return applied(name, (rules[name].parameter,), node.expressions)
        if name in report_macros:
            return exp.Paren(this=applied(name, report_macros[name].parameters, node.expressions))
        if name in filled:
            stored, source = node.expressions
            rule = filled[name]
            return exp.Coalesce(this=stored.copy(), expressions=[applied(rule.macro, (rule.parameter,), [source])])
        if name == local_time.MACRO:
            instant, zone = node.expressions
            return exp.AtTimeZone(this=instant.copy(), zone=zone.copy())
        return node

    return query.transform(expand)


UNNESTED = "unnested"


def _unnests_side_by_side(query):
    """DuckDB's UNNESTs in a select list (``SELECT id, UNNEST(a) AS x, UNNEST(b) AS y FROM t``: the lists
    unnested side by side, in one pass) written as Trino's ``FROM t CROSS JOIN UNNEST(a, b) AS
    unnested(x, y)``, which means the same (shorter lists padded with NULL, a NULL or empty list no row).
    sqlglot's own rewrite pairs every element with every other by their positions: n² rows a list."""
    from sqlglot import exp

    def rewrite(node):
        if not isinstance(node, exp.Select):
            return node
        unnested = [p for p in node.selects if isinstance(p, exp.Alias) and isinstance(p.this, exp.Explode)]
        if not unnested:
            return node
        others = [p for p in node.selects if not (isinstance(p, exp.Alias) and isinstance(p.this, exp.Explode))]
        source = node.args.get("from_" if "from_" in node.arg_types else "from")
        if any(p.find(exp.Explode) for p in others) or source is None:
            raise ValueError(
                f"UNNEST in a select list is written for Athena only as `UNNEST(list) AS name`: {node.sql()}"
            )
        side_by_side = exp.Unnest(
            expressions=[p.this.this.copy() for p in unnested],
            alias=exp.TableAlias(this=exp.to_identifier(UNNESTED), columns=[p.args["alias"].copy() for p in unnested]),
        )
        for projection in unnested:
            projection.set("this", exp.column(projection.alias, table=UNNESTED))
        return node.join(side_by_side, join_type="cross", copy=False)

    return query.transform(rewrite)


def generated_athena_sql(report: str) -> str:
    text = _unnests_side_by_side(_inline_macros(_with_stages(report))).sql(dialect=_athena_dialect(), pretty=True)
    header = ATHENA_HEADER.format(
        name=report,
        stages=", ".join(dependencies([report])) or "none",
        bound=" / ".join(f"{table}({', '.join(columns)})" for table, columns in BOUND_TABLES.items()),
    )
    return header + text + "\n"


def write_athena_sql() -> list[str]:
    folder = config.sql_dir() / ATHENA_SQL_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stale in folder.glob("*.sql"):
        if stale.stem not in REPORTS:
            stale.unlink()
    for report in REPORTS:
        path = folder / f"{report}.sql"
        path.write_text(generated_athena_sql(report), encoding="utf-8")
        written.append(str(path))
    return written


def _values_subquery(columns: Sequence[str], rows: Iterable[Sequence]):
    """``(SELECT columns FROM (VALUES ...))``, or an empty relation of those columns."""
    import sqlglot
    from sqlglot import exp

    rows = sorted(set(map(tuple, rows)))
    if not rows:
        nulls = ", ".join(
            f"CAST(NULL AS {'BIGINT' if column.endswith('_id') else 'VARCHAR'}) AS {column}" for column in columns
        )
        return sqlglot.parse_one(f"SELECT {nulls} WHERE FALSE", read="trino")
    values = exp.values(rows, alias="t", columns=list(columns))
    return exp.select(*columns).from_(values)


def tracked_rows(keywords: Iterable[str]) -> list[tuple[str, str]]:
    """(keyword, term) for each term a tracked keyword has in a language of its script (text/words.py);
    ("keyword", "") for one without any, which is still reported, at zero."""
    return [(keyword, term) for keyword in keywords for term in (words.query(keyword).terms or [""])]


def bound_rows(span: Span, markers: Iterable[tuple[int, int]] = ()):
    """The rows of each table bound at run time. The first days of the span's ranges (they end on the
    same day) cut the days whose terms it counts into the buckets of text_days."""
    rng = span.ranges[0]
    # the last day and the first of the days before it that surges compare it with are cuts too
    cuts = sorted({*(r.first for r in span.ranges), rng.last, span.surge_first})
    days = (span.terms_first + timedelta(days=n) for n in range((rng.last - span.terms_first).days + 1))
    return {
        "tracked_keywords": tracked_rows(rng.tracked_keywords),
        "migration_markers": list(markers),
        "text_days": [(day.isoformat(), max(c for c in cuts if c <= day).isoformat()) for day in days],
    }


def rendered_athena_sql(
    report: str,
    rng: ReportRange,
    markers: Iterable[tuple[int, int]] = (),
) -> str:
    """The exact text sent to Athena: the committed SQL with its parameters and bound tables inlined
    (``markers``: the webhook's migration markers, (old chat id, new chat id)). The text is the one
    sqlglot writes from the parsed tree with the values put in; it is written once per report and
    kind of value, each value a mark there, and a render puts each value's own text in its mark's
    place (a report's tree took sqlglot a quarter of a second to write, 72 of them a day)."""
    params = rng.params()
    template = _athena_template(athena_sql(report), _kinds(params))
    missing = sorted(template.placeholders - params.keys())
    if missing:
        raise ValueError(f"{report}: unbound Athena parameters {missing}")
    rows: Mapping[str, list] = bound_rows(Span([rng]), markers)
    dialect = _athena_dialect()
    texts = {mark: _literal(params[name]).sql(dialect=dialect) for mark, name in template.params.items()}
    texts |= {
        mark: f"({_values_subquery(BOUND_TABLES[table], rows[table]).sql(dialect=dialect)})"
        for mark, table in template.tables.items()
    }
    return template.marks.sub(lambda found: texts[found.group(0)], template.text)


def _literal(value):
    """A parameter's value as the SQL literal it is bound as."""
    from sqlglot import exp

    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(value)
    return exp.Literal.string(value)


def _kinds(params: Mapping[str, Any]) -> tuple[tuple[str, object], ...]:
    """What a template is written for: each parameter's kind of literal (a number or a string, a mark
    in the template), a boolean's own value (two of them, written in)."""
    return tuple(
        sorted(
            (name, value if isinstance(value, bool) else "number" if isinstance(value, int) else "string")
            for name, value in params.items()
        )
    )


@dataclass(frozen=True)
class _Template:
    text: str
    marks: re.Pattern  # every mark of the text
    params: dict[str, str]  # mark -> parameter
    tables: dict[str, str]  # mark -> bound table
    placeholders: frozenset[str]  # every parameter the text names


# A mark is a literal no report writes: numbers of 19 digits from here, strings and names with this prefix.
_NUMBER_MARK = 8_675_309_000_000_000_000
_MARK_PREFIX = "zz_bound_"


@functools.lru_cache(maxsize=64)
def _athena_template(text: str, kinds: tuple[tuple[str, object], ...]) -> _Template:
    """The report's Athena text as sqlglot writes it bound, each parameter of a number or string kind
    a literal mark of that kind, each bound table a table named by a mark (``mark AS alias``, where the
    bound text has ``(subquery) AS alias``)."""
    from sqlglot import exp

    kind_of = dict(kinds)
    params: dict[str, str] = {}
    tables: dict[str, str] = {}

    def mark(node):
        if isinstance(node, exp.Placeholder) and node.name in kind_of:
            kind = kind_of[node.name]
            if isinstance(kind, bool):
                return exp.Boolean(this=kind)
            if kind == "number":
                literal = exp.Literal.number(_NUMBER_MARK + len(params))
            else:
                literal = exp.Literal.string(f"{_MARK_PREFIX}{len(params)}")
            params[literal.sql()] = node.name
            return literal
        if isinstance(node, exp.Table) and not node.args.get("db") and node.name in BOUND_TABLES:
            name = f"{_MARK_PREFIX}table_{len(tables)}"
            tables[name] = node.name
            return exp.Table(
                this=exp.to_identifier(name), alias=exp.TableAlias(this=exp.to_identifier(node.alias_or_name))
            )
        return node

    parsed = _parsed_athena(text)
    written = parsed.transform(mark).sql(dialect=_athena_dialect(), copy=False)
    marks = [*params, *tables]
    lost = [found for found in marks if found not in written]
    if lost:  # sqlglot wrote a value otherwise than as its literal: a render would leave it out
        raise ValueError(f"marks not in the written text: {lost}")
    return _Template(
        text=written,
        marks=re.compile("|".join(map(re.escape, sorted(marks, key=len, reverse=True))) or "(?!)"),
        params=params,
        tables=tables,
        placeholders=frozenset(p.name for p in parsed.find_all(exp.Placeholder)),
    )


@functools.lru_cache(maxsize=64)
def _parsed_athena(text: str):
    """The parsed tree of a report's Athena text, which callers never change (``transform`` copies it):
    the reports DAG renders each report once per window, and parsing was 40 % of a render."""
    import sqlglot

    return sqlglot.parse_one(text, read="trino")
