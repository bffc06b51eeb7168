"""The community health tables (activity, retention, join_sources, questions, helpers,
unanswered_questions, links, forward_sources, surges), row by row, against what plain Python reads from
the raw updates and their hand labels (tests/support/community_lake.py) or a hand count, on DuckDB and through
the generated Athena SQL; the windows built together; a real Telegram Desktop export; pseudonymised
forwards."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest
from telegram_pipeline import config
from telegram_pipeline.ingest import desktop_export
from telegram_pipeline.lake import consolidate, migrations, storage
from telegram_pipeline.reports import build as reports
from telegram_pipeline.reports import definitions, duckdb_engine, sql

from tests.support import community_lake as ref
from tests.support.athena_results import as_duckdb_sql
from tests.support.community_lake import CHANNEL, FIRST, LAST, LEITURA, LIA, NEIGHBOUR, PY, TZ, U, communities
from tests.support.groups_lake import write_and_consolidate
from tests.support.html_elements import parse
from tests.support.paths import FIXTURES
from tests.support.reports_once import ReportsOnce

COMMUNITY = (
    "activity",
    "retention",
    "join_sources",
    "questions",
    "helpers",
    "unanswered_questions",
    "links",
    "forward_sources",
    "surges",
)
NAMES = {user["id"]: user["first_name"] for user in U.values()}
CHATS = [PY["id"], LEITURA["id"]]


@pytest.fixture(scope="module")
def community_lake(tmp_path_factory):
    """The two communities in a lake of their own, consolidated once for the module."""
    folder = tmp_path_factory.mktemp("community")
    env = {"RAW_URI": str(folder / "raw"), "CURATED_URI": str(folder / "curated"), "TIMEZONE": TZ}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        updates = communities()
        write_and_consolidate(updates)
    return folder, updates


@pytest.fixture
def lake(community_lake, monkeypatch):
    folder, updates = community_lake
    monkeypatch.setenv("RAW_URI", str(folder / "raw"))
    monkeypatch.setenv("CURATED_URI", str(folder / "curated"))
    monkeypatch.setenv("TIMEZONE", TZ)
    monkeypatch.setenv("TRACKED_KEYWORDS", "kotlin,rust")
    return updates


def athena_text_on_duckdb(rng: definitions.ReportRange) -> dict:
    """What the generated Athena SQL gives, transpiled back to DuckDB and run on the same lake."""
    settings = config.load()
    duck = duckdb_engine.DuckDBReports(settings, rng.scan_last)
    duckdb_engine.register_messages(duck.con, rng.scan_last, settings)  # Athena's text reads every partition
    markers = migrations.markers(storage.raw_store(settings))
    try:
        return {
            name: duck.con.execute(as_duckdb_sql(sql.rendered_athena_sql(name, rng, markers=markers)))
            .to_arrow_table()
            .cast(definitions.output_schemas()[name])
            for name in COMMUNITY
        }
    finally:
        duck.close()


@pytest.fixture(scope="module")
def module_reports() -> ReportsOnce:
    """The tests that ask for ``engine`` read the module's lake and never write it."""
    return ReportsOnce()


@pytest.fixture(params=["duckdb", "athena text on duckdb"])
def engine(request, module_reports):
    def build(rng: definitions.ReportRange) -> dict:
        return reports.build(rng) if request.param == "duckdb" else athena_text_on_duckdb(rng)

    def tables(first: date = FIRST, last: date = LAST) -> dict:
        rng = definitions.ReportRange.from_settings(first, last, config.load())
        return module_reports.tables(request.param, rng, lambda: build(rng))

    return tables


def rows(table, *columns) -> list[dict]:
    return [{c: r[c] for c in columns} for r in table.to_pylist()] if columns else table.to_pylist()


