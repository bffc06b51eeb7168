"""The report SQL: written once for DuckDB in ``include/sql/reports/``; the Athena (Trino) text is
generated from it with sqlglot, committed under ``include/sql/reports/athena/``, and bound at run time."""

from __future__ import annotations

from collections.abc import Iterable

from telegram_pipeline import config
from telegram_pipeline.reports import stopwords
from telegram_pipeline.reports.definitions import COUNTED_MESSAGES, REPORTS, ReportRange


def source_sql(name: str) -> str:
    return config.read_sql(f"reports/{name}.sql")


def athena_sql(name: str) -> str:
    """The committed Athena (Trino) text of a report, with ``:name`` parameters."""
    return config.read_sql(f"reports/athena/{name}.sql")


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


ATHENA_HEADER = (
    "-- Generated from include/sql/reports/{name}.sql and counted_messages.sql by sqlglot (Trino dialect).\n"
    "-- Do not edit: run `python -m telegram_pipeline report --write-athena-sql` after changing the DuckDB SQL.\n"
    "-- Parameters (:name) and the tables stopwords(word) / tracked_keywords(keyword) are bound at run time.\n"
)


def _with_counted_messages(report: str):
    """The report's DuckDB SQL as one statement, ``counted_messages`` inlined as its first CTE."""
    import sqlglot
    from sqlglot import exp

    query = sqlglot.parse_one(source_sql(report), read="duckdb")
    counted = exp.CTE(
        this=sqlglot.parse_one(source_sql(COUNTED_MESSAGES), read="duckdb"),
        alias=exp.TableAlias(this=exp.to_identifier(COUNTED_MESSAGES)),
    )
    with_ = query.args.get("with_") or query.args.get("with")
    if with_ is None:
        query.set("with_" if "with_" in query.arg_types else "with", exp.With(expressions=[counted]))
    else:
        with_.set("expressions", [counted, *with_.expressions])
    return query


def generated_athena_sql(report: str) -> str:
    text = _with_counted_messages(report).sql(dialect=_athena_dialect(), pretty=True)
    return ATHENA_HEADER.format(name=report) + text + "\n"


def write_athena_sql() -> list[str]:
    folder = config.sql_dir() / "reports" / "athena"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for report in REPORTS:
        path = folder / f"{report}.sql"
        path.write_text(generated_athena_sql(report), encoding="utf-8")
        written.append(str(path))
    return written


def _words_subquery(column: str, words: Iterable[str]):
    """``(SELECT column FROM (VALUES ...))``, or an empty relation of one VARCHAR column."""
    import sqlglot
    from sqlglot import exp

    words = sorted(set(words))
    if not words:
        return sqlglot.parse_one(f"SELECT CAST(NULL AS VARCHAR) AS {column} WHERE FALSE", read="trino")
    values = exp.values([(w,) for w in words], alias="t", columns=[column])
    return exp.select(column).from_(values)


def rendered_athena_sql(report: str, rng: ReportRange, words: Iterable[str] | None = None) -> str:
    """The exact text sent to Athena: the committed SQL with its parameters and word lists bound."""
    import sqlglot
    from sqlglot import exp

    params = rng.params()
    query = sqlglot.parse_one(athena_sql(report), read="trino")

    def bind(node):
        if isinstance(node, exp.Placeholder) and node.name in params:
            value = params[node.name]
            if isinstance(value, bool):
                return exp.Boolean(this=value)
            if isinstance(value, int):
                return exp.Literal.number(value)
            return exp.Literal.string(value)
        if isinstance(node, exp.Table) and not node.args.get("db") and node.name in {"stopwords", "tracked_keywords"}:
            column, chosen = (
                ("word", stopwords.ALL if words is None else words)
                if node.name == "stopwords"
                else ("keyword", rng.tracked_keywords)
            )
            return exp.Subquery(
                this=_words_subquery(column, chosen), alias=exp.TableAlias(this=exp.to_identifier(node.alias_or_name))
            )
        return node

    bound = query.transform(bind)
    missing = sorted({p.name for p in bound.find_all(exp.Placeholder)})
    if missing:
        raise ValueError(f"{report}: unbound Athena parameters {missing}")
    return bound.sql(dialect=_athena_dialect())
