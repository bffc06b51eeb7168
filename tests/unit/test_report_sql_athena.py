"""The Athena SQL: generated from the DuckDB SQL, committed, valid Trino, and (transpiled back to
DuckDB) giving the DuckDB engine's results on the same data; the Athena engine's calls against moto."""

from __future__ import annotations

import duckdb
import pytest
import sqlglot
from telegram_pipeline.reports import definitions, macros, sql

from tests.support.curated_scenario import FIRST, LAST

DUCKDB_ONLY = ("$", "ISODOW", "GENERATE_SERIES", "ARG_MAX", "AT_TIMEZONE", "'g')")


@pytest.mark.parametrize("report", definitions.REPORTS)
def test_committed_athena_sql_is_the_generated_text(report):
    assert sql.athena_sql(report) == sql.generated_athena_sql(report), (
        "regenerate with: python -m telegram_pipeline report --write-athena-sql"
    )


def test_every_stage_is_read_and_listed_in_build_order():
    """DuckDB builds every stage of STAGES in its order without parsing the SQL: each must be read by
    some report, and come after the stages it reads."""
    stages = definitions.STAGES
    assert [stage for stage in sql.dependencies(definitions.REPORTS) if stage in stages] == list(stages)
    for stage in stages:
        for read in sql.references(stage):
            assert list(sql.BUILD_ORDER).index(read) < list(sql.BUILD_ORDER).index(stage), (stage, read)


def bound_by_sqlglot(report: str, rng: definitions.ReportRange, markers) -> str:
    """The Athena text with the values put into sqlglot's tree, then written: what a render gives."""
    params, rows = rng.params(), sql.bound_rows(definitions.Span([rng]), markers)

    def bind(node):
        if isinstance(node, sqlglot.exp.Placeholder):
            return sql._literal(params[node.name])
        if isinstance(node, sqlglot.exp.Table) and not node.args.get("db") and node.name in definitions.BOUND_TABLES:
            return sqlglot.exp.Subquery(
                this=sql._values_subquery(definitions.BOUND_TABLES[node.name], rows[node.name]),
                alias=sqlglot.exp.TableAlias(this=sqlglot.exp.to_identifier(node.alias_or_name)),
            )
        return node

    tree = sqlglot.parse_one(sql.athena_sql(report), read="trino")
    return tree.transform(bind).sql(dialect=sql._athena_dialect())


@pytest.mark.parametrize("report", definitions.REPORTS)
def test_athena_sql_is_trino(report):
    rng = definitions.ReportRange(FIRST, LAST, timezone="America/Sao_Paulo", tracked_keywords=("python", "it's"))
    markers = [(-4012345678, -1002345678901)]
    assert sql.rendered_athena_sql(report, rng, markers) == bound_by_sqlglot(report, rng, markers)
    for text in (sql.athena_sql(report), sql.rendered_athena_sql(report, rng)):
        parsed = sqlglot.parse_one(text, read="trino", error_level=sqlglot.ErrorLevel.RAISE)
        assert isinstance(parsed, sqlglot.exp.Query)
        body = text.split("\n", 3)[-1]
        assert not [word for word in DUCKDB_ONLY if word in body]
    rendered = sql.rendered_athena_sql(report, rng)
    assert ":" + "from_date" not in rendered
    # join_sources reads days only as the partitions name them (each update's day in the zone already)
    assert "AT TIME ZONE 'America/Sao_Paulo'" in rendered or report == "join_sources"


def test_rendered_parameters_are_literals_not_code():
    rng = definitions.ReportRange(FIRST, LAST, tracked_keywords=("it's'; DROP TABLE messages; --",))
    text = sql.rendered_athena_sql("keywords", rng)
    assert "'it''s''; DROP TABLE messages; --'" in text
    assert len(sqlglot.parse(text, read="trino")) == 1