def test_join_sources_by_hand(lake, engine):
    """duda came by the Instagram link (told twice: chat_member and service message), gil was added by bia,
    left, and came back by the same link (the most specific source wins); edu by an unnamed link; fabi by
    a request ana approved; julia added by caio and silent; hugo and ivo by themselves, ivo gone again; a
    bot added (left out); caio joined before the range."""
    got = engine()["join_sources"]
    unnamed = "invite link: " + ref.UNNAMED["invite_link"]
    assert rows(got) == [
        dict(chat_id=LEITURA["id"], source="invite link: Site", joins=1, still_members=1, posted=1),
        dict(chat_id=PY["id"], source="invite link: Instagram", joins=2, still_members=2, posted=2),
        dict(chat_id=PY["id"], source="unknown", joins=2, still_members=1, posted=1),
        dict(chat_id=PY["id"], source="added by a member", joins=1, still_members=1, posted=0),
        dict(chat_id=PY["id"], source=unnamed, joins=1, still_members=1, posted=1),
        dict(chat_id=PY["id"], source="joined by request", joins=1, still_members=1, posted=1),
    ]


def test_join_sources_of_one_day(lake, engine):
    """On 16 March gil came back by the Instagram link and hugo joined by himself; neither posted after
    joining that day (the report never looks past its range)."""
    got = engine(date(2026, 3, 16), date(2026, 3, 16))["join_sources"]
    assert rows(got, "source", "joins", "still_members", "posted") == [
        dict(source="invite link: Instagram", joins=1, still_members=1, posted=0),
        dict(source="unknown", joins=1, still_members=1, posted=0),
    ]


@pytest.mark.parametrize("days", [21, 7, 1])
def test_activity(lake, engine, days):
    first = LAST - timedelta(days=days - 1)
    got = engine(first)["activity"]
    assert rows(got) == ref.activity(lake, first, LAST, CHATS)


def test_activity_reaches_before_the_range(lake, engine):
    """On 2 March ana, bia and duda posted; the month's active members include caio, who forwarded a
    message on 20 February: the 1-day range reaches back 29 days."""
    got = {r["chat_id"]: r for r in rows(engine(FIRST, FIRST)["activity"])}[PY["id"]]
    assert (got["dau"], got["wau"], got["mau"]) == (3, 3, 4)


def test_retention(lake, engine):
    got = engine()["retention"]
    assert rows(got) == ref.retention(lake, FIRST, LAST)
    first_week = [r for r in rows(got) if r["chat_id"] == PY["id"] and r["cohort_week"] == FIRST]
    # duda, edu and fabi, first seen in the week of 2 March; only duda posted within 7 days of joining;
    # duda and fabi posted the week after, all three in the week of the range's last day
    assert [(r["week"], r["members"], r["active"], r["activated"]) for r in first_week] == [
        (0, 3, 1, 1),
        (1, 3, 2, 1),
        (2, 3, 3, 1),
    ]


def test_questions(lake, engine):
    got = engine()["questions"]
    assert rows(got) == ref.questions(lake, FIRST, LAST, CHATS)
    # Python: 8 asked; answered after 30 min, 1 h, 2 h and 36 h; kaio's, the Ninguém? of fabi, the Arabic
    # one and (answered after 36 hours) fabi's count as unanswered; hugo's, at 23:00 on the range's last day,
    # has not been answered yet
    assert rows(got)[1] == dict(
        chat_id=PY["id"], asked=8, answered=4, median_answer_seconds=5400.0, unanswered=4, waiting=1
    )


def test_questions_wait_as_long_as_the_setting_says(lake, engine, monkeypatch):
    monkeypatch.setenv("QUESTION_ANSWER_HOURS", "48")
    built = rows(engine()["questions"])
    assert built == ref.questions(lake, FIRST, LAST, CHATS, answer_hours=48)
    got = {r["chat_id"]: r for r in built}
    # fabi's question, answered after 36 hours, is answered in time; hugo's, of the last day, waits still
    assert (got[PY["id"]]["unanswered"], got[PY["id"]]["waiting"]) == (3, 1)


