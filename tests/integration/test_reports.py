"""The reports on curated data made for each counting rule (built directly with the schema's Arrow
schema), on DuckDB, from a local lake and from moto's S3; the CLI; the DAG's per-day windows."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from telegram_pipeline import cli, config
from telegram_pipeline.lake import schema, storage
from telegram_pipeline.reports import build as reports
from telegram_pipeline.reports import definitions

from tests.support.curated_scenario import CHAT, FIRST, LAST, TZ, scenario, write_scenario


@pytest.fixture
def scenario_lake(monkeypatch):
    return write_scenario(monkeypatch)


def build(**overrides):
    settings = config.load()
    return reports.build(definitions.ReportRange.from_settings(FIRST, LAST, settings, **overrides), settings)


def test_top_posters_counts_each_message_once(scenario_lake):
    posters = build()["top_posters"].to_pylist()
    assert [(p["user_id"], p["user_name"], p["messages"], p["rank"]) for p in posters] == [
        (1, "Alice Souza", 3, 1),  # an edited message once, the 23:30 message on its local day
        (2, "@bob", 2, 2),  # a photo with a caption and a sticker without text
        (4, "Dave", 2, 2),
        (CHAT, "Grupo Python", 1, 4),  # the anonymous admin counts for the group
        (3, "Carol", 1, 4),  # imported and live: once
    ]
    assert sum(p["share"] for p in posters) == pytest.approx(1.0)
    assert posters[0]["share"] == pytest.approx(3 / 9)
    assert 99 not in {p["user_id"] for p in posters}  # bots are left out by default


def test_bots_are_counted_when_asked(scenario_lake, monkeypatch):
    monkeypatch.setenv("INCLUDE_BOTS", "true")
    tables = build(include_bots=True)
    posters = {p["user_id"]: p["messages"] for p in tables["top_posters"].to_pylist()}
    assert posters[99] == 1 and posters[CHAT] == 1 and sum(posters.values()) == 10
    assert {k["term"]: k["messages"] for k in tables["keywords"].to_pylist()}["python"] == 3


def test_daily_volume_in_the_group_time_zone(scenario_lake):
    volume = build()["daily_volume"].to_pylist()
    assert volume == [
        {
            "chat_id": CHAT,
            "date": date(2026, 3, 9),
            "messages": 3,
            "active_users": 3,
            "new_members": 2,
            "left_members": 0,
        },
        {
            "chat_id": CHAT,
            "date": date(2026, 3, 10),
            "messages": 3,
            "active_users": 1,  # Alice; the anonymous admin's message is the group's, no member's
            "new_members": 1,
            "left_members": 0,
        },
        {
            "chat_id": CHAT,
            "date": date(2026, 3, 11),
            "messages": 3,
            "active_users": 3,
            "new_members": 0,
            "left_members": 0,
        },
    ]


def test_activity_heatmap_uses_local_weekday_and_hour(scenario_lake):
    cells = build()["activity_heatmap"].to_pylist()
    assert len(cells) == 7 * 24
    busy = {(c["weekday"], c["hour"]): c["messages"] for c in cells if c["messages"]}
    assert busy == {
        (1, 0): 1, (1, 10): 1, (1, 14): 1,
        (2, 11): 1, (2, 12): 1, (2, 23): 1,
        (3, 8): 1, (3, 15): 1, (3, 22): 1,
    }  # fmt: skip


def test_keywords(scenario_lake):
    """Topics by the word rule (text/words.py), each as the latest message using it wrote it."""
    keywords = {k["keyword"]: k for k in build()["keywords"].to_pylist()}
    counts = {k: (v["messages"], v["users"]) for k, v in keywords.items()}
    assert counts == {
        "Python": (2, 2),  # written so twice; the bot's "python python" is not counted
        "evento": (2, 2),
        "Ação": (1, 1),  # three spellings in one message: one message, shown as first written
        "acao": (1, 1),  # not the same word as ação
        "#Python": (1, 1),  # hashtags are their own keyword, with the #
        "Reunião": (1, 1),
        "adiada": (1, 1),  # the latest edit's text; "amanhã" below is only Dave's
        "amanhã": (1, 1),
        "Foto": (1, 1),  # a caption is text
        "Regras": (1, 1),
        "kotlin": (0, 0),  # tracked, never mentioned: reported at zero
    }
    assert keywords["Python"]["term"] == "python" and keywords["Regras"]["term"] == "regr"  # the stem
    assert keywords["Python"]["rank"] == 1 and keywords["evento"]["rank"] == 1 and keywords["Ação"]["rank"] == 3
    assert keywords["kotlin"]["rank"] is None and keywords["kotlin"]["tracked"] and keywords["Python"]["tracked"]
    assert not keywords["evento"]["tracked"] and not any(k["phrase"] for k in keywords.values())
    # stopwords, short tokens, URLs, mentions and e-mail addresses, emoji and excluded messages are absent
    terms = {k["term"] for k in keywords.values()}
    for absent in (
        "de",
        "no",
        "bom",
        "dia",
        "até",
        "é",
        "example",
        "com",
        "bob",
        "mail",
        "🚀",
        "spam",
        "talvez",
        "demais",
        "grupo",
        "pessoal",  # how a chat hails its members ("Bom dia pessoal"), as "guys" is
    ):
        assert absent not in terms
    assert not terms & {"doming", "quint"}  # outside the range


def test_tracked_keyword_that_is_a_stopword_is_reported_at_zero(scenario_lake):
    """A stopword of the message's language is never a term, so a tracked one is never counted."""
    tracked = {k["keyword"]: k["messages"] for k in build(tracked_keywords=("dia", "é"))["keywords"].to_pylist()}
    assert tracked["dia"] == 0 and tracked["é"] == 0