def test_a_render_leaves_the_parsed_text_as_it_was_for_the_next():
    """Each report's Athena text is parsed, and written with marks, once per process; every render puts
    its own values in a copy of it."""
    reports = ("chats", "keywords", "members")  # the migration markers, the tracked keywords, the zone
    first = definitions.ReportRange(FIRST, LAST, tracked_keywords=("python",))
    second = definitions.ReportRange(LAST, LAST, timezone="America/Sao_Paulo", tracked_keywords=("rust",))
    markers = [(-4012345678, -1002345678901)]
    after_others = [sql.rendered_athena_sql(report, rng, markers) for rng in (first, second) for report in reports]
    alone = []
    for rng in (first, second):
        for report in reports:
            sql._parsed_athena.cache_clear()
            sql._athena_template.cache_clear()
            alone.append(sql.rendered_athena_sql(report, rng, markers))
    assert after_others == alone
    assert sql.rendered_athena_sql("keywords", first) != sql.rendered_athena_sql("keywords", second)


def test_lists_unnested_side_by_side_are_one_unnest_for_athena():
    """DuckDB unnests a select list's lists side by side in one pass; Athena gets Trino's UNNEST of several
    arrays, which zips them the same way (the shorter padded with NULL, a NULL or empty list no row),
    rather than sqlglot's own rewrite, which pairs every position with every other."""
    duckdb_sql = "SELECT id, UNNEST(a) AS x, UNNEST(b) AS y FROM t WHERE id > 0"
    athena = sql._unnests_side_by_side(sqlglot.parse_one(duckdb_sql, read="duckdb")).sql(dialect="trino")
    assert athena == (
        "SELECT id, unnested.x AS x, unnested.y AS y FROM t CROSS JOIN UNNEST(a, b) AS unnested(x, y) WHERE id > 0"
    )
    assert "CROSS JOIN UNNEST(v.terms, v.term_forms) AS unnested(keyword, form)" in sql.athena_sql("keywords")
    assert "AS _u(pos)" not in sql.athena_sql("keywords")  # sqlglot's rewrite
    # DuckDB's side of the equivalence, run here (Trino's is its documented UNNEST of several arrays)
    rows = duckdb.sql(
        "SELECT id, UNNEST(a) AS x, UNNEST(b) AS y FROM (VALUES (1, [1, 2], ['p']), (2, [], []), (3, NULL, NULL)) "
        "AS t(id, a, b) ORDER BY id, x"
    ).fetchall()
    assert rows == [(1, 1, "p"), (1, 2, None)]
    with pytest.raises(ValueError, match="UNNEST in a select list"):
        sql._unnests_side_by_side(sqlglot.parse_one("SELECT UNNEST(a) + 1 AS x, UNNEST(b) AS y FROM t", read="duckdb"))


def test_who_is_a_member_is_one_rule_in_duckdb_and_written_out_for_athena():
    """is_member(sender_id, chat_id, origin_chat_id), the one rule members, daily_posters and retention
    ask, gives the same answer as a DuckDB macro and as the expression Athena gets in its place, with its
    arguments in the places of its parameters (whatever the columns are called)."""
    cases = [
        # (sender, chat, origin): member?
        ((7, -1001, -1001), True),  # a person in a supergroup
        ((-1001, -1001, -1001), False),  # the group itself: its anonymous admins
        ((-4002, -1001, -4002), False),  # the group under its basic group's id, from before it moved
        ((None, -1001, -1001), False),  # an unknown sender
        ((42, 42, 42), True),  # a private chat: its id is its person's
        ((7, 42, 42), True),  # the account's owner in it
        ((None, 42, 42), False),  # an unknown sender there too
    ]
    values = ", ".join("(" + ", ".join("NULL" if v is None else str(v) for v in args) + ")" for args, _ in cases)
    query = f"SELECT is_member(s, g, o) AS member FROM (VALUES {values}) AS t(s, g, o)"
    athena = sql._inline_macros(sqlglot.parse_one(query, read="duckdb")).sql(dialect="trino")
    assert "is_member" not in athena
    con = duckdb.connect()
    con.execute(macros.IS_MEMBER.sql())
    expected = [member for _, member in cases]
    assert [member for (member,) in con.execute(query).fetchall()] == expected
    back = sqlglot.parse_one(athena, read="trino").sql(dialect="duckdb")
    assert [member for (member,) in con.execute(back).fetchall()] == expected