def test_helpers(lake, engine):
    got = engine()["helpers"]
    assert rows(got) == ref.helpers(lake, FIRST, LAST, NAMES)
    python = [r for r in rows(got) if r["chat_id"] == PY["id"]]
    assert [{k: r[k] for k in ("user_name", "answers", "median_answer_seconds", "rank")} for r in python] == [
        dict(user_name="Bia", answers=2, median_answer_seconds=66600.0, rank=1),
        dict(user_name="Caio", answers=2, median_answer_seconds=4500.0, rank=1),
        dict(user_name="Ana", answers=1, median_answer_seconds=3600.0, rank=3),
        dict(user_name="Duda", answers=1, median_answer_seconds=57600.0, rank=3),  # bia's question of 1 March
    ]


def test_unanswered_questions(lake, engine):
    got = [r for r in rows(engine()["unanswered_questions"]) if r["chat_id"] == PY["id"]]
    assert [(r["user_name"], r["text"]) for r in got] == [
        ("Hugo", "Alguém vem amanhã que?"),
        ("Kaio", "هل من جديد؟"),
        ("Fabi", "Ninguém?"),
        ("Fabi", "Como faço deploy?"),
        ("Kaio", "Alguém aí?"),
    ]
    hugo = got[0]
    assert hugo["sent_at"] == datetime(2026, 3, 22, 23, 0, tzinfo=ZoneInfo(TZ))
    # a private supergroup (no @username), no forum: what its t.me/c/ link needs, and no topic
    assert (hugo["origin_chat_id"], hugo["chat_username"], hugo["topic_id"]) == (PY["id"], None, None)
    # a public group: its @username, for a t.me link anyone can open
    [ana] = [r for r in rows(engine()["unanswered_questions"]) if r["chat_id"] == LEITURA["id"]]
    assert (ana["text"], ana["origin_chat_id"], ana["chat_username"]) == (
        "Alguém leu Capitu?",
        LEITURA["id"],
        "clubedeleitura",
    )


def test_links(lake, engine):
    got = engine()["links"]
    assert rows(got) == ref.links(lake, FIRST, LAST)
    assert rows(got, "domain", "messages", "users", "rank")[0] == dict(domain="github.com", messages=2, users=2, rank=1)


def test_forward_sources_by_hand(lake, engine):
    got = engine()["forward_sources"]
    assert rows(got) == [
        # forward_origin twice (renamed on the way), the fields of Bot API 6 once: its latest name
        dict(chat_id=PY["id"], source_id=CHANNEL, source_name="Canal Python BR", source_type="channel",
             messages=3, rank=1),
        dict(chat_id=PY["id"], source_id=NEIGHBOUR["id"], source_name="Grupo Vizinho", source_type="group",
             messages=1, rank=2),
        dict(chat_id=PY["id"], source_id=None, source_name="Zé", source_type="name only", messages=1, rank=2),
        dict(chat_id=PY["id"], source_id=LIA["id"], source_name="Lia Lima", source_type="user", messages=1, rank=2),
    ]  # fmt: skip


def test_surges_by_hand(lake, engine):
    """Counted as the keywords count: the stored terms (the word rule's), words and tracked keywords'
    terms, not the phrases they make; a term shown as most of the day's messages using it wrote it."""
    got = engine()["surges"]
    assert rows(got) == [
        dict(chat_id=LEITURA["id"], keyword="machado", messages=5, daily_mean=1 / 28, tracked=False,
             term="machado", example="machado às 13:00", second_example="machado às 12:00", rank=1),
        dict(chat_id=PY["id"], keyword="airflow", messages=5, daily_mean=1 / 28, tracked=False, term="airflow",
             example="que airflow python kotlin deploy", second_example="airflow que kotlin python deploy", rank=1),
        dict(chat_id=PY["id"], keyword="kotlin", messages=5, daily_mean=2 / 28, tracked=True, term="kotlin",
             example="que python Kotlin deploy que", second_example="que airflow python kotlin deploy", rank=2),
    ]  # fmt: skip
    # every range ending on the same day has the same surges
    assert rows(engine(LAST, LAST)["surges"]) == rows(got)