def test_empty_range_gives_empty_reports(scenario_lake):
    """No update in the range nor the days before it: no group, so no rows (not even tracked keywords)."""
    settings = config.load()
    tables = reports.build(
        definitions.ReportRange.from_settings(date(2025, 1, 1), date(2025, 1, 2), settings), settings
    )
    assert {name: table.num_rows for name, table in tables.items()} == dict.fromkeys(definitions.REPORTS, 0)
    assert {name: table.schema for name, table in tables.items()} == definitions.output_schemas()


def test_a_quiet_range_reports_its_group_at_zero(scenario_lake):
    """Updates only in the period before: the group is there, with zeros and its tracked keywords."""
    settings = config.load()
    tables = reports.build(definitions.ReportRange.from_settings(date(2026, 3, 13), date(2026, 3, 14), settings))
    assert tables["chats"].to_pylist() == [
        {"chat_id": CHAT, "title": "Grupo Python", "migrated_from_chat_id": None, "messages": 0, "active_users": 0,
         "previous_messages": 4, "previous_active_users": 3, "median_reply_seconds": None, "chat_type": "supergroup"}
    ]  # fmt: skip  # 11th: Bob, Carol, Dave; 12th: Dave again
    assert tables["top_posters"].num_rows == 0
    assert [k["keyword"] for k in tables["keywords"].to_pylist()] == ["kotlin", "python"]  # as configured
    assert [v["messages"] for v in tables["daily_volume"].to_pylist()] == [0, 0]
    assert sum(c["messages"] for c in tables["activity_heatmap"].to_pylist()) == 0


def test_reads_the_curated_zone_on_s3_too(lake, monkeypatch):
    monkeypatch.setenv("TIMEZONE", TZ)
    scenario().write()
    volume = build()["daily_volume"].to_pylist()
    assert [v["messages"] for v in volume] == [3, 3, 3]


def test_cli_writes_tables_and_page(scenario_lake, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["report", "--from", "2026-03-09", "--to", "2026-03-11", "--out", str(out)]) == 0
    for name in definitions.REPORTS:
        assert pq.read_table(out / f"{name}.parquet").schema == definitions.output_schemas()[name]
    assert pq.read_table(out / "top_posters.parquet").num_rows == 5
    assert f'href="chat_id={CHAT}/report.html"' in (out / "index.html").read_text()
    html = (out / f"chat_id={CHAT}" / "report.html").read_text()
    assert 'data-chart="activity-heatmap"' in html and "America/Sao_Paulo" in html
    # the example of "amanhã", Dave's message of 22:30 on the 11th in São Paulo (01:30 on the 12th in UTC)
    assert re.search(r"Até amanhã, pessoal!</bdi><div class=\"who\"><bdi>Dave</bdi> · 11 Mar 2026 ·", html)
    printed = capsys.readouterr().out
    # people 5 and 6 joined on Monday, 6 again on Tuesday: two new members (daily_volume counts 6 on each day)
    assert "9 messages from 4 members; 2 new members" in printed  # the anonymous admin's is the group's
    assert "Alice Souza (3)" in printed
    # the busiest weekday and the busiest hour, each apart: no reader takes them for one weekday's hour
    assert re.search(r"busiest: [A-Z][a-z]+days, and the \d\d:00 hour", printed), printed
    assert re.search(r"[A-Z][a-z]{2} · \d\d:00</div>", html) and "busiest weekday · hour" in html


def test_day_windows_layout_and_idempotence(scenario_lake):
    settings = config.load()
    first = reports.build_day_windows(LAST, settings)
    assert first["windows"]["1d"][str(CHAT)]["messages"] == 3
    assert first["windows"]["7d"][str(CHAT)]["messages"] == 10  # Sunday's message is inside the 7 days
    store = storage.reports_store(settings)
    keys = sorted(store.list())
    expected = {
        f"{report}/context_date=2026-03-11/window={w}/data.parquet"
        for report in definitions.REPORTS
        for w in definitions.WINDOWS
    }
    for w in definitions.WINDOWS:
        expected |= {
            f"html/context_date=2026-03-11/window={w}/index.html",
            f"html/context_date=2026-03-11/window={w}/chat_id={CHAT}/report.html",
        }
    assert set(keys) == expected
    before = {key: store.read(key) for key in keys if key.endswith(".parquet")}
    reports.build_day_windows(LAST, settings)
    assert sorted(store.list()) == keys
    assert {key: store.read(key) for key in before} == before


