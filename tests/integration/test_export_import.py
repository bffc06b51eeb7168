"""History import from a Telegram Desktop export: exact update shapes, ids, dates, streaming, errors,
and the samples of ../shared/fixtures/telegram_export end to end (import → consolidate → reports)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from telegram_pipeline import cli, config
from telegram_pipeline.ingest import desktop_export
from telegram_pipeline.lake import quality, storage
from telegram_pipeline.reports import definitions

from tests.support.paths import REPO
from tests.support.telegram_exports import DM, GROUP, GROUP_CHAT_ID, OLD_EXPORT, curated_rows


def test_rerun_changes_nothing(lake, monkeypatch):
    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    desktop_export.import_export(GROUP)
    store = storage.raw_store()
    first = {key: store.read(key) for key in store.list()}
    assert len(first) == 2 and sum(data.count(b"\n") for data in first.values()) == 9
    again = desktop_export.import_export(GROUP)
    assert again.updates == 9
    assert {key: store.read(key) for key in store.list()} == first
    assert storage.raw_store().uri.startswith("s3://" if lake["backend"] == "s3" else "/")


def test_storage_failure_is_a_clear_error(aws_endpoint, monkeypatch, capsys):
    monkeypatch.setenv("RAW_URI", "s3://no-such-bucket-here/raw")
    assert cli.main(["import-export", str(GROUP), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "writing to the raw zone failed" in err and "NoSuchBucket" in err and "Traceback" not in err


# ----------------------------------------------------------------------------------------------
# End to end: the raw zone the import wrote, consolidated like live data


def test_imported_days_consolidate_and_pass_the_quality_checks(lake, monkeypatch):
    from telegram_pipeline.lake import consolidate

    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    desktop_export.import_export(GROUP)
    rows = {}
    for day, expected in ((date(2024, 11, 17), 7), (date(2024, 11, 18), 2)):
        result = consolidate.consolidate_day(day)
        assert (result.rows, result.quarantined) == (expected, 0)
        assert quality.check_day(day, expected)["rows"] == expected
        rows.update({r["message_id"]: r for r in curated_rows(day)})
    assert {r["source"] for r in rows.values()} == {"export"}
    assert all(r["update_id"] < 0 and r["chat_id"] == GROUP_CHAT_ID for r in rows.values())
    assert {m: r["content_type"] for m, r in rows.items()} == {
        1: "service",
        2: "text",
        3: "photo",
        4: "sticker",
        5: "text",
        6: "service",
        7: "text",
        8: "voice",
        9: "text",
    }
    assert rows[2]["hashtags"] == ["#corrida"] and rows[2]["mentions"] == ["@joaop"]
    assert rows[9]["urls"] == ["https://loja.exemplo.com/tenis"]
    assert rows[6]["new_member_ids"] == [333333333]
    assert rows[7]["sender_chat_id"] == GROUP_CHAT_ID
    assert rows[3]["text"] == "Resultado da prova: 42km em 3h58" and rows[3]["reply_to_message_id"] == 2


def build_tables(first: date, last: date) -> tuple[definitions.ReportRange, dict]:
    """The reports of the range as the engine gives them (Arrow tables), with the range, for its page."""
    from telegram_pipeline.reports import build as reports

    settings = config.load()
    rng = definitions.ReportRange.from_settings(first, last, settings)
    return rng, reports.build(rng, settings)


def build_reports(first: date, last: date) -> dict[str, list[dict]]:
    _, tables = build_tables(first, last)
    return {name: table.to_pylist() for name, table in tables.items()}


def consolidate_range(first: date, last: date) -> None:

    from telegram_pipeline.lake import consolidate

    day = first
    while day <= last:
        result = consolidate.consolidate_day(day)
        quality.check_day(day, result.rows)
        assert result.quarantined == 0, result
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("timezone", "per_day", "late_message_cell"),
    [
        # Message 7 (23:30 on Sunday in São Paulo) is Monday 02:30 in UTC. Its sender, the group (an
        # anonymous admin), is no active member: (messages, active members, new members).
        ("America/Sao_Paulo", {"2024-11-17": (5, 2, 1), "2024-11-18": (2, 2, 0)}, (7, 23)),
        ("UTC", {"2024-11-17": (4, 2, 1), "2024-11-18": (3, 2, 0)}, (1, 2)),
    ],
)
def test_group_sample_end_to_end_reports(lake, monkeypatch, timezone, per_day, late_message_cell):
    monkeypatch.setenv("TIMEZONE", timezone)
    desktop_export.import_export(GROUP)
    first, last = date(2024, 11, 17), date(2024, 11, 18)
    consolidate_range(first - timedelta(days=1), last + timedelta(days=1))
    tables = build_reports(first, last)
    volume = {
        row["date"].isoformat(): (row["messages"], row["active_users"], row["new_members"])
        for row in tables["daily_volume"]
    }
    assert volume == per_day
    posters = {row["user_name"]: (row["messages"], row["rank"]) for row in tables["top_posters"]}
    assert posters == {"Ana Souza": (3, 1), "João": (2, 2), "Grupo de Corrida SP": (1, 3), "Carla": (1, 3)}
    anonymous = next(row for row in tables["top_posters"] if row["user_name"] == "Grupo de Corrida SP")
    assert anonymous["user_id"] == GROUP_CHAT_ID
    heatmap = {(row["weekday"], row["hour"]): row["messages"] for row in tables["activity_heatmap"] if row["messages"]}
    assert sum(heatmap.values()) == 7 and heatmap[late_message_cell] >= 1
    keywords = {row["keyword"]: row["messages"] for row in tables["keywords"]}
    assert keywords["#corrida"] == 1


def test_dm_sample_end_to_end_reports(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TIMEZONE", "UTC")
    desktop_export.import_export(DM, export_timezone="America/Sao_Paulo")
    days = sorted(
        date.fromisoformat(d) for d in desktop_export.import_export(DM, export_timezone="America/Sao_Paulo").days
    )
    assert [d.isoformat() for d in days] == ["2019-07-12", "2022-03-08", "2022-05-09", "2022-06-10"]
    for day in days:
        consolidate_range(day, day)
    tables = build_reports(days[0], days[-1])
    volume = {row["date"].isoformat(): row["messages"] for row in tables["daily_volume"] if row["messages"]}
    assert volume == {"2019-07-12": 1, "2022-03-08": 1, "2022-05-09": 2, "2022-06-10": 2}
    assert {row["user_name"]: row["messages"] for row in tables["top_posters"]} == {"Alice": 4, "Bob": 2}
    # both are members: the other person's id is the private chat's own, which in a group is no member
    assert {row["user_name"]: row["messages"] for row in tables["members"]} == {"Alice": 4, "Bob": 2}
    assert {row["date"].isoformat(): row["dau"] for row in tables["activity"] if row["dau"]} == {
        "2019-07-12": 1,  # Bob
        "2022-03-08": 1,  # Alice
        "2022-05-09": 2,  # Bob and Alice
        "2022-06-10": 1,  # Alice twice
    }
    out = tmp_path / "out"
    assert cli.main(["report", "--from", str(days[0]), "--to", str(days[-1]), "--out", str(out)]) == 0
    assert "UTC): 1 private chat" in capsys.readouterr().out  # no group
    assert "· 1 private chat ·" in (out / "index.html").read_text(encoding="utf-8")


def test_a_message_both_imported_and_received_live_counts_once(lake, monkeypatch):
    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    desktop_export.import_export(GROUP)
    raw = storage.raw_store()
    carla = {"id": 333333333, "is_bot": False, "first_name": "Carla"}
    chat = {"id": GROUP_CHAT_ID, "title": "Grupo de Corrida SP", "username": "corrida_sp", "type": "supergroup"}
    live_message = {
        "update_id": 815000100,
        "message": {
            "message_id": 9,
            "from": carla,
            "chat": chat,
            "date": 1731899760,
            "text": "Oi gente! Alguém tem dica de tênis? #tenis",
            "entities": [{"offset": 36, "length": 6, "type": "hashtag"}],
        },
    }
    ana = {"id": 111111111, "is_bot": False, "first_name": "Ana", "last_name": "Souza", "username": "ana_souza"}
    live_edit = {
        "update_id": 815000101,
        "edited_message": {
            "message_id": 2,
            "from": ana,
            "chat": chat,
            "date": 1731845100,
            "edit_date": 1731845170,
            "text": "Treino amanhã às 6h #corrida com @joaop 🏃‍♀️",
        },
    }
    raw.write(
        f"context_date=2024-11-18/{live_message['update_id']}.json",
        json.dumps(live_message, ensure_ascii=False).encode(),
    )
    raw.write(
        f"context_date=2024-11-17/{live_edit['update_id']}.json", json.dumps(live_edit, ensure_ascii=False).encode()
    )
    first, last = date(2024, 11, 17), date(2024, 11, 18)
    consolidate_range(first, last)
    rows = curated_rows(first) + curated_rows(last)
    assert len(rows) == 11 and {r["source"] for r in rows} == {"export", "webhook"}
    assert sum(r["message_id"] == 9 for r in rows) == 2 and sum(r["message_id"] == 2 for r in rows) == 2
    tables = build_reports(first, last)
    assert sum(row["messages"] for row in tables["daily_volume"]) == 7
    posters = {row["user_id"]: row["messages"] for row in tables["top_posters"]}
    assert posters == {111111111: 3, 222222222: 2, GROUP_CHAT_ID: 1, 333333333: 1}
    keywords = {row["keyword"]: row["messages"] for row in tables["keywords"]}
    # On a tie of times the live version is the one counted: its text has the #tenis the export lacks.
    assert keywords.get("#tenis") == 1 and keywords["#corrida"] == 1


def test_an_older_export_through_the_reports(monkeypatch):
    from telegram_pipeline.reports import html, summary

    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    desktop_export.import_export(OLD_EXPORT, export_timezone="America/Sao_Paulo")
    first, last = date(2019, 3, 10), date(2019, 3, 11)
    consolidate_range(first - timedelta(days=1), last + timedelta(days=1))
    tables = build_reports(first, first)
    posters = {(p["user_id"], p["user_name"]): p["messages"] for p in tables["top_posters"]}
    assert posters == {
        (111111111, "Ana Souza"): 2,
        (222222222, "João"): 2,
        (333333333, "Carla"): 2,
        (None, "unknown sender"): 2,
        (444444444, "Deleted Account"): 1,
    }
    assert [
        (r["messages"], r["active_users"], r["new_members"], r["left_members"]) for r in tables["daily_volume"]
    ] == [(9, 4, 1, 1)]
    keywords = {k["keyword"] for k in tables["keywords"]}
    assert "#corrida" in keywords and "longão" in keywords and not keywords & {"start", "inscricao", "corrida"}
    rng, built = build_tables(first, first)
    [group] = summary.chat_ids(built)
    page = html.render(summary.for_chat(built, group), summary.summarize(built, rng, group))
    assert "unknown sender" in page


def test_s3_gets_one_put_a_day(s3_lake, monkeypatch):
    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    store = storage.raw_store()
    puts = []
    original = store.write
    monkeypatch.setattr(store, "write", lambda key, data: (puts.append(key), original(key, data))[1])
    result = desktop_export.import_export(OLD_EXPORT, export_timezone="America/Sao_Paulo", store=store)
    assert result.updates == 13 and len(puts) == len(result.days) == result.objects == 2


# ----------------------------------------------------------------------------------------------
# Real exports of other projects (tests/data/README.md) through the reports

DATA = REPO / "tests" / "data"


def test_a_2020_channel_export_reports_the_channel_and_no_member(monkeypatch):
    monkeypatch.setenv("TIMEZONE", "UTC")
    export = DATA / "channel_shifted_ids_2020.json"
    posts = sum(m["type"] == "message" for m in json.loads(export.read_text(encoding="utf-8"))["messages"])
    desktop_export.import_export(export, export_timezone="Europe/Moscow")
    day = date(2020, 11, 12)
    consolidate_range(day, day)
    tables = build_reports(day, day)
    channel = -1001292077344  # the header's 9882011936 less Desktop's 2^33 chat shift, as -100…
    assert [(c["chat_id"], c["chat_type"], c["messages"]) for c in tables["chats"]] == [(channel, "channel", posts)]
    assert [(p["user_id"], p["user_name"], p["messages"]) for p in tables["top_posters"]] == [(channel, "test", 12)]
    assert tables["members"] == []


def test_a_custom_emoji_reaction_named_by_a_file_path_is_reported_as_a_custom_emoji(monkeypatch):
    from telegram_pipeline.reports import build as reports

    monkeypatch.setenv("TIMEZONE", "UTC")
    export = DATA / "supergroup_custom_emoji_reaction_2026.json"
    result = desktop_export.import_export(export)
    day = date(2026, 5, 6)
    consolidate_range(day, day)
    rng, tables = build_tables(day, day)
    held = {(r["message_id"], r["reactions"], r["top_emoji"]) for r in tables["reactions"].to_pylist()}
    assert held == {(32933, 1, "custom"), (32936, 1, "🔥")}  # by hand: one reaction each, as the export counts
    page = reports.render_html(tables, rng, result.chat.id)
    assert ">1 custom emoji<" in page and ">1 🔥<" in page and "stickers/" not in page


def test_forwards_an_export_names_only_by_name_are_reported_as_name_only(monkeypatch):
    from telegram_pipeline.reports import build as reports

    monkeypatch.setenv("TIMEZONE", "UTC")
    export = DATA / "channel_forwards_by_name_2023.json"
    named = [
        m["forwarded_from"] for m in json.loads(export.read_text(encoding="utf-8"))["messages"] if "forwarded_from" in m
    ]
    result = desktop_export.import_export(export)
    first, last = date(2023, 5, 9), date(2023, 5, 11)  # the three forwards' days in UTC
    consolidate_range(first, last)
    rng, tables = build_tables(first, last)
    sources = [
        (r["source_id"], r["source_name"], r["source_type"], r["messages"])
        for r in tables["forward_sources"].to_pylist()
    ]
    assert sorted(sources) == sorted((None, name, "name only", 1) for name in named) and len(named) == 3
    page = reports.render_html(tables, rng, result.chat.id)
    assert page.count(">1 · name only<") == 3 and "hidden user" not in page