def test_surges_need_the_minimum(lake, engine, monkeypatch):
    monkeypatch.setenv("SURGE_MIN_MESSAGES", "4")
    assert {r["term"] for r in rows(engine()["surges"])} == {"airflow", "kotlin", "machado", "deploy"}
    monkeypatch.setenv("SURGE_MIN_MESSAGES", "6")
    assert rows(engine()["surges"]) == []  # python has 6, but only three times its mean, not more


def test_windows_built_together_equal_each_built_alone(lake):
    settings = config.load()
    together = reports.build_windows(LAST, settings)
    for window, days in definitions.WINDOWS.items():
        alone = reports.build(definitions.ReportRange.from_settings(LAST - timedelta(days=days - 1), LAST, settings))
        for name in COMMUNITY:
            assert together[window][name].equals(alone[name]), (window, name)


def test_every_table_has_chat_id_first_and_leaves_bots_out(lake):
    tables = reports.build(definitions.ReportRange.from_settings(FIRST, LAST, config.load()))
    for name in COMMUNITY:
        assert tables[name].schema == definitions.output_schemas()[name] and tables[name].schema.names[0] == "chat_id"
        assert tables[name].num_rows > 0, name
        if "user_id" in tables[name].column_names:
            assert ref.BOT["id"] not in tables[name].column("user_id").to_pylist()


# --------------------------------------------------------------------------- a real export


def export_with_joins(tmp_path):
    """The shared fixture's group export (an invite by a member, a forward named only by its sender, a
    question with a link, the invited member posting), with two members who joined by the group's link
    and by a request, as Telegram Desktop writes them."""
    export = json.loads((FIXTURES / "telegram_export" / "group_sample.json").read_text())
    export["messages"] += [
        {"id": 10, "type": "service", "date": "2024-11-18T08:00:00", "date_unixtime": "1731927600",
         "actor": "Rita", "actor_id": "user444444444", "action": "join_group_by_link", "inviter": "Group",
         "text": "", "text_entities": []},
        {"id": 11, "type": "service", "date": "2024-11-18T09:00:00", "date_unixtime": "1731931200",
         "actor": "Tom", "actor_id": "user555555555", "action": "join_group_by_request",
         "text": "", "text_entities": []},
        {"id": 12, "type": "message", "date": "2024-11-18T09:30:00", "date_unixtime": "1731933000",
         "from": "Tom", "from_id": "user555555555", "text": "Oi! Qual é o próximo treino?",
         "text_entities": [{"type": "plain", "text": "Oi! Qual é o próximo treino?"}]},
    ]  # fmt: skip
    path = tmp_path / "result.json"
    path.write_text(json.dumps(export, ensure_ascii=False))
    return path


def test_a_real_export_by_hand(tmp_path, monkeypatch):
    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    desktop_export.import_export(export_with_joins(tmp_path), settings=config.load())
    for day in (date(2024, 11, 17), date(2024, 11, 18)):
        consolidate.consolidate_day(day)
    rng = definitions.ReportRange.from_settings(date(2024, 11, 17), date(2024, 11, 18), config.load())
    tables = reports.build(rng)
    chat = -1001234567890
    assert rows(tables["join_sources"], "source", "joins", "still_members", "posted") == [
        dict(source="added by a member", joins=1, still_members=1, posted=1),  # João invited Carla, who asks
        dict(source="joined by link", joins=1, still_members=1, posted=0),  # Rita
        dict(source="joined by request", joins=1, still_members=1, posted=1),  # Tom
    ]
    assert rows(tables["forward_sources"], "source_id", "source_name", "source_type", "messages") == [
        dict(source_id=None, source_name="Notícias da Corrida", source_type="name only", messages=1)
    ]
    assert rows(tables["questions"]) == [  # both asked on the range's last day: not answered yet
        dict(chat_id=chat, asked=2, answered=0, median_answer_seconds=None, unanswered=0, waiting=2)
    ]
    assert rows(tables["links"], "domain", "messages", "users") == [dict(domain="exemplo.com", messages=1, users=1)]
    assert [r["text"] for r in rows(tables["unanswered_questions"])] == [
        "Oi! Qual é o próximo treino?",
        "Oi gente! Alguém tem dica de tênis? https://loja.exemplo.com/tenis",
    ]