def test_end_to_end_from_real_updates_through_the_consolidation(monkeypatch, telegram_fixtures):
    """Real Bot API updates in the raw zone → consolidate_day → the reports, in São Paulo time."""
    import json

    from telegram_pipeline.lake import consolidate

    monkeypatch.setenv("TIMEZONE", TZ)
    monkeypatch.setenv("TRACKED_KEYWORDS", "ibirapuera,maratona")
    # callback queries carry no chat: the webhook never stores them
    wanted = [n for n in telegram_fixtures if not n.startswith("docs_example") and n != "callback_query_no_chat"]
    raw = storage.raw_store()
    days = set()

    def put(body: bytes) -> None:
        update = json.loads(body)
        payload = next(v for k, v in update.items() if isinstance(v, dict) and k != "x_source")
        event = payload.get("edit_date") or payload.get("date")
        day = datetime.fromtimestamp(event, ZoneInfo(TZ)).date()
        days.add(day)
        raw.write(f"context_date={day}/{update['update_id']}.json", body)

    for name in wanted:
        put(telegram_fixtures[name])
        put(telegram_fixtures[name])  # a redelivery lands on the same key
    imported = json.loads(telegram_fixtures["message_text_supergroup"])  # the same message, from an export
    put(json.dumps({**imported, "update_id": -4201, "x_source": "export"}).encode())
    for day in sorted(days):
        consolidate.consolidate_day(day)
    assert days == {date(2024, 11, 17), date(2024, 11, 18)}  # the bot was added at 23:46 on the 17th

    settings = config.load()
    tables = reports.build(definitions.ReportRange.from_settings(date(2024, 11, 18), date(2024, 11, 18), settings))
    group, channel, private = CHAT, -1009876543210, 222222222
    chats = {c["chat_id"]: (c["title"], c["migrated_from_chat_id"]) for c in tables["chats"].to_pylist()}
    # the basic group -4012345678 became the supergroup: one group; the channel and the private chat are their own
    assert chats == {
        group: ("Grupo de Corrida SP", -4012345678),
        channel: ("Notícias da Corrida", None),
        private: ("João", None),  # a private chat is named after the person
    }
    posters = {(p["chat_id"], p["user_id"]): (p["user_name"], p["messages"]) for p in tables["top_posters"].to_pylist()}
    assert posters == {
        (group, 111111111): ("Ana Souza", 4),  # text (edited, imported and live: once), sticker, forward, voice
        (group, 222222222): ("João", 3),  # photo with caption, reply, forum topic message
        (group, group): ("Grupo de Corrida SP", 1),  # the anonymous admin
        (channel, channel): ("Notícias da Corrida", 1),  # the channel post
        (private, 222222222): ("João", 1),  # /start in private
    }
    volume = tables["daily_volume"].to_pylist()
    assert [v for v in volume if v["chat_id"] == group] == [
        {
            "chat_id": group,
            "date": date(2024, 11, 18),
            "messages": 8,
            "active_users": 2,  # Ana and João; the anonymous admin is the group
            "new_members": 1,
            "left_members": 0,
        }
    ]
    # one count of active members: the headline's, the day's, the members table's and the channel's none
    active = {c["chat_id"]: c["active_users"] for c in tables["chats"].to_pylist()}
    posted = [m for m in tables["members"].to_pylist() if m["chat_id"] == group and m["messages"]]
    assert active[group] == len(posted) == 2 and active[channel] == 0 and active[private] == 1
    keywords = {k["keyword"]: k for k in tables["keywords"].to_pylist() if k["chat_id"] == group}
    assert keywords["Ibirapuera"]["messages"] >= 1 and keywords["Ibirapuera"]["tracked"]
    assert keywords["maratona"]["messages"] == 0
    heatmap = tables["activity_heatmap"].to_pylist()
    assert {c: sum(x["messages"] for x in heatmap if x["chat_id"] == c) for c in chats} == {
        group: 8,
        channel: 1,
        private: 1,
    }


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_older_partitions_without_newer_columns(backend, request, monkeypatch):
    """Columns are only ever appended: a partition written before a column existed reads it as NULL."""
    if backend == "s3":
        request.getfixturevalue("s3_lake")
    monkeypatch.setenv("TIMEZONE", TZ)
    lake = scenario()
    lake.write()
    old_day = date(2026, 3, 9)
    rows = [r for r in lake.rows if (r["edited_at"] or r["sent_at"]).astimezone(ZoneInfo(TZ)).date() == old_day]
    older = pa.Table.from_pylist(rows, schema=schema.arrow_schema()).drop_columns(["reaction_emojis", "urls", "text"])
    sink = io.BytesIO()
    pq.write_table(older, sink)
    storage.curated_store().replace_folder(f"messages/context_date={old_day}", {"data.parquet": sink.getvalue()})
    tables = build()
    assert [v["messages"] for v in tables["daily_volume"].to_pylist()] == [3, 3, 3]
    keywords = {k["keyword"] for k in tables["keywords"].to_pylist()}
    assert "Reunião" in keywords and "Foto" not in keywords  # Monday's terms were not there yet