# --------------------------------------------------------------------------- privacy


def test_pseudonymised_forwards_keep_channels_and_hide_people(community_lake, tmp_path, monkeypatch):
    folder, updates = community_lake
    monkeypatch.setenv("TIMEZONE", TZ)
    monkeypatch.setenv("RAW_URI", str(tmp_path / "raw"))
    monkeypatch.setenv("CURATED_URI", str(tmp_path / "curated"))
    monkeypatch.setenv("PSEUDONYMIZE_KEY", "k")
    shutil.copytree(folder / "raw", tmp_path / "raw")
    for day in (date(2026, 3, 4), date(2026, 3, 6), date(2026, 3, 7)):
        consolidate.consolidate_day(day)
    forwarded = [
        r
        for path in sorted((tmp_path / "curated" / "messages").rglob("*.parquet"))
        for r in pq.read_table(path).to_pylist()
        if r["forward_origin_type"]
    ]
    by_kind = {r["forward_origin_type"]: (r["forward_source_id"], r["forward_source_name"]) for r in forwarded}
    assert by_kind["channel"] == (CHANNEL, "Canal Python")
    assert by_kind["hidden_user"] == (None, None)
    assert by_kind["user"][1] is None and by_kind["user"][0] not in (None, LIA["id"])


# --------------------------------------------------------------------------- the page and the digest


def test_the_page_draws_every_community_table(lake):
    settings = config.load()
    rng = definitions.ReportRange.from_settings(FIRST, LAST, settings)
    tables = reports.build(rng, settings)
    html = reports.render_html(tables, rng, PY["id"])
    page = parse(html)
    days = page.find("rect", **{"class": "active-day"})
    assert [int(d["data-value"]) for d in days] == [r["dau"] for r in ref.activity(lake, FIRST, LAST, [PY["id"]])]
    cohorts = page.find("rect", **{"class": "cohort"})
    expected = [r for r in ref.retention(lake, FIRST, LAST) if r["chat_id"] == PY["id"]]
    assert [(c["data-cohort"], int(c["data-week"]), int(c["data-value"])) for c in cohorts] == [
        (r["cohort_week"].isoformat(), r["week"], r["active"]) for r in expected
    ]
    sources = [a for t, a in page.tags if t == "svg" and a.get("data-chart") == "join-sources"]
    assert sources and "invite link: Instagram" in html
    assert [a["data-surge"] for t, a in page.tags if a.get("data-surge")] == ["airflow", "kotlin"]
    assert "que airflow python kotlin deploy" in html
    unanswered = [a["data-unanswered"] for t, a in page.tags if a.get("data-unanswered")]
    assert len(unanswered) == 5
    assert f'href="https://t.me/c/4000000001/{unanswered[0]}"' in html
    assert "22 Mar 23:00" in html  # hugo's question, in the group's time zone
    public = reports.render_html(tables, rng, LEITURA["id"])
    [asked] = [a["data-unanswered"] for t, a in parse(public).tags if a.get("data-unanswered")]
    assert f'href="https://t.me/clubedeleitura/{asked}"' in public
    assert "github.com" in html and "Canal Python BR" in html


def test_the_digest_says_what_took_off_and_what_waits(lake):
    from telegram_pipeline.reports import digest_content, summary

    settings = config.load()
    rng = definitions.ReportRange.from_settings(LAST - timedelta(days=6), LAST, settings)
    tables = reports.build(rng, settings)
    text = digest_content.message(summary.summarize(tables, rng, PY["id"]))
    assert "<b>Taking off</b> on 22 Mar" in text
    assert "airflow: 5 messages, 0.04 a day before: “que airflow python kotlin deploy” · “airflow que kotlin" in text
    # the week's questions: kaio's Arabic one, and hugo's of 23:00 on the last day, nobody answered
    assert "<b>2</b> questions · 0 answered · <b>1</b> without an answer within 24 h · 1 not answered yet" in text
    assert "New members came by: unknown (2) · invite link: Instagram (1)" in text  # hugo and ivo; gil
    assert "Stickiness <b>" in text
