"""Many groups in one lake: each reported apart, a group that became a supergroup reported once under its
new id, each with its own page; the numbers checked against a count of the raw updates in plain Python
(tests/support/groups_lake.py). And which windows the DAG rebuilds when a day is rewritten."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, timedelta
from html.parser import HTMLParser

import pyarrow.parquet as pq
import pytest
from telegram_pipeline import cli, config
from telegram_pipeline.lake import consolidate, storage
from telegram_pipeline.orchestration import asset_events
from telegram_pipeline.reports import build as reports
from telegram_pipeline.reports import definitions

from tests.support.groups_lake import (
    CORRIDA,
    FIRST,
    LAST,
    PEDAL,
    PEDAL_OLD,
    TRILHAS,
    TZ,
    USERS,
    Updates,
    at,
    counted_messages,
    in_range,
    posters,
    three_groups,
    write_and_consolidate,
)

ANA, BIA, CAIO, DUDA, EDU, FABI = (USERS[n]["id"] for n in ("ana", "bia", "caio", "duda", "edu", "fabi"))


@pytest.fixture
def groups_lake(monkeypatch) -> Updates:
    monkeypatch.setenv("TIMEZONE", TZ)
    updates = three_groups()
    write_and_consolidate(updates)
    return updates


def build(first: date = FIRST, last: date = LAST, **kwargs):
    settings = config.load()
    return reports.build(definitions.ReportRange.from_settings(first, last, settings), settings, **kwargs)


def by_chat(rows: list[dict], key: str, value: str) -> dict[int, dict]:
    found: dict[int, dict] = defaultdict(dict)
    for row in rows:
        found[row["chat_id"]][row[key]] = row[value]
    return dict(found)


def test_each_group_counts_its_own_messages(groups_lake):
    tables = build()
    got = {
        chat: Counter(counts)
        for chat, counts in by_chat(tables["top_posters"].to_pylist(), "user_id", "messages").items()
    }
    expected = posters(in_range(counted_messages(groups_lake), FIRST, LAST))
    assert got == expected
    assert got == {  # by hand
        CORRIDA["id"]: Counter({ANA: 3, BIA: 2, CAIO: 1}),  # ana's edit once; the bot left out
        TRILHAS["id"]: Counter({DUDA: 3, ANA: 2}),  # message ids 1..5 again: other messages
        PEDAL["id"]: Counter({CAIO: 3, DUDA: 2}),  # 1 + 2 under the old id, 3 under the new (id 2 twice)
    }
    shares = defaultdict(float)
    for row in tables["top_posters"].to_pylist():
        shares[row["chat_id"]] += row["share"]
    assert shares == pytest.approx({CORRIDA["id"]: 1.0, TRILHAS["id"]: 1.0, PEDAL["id"]: 1.0})


def test_the_groups_of_the_range(groups_lake):
    chats = {c["chat_id"]: c for c in build()["chats"].to_pylist()}
    messages = in_range(counted_messages(groups_lake), FIRST, LAST)
    before = in_range(counted_messages(groups_lake), FIRST - timedelta(days=3), FIRST - timedelta(days=1))
    for chat_id, chat in chats.items():
        mine, theirs_before = (
            [m for m in messages if m["chat_id"] == chat_id],
            [m for m in before if m["chat_id"] == chat_id],
        )
        assert (chat["messages"], chat["active_users"]) == (len(mine), len({m["sender"] for m in mine}))
        assert (chat["previous_messages"], chat["previous_active_users"]) == (
            len(theirs_before),
            len({m["sender"] for m in theirs_before}),
        )
    assert {c: (v["title"], v["migrated_from_chat_id"], v["previous_messages"]) for c, v in chats.items()} == {
        CORRIDA["id"]: ("Corrida SP", None, 1),  # fabi, on the Sunday before
        TRILHAS["id"]: ("Trilhas", None, 0),
        PEDAL["id"]: ("Pedal", PEDAL_OLD["id"], 0),  # the basic group is not a group of its own
    }


def test_daily_volume_and_heatmap_per_group(groups_lake):
    tables = build()
    messages = in_range(counted_messages(groups_lake), FIRST, LAST)
    volume = {
        (v["chat_id"], v["date"]): (v["messages"], v["active_users"], v["new_members"])
        for v in tables["daily_volume"].to_pylist()
    }
    for chat in (CORRIDA, TRILHAS, PEDAL):
        for day in (FIRST, FIRST + timedelta(days=1), LAST):
            mine = [m for m in messages if m["chat_id"] == chat["id"] and m["day"] == day]
            joined = 1 if (chat, day) == (CORRIDA, LAST) else 0  # edu
            assert volume[(chat["id"], day)] == (len(mine), len({m["sender"] for m in mine}), joined)
    assert len(volume) == 3 * 3

    cells = tables["activity_heatmap"].to_pylist()
    assert len(cells) == 3 * 168
    got = {(c["chat_id"], c["weekday"], c["hour"]): (c["messages"], c["active_users"]) for c in cells if c["messages"]}
    expected: dict[tuple, list] = defaultdict(list)
    for m in messages:
        expected[(m["chat_id"], m["local"].isoweekday(), m["local"].hour)].append(m["sender"])
    assert got == {cell: (len(senders), len(set(senders))) for cell, senders in expected.items()}
    waits = {
        (c["chat_id"], c["weekday"], c["hour"]): c["median_reply_seconds"]
        for c in cells
        if c["median_reply_seconds"] is not None
    }
    # bia answered ana's Monday 10:00 message after 5 minutes; duda caio's Tuesday 13:00 one after 20
    assert waits == {(CORRIDA["id"], 1, 10): 300.0, (PEDAL["id"], 2, 13): 1200.0}


def test_keywords_per_group(groups_lake, monkeypatch):
    monkeypatch.setenv("TRACKED_KEYWORDS", "trilha,pedal")
    keywords = build()["keywords"].to_pylist()
    counts = {(k["chat_id"], k["keyword"].casefold()): k["messages"] for k in keywords}  # as last written
    assert counts[(CORRIDA["id"], "treino")] == 4 and counts[(TRILHAS["id"], "trilha")] == 4  # a caption is text
    assert counts[(PEDAL["id"], "pedal")] == 2 and counts[(PEDAL["id"], "domingo")] == 2
    # tracked keywords are reported for every group, at zero where nobody used them
    assert counts[(CORRIDA["id"], "trilha")] == 0 and counts[(CORRIDA["id"], "pedal")] == 0
    assert (TRILHAS["id"], "treino") not in counts


def test_a_migration_known_only_from_the_webhook_marker(monkeypatch):
    """Days consolidated before the curated table had migrate_chat_id: the marker joins the two ids."""
    monkeypatch.setenv("TIMEZONE", TZ)
    updates = three_groups()
    updates.items = [
        u for u in updates.items if not {"migrate_to_chat_id", "migrate_from_chat_id"} & set(u.get("message", {}))
    ]
    write_and_consolidate(updates)
    assert {c["chat_id"] for c in build()["chats"].to_pylist()} == {
        CORRIDA["id"],
        TRILHAS["id"],
        PEDAL["id"],
        PEDAL_OLD["id"],
    }

    marker = {"from_chat_id": PEDAL_OLD["id"], "to_chat_id": PEDAL["id"], "update_id": 1, "recorded_at": 0}
    storage.raw_store().write(f"_migrations/{PEDAL['id']}.json", json.dumps(marker).encode())
    storage.raw_store().write("_migrations/garbage.json", b"{not json")  # skipped, with a warning
    tables = build()
    assert {c["chat_id"] for c in tables["chats"].to_pylist()} == {CORRIDA["id"], TRILHAS["id"], PEDAL["id"]}
    assert by_chat(tables["top_posters"].to_pylist(), "user_id", "messages")[PEDAL["id"]] == {CAIO: 3, DUDA: 2}


def test_only_the_groups_asked_for(groups_lake):
    tables = build(chat_ids=[PEDAL["id"]])
    assert {name: set(t.column("chat_id").to_pylist()) for name, t in tables.items()} == {
        # nobody reacts, uses emoji, joins, answers a question, shares a link or a forward there; nothing
        # surges; it is no forum nor a channel's discussion group
        name: set()
        if name
        in (
            "reactions",
            "emoji",
            "topics",
            "join_sources",
            "helpers",
            "links",
            "forward_sources",
            "surges",
            "channel_posts",
        )
        else {PEDAL["id"]}
        for name in definitions.REPORTS
    }


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs)["href"])


def test_a_page_per_group_and_an_index(groups_lake, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["report", "--from", FIRST.isoformat(), "--to", LAST.isoformat(), "--out", str(out)]) == 0
    index = Links()
    index.feed((out / "index.html").read_text())
    # the busiest first: Corrida's 6 messages, then Pedal's and Trilhas' 5 each, the lower id first
    assert index.links == [f"chat_id={c['id']}/report.html" for c in (CORRIDA, PEDAL, TRILHAS)]
    for chat, messages in ((CORRIDA, 6), (TRILHAS, 5), (PEDAL, 5)):
        page = (out / f"chat_id={chat['id']}" / "report.html").read_text()
        assert f"<h1><bdi>{chat['title']}</bdi></h1>" in page
        assert (
            f'data-kpi="messages"><div class="label" lang="en">Messages</div><div class="value" dir="auto">{messages}</div>'
            in page
        )
    assert "Trilha" not in (out / f"chat_id={CORRIDA['id']}" / "report.html").read_text()
    for name in definitions.REPORTS:
        table = pq.read_table(out / f"{name}.parquet")
        assert table.schema == definitions.output_schemas()[name] and table.schema.names[0] == "chat_id"
    printed = capsys.readouterr().out
    assert (
        "3 groups" in printed and "Pedal (group -1003000000003)" in printed and "5 messages from 2 members" in printed
    )

    one = tmp_path / "one"
    args = [
        "report",
        "--from",
        FIRST.isoformat(),
        "--to",
        LAST.isoformat(),
        "--out",
        str(one),
        "--chat-id",
        str(PEDAL["id"]),
    ]
    assert cli.main(args) == 0
    assert sorted(p.name for p in one.iterdir()) == sorted(
        [f"chat_id={PEDAL['id']}", "index.html"] + [f"{n}.parquet" for n in definitions.REPORTS]
    )
    assert set(pq.read_table(one / "top_posters.parquet").column("chat_id").to_pylist()) == {PEDAL["id"]}
    assert cli.main([*args[:-1], str(PEDAL_OLD["id"])]) == 2  # the old id is no group of its own
    assert "no group -4030000003" in capsys.readouterr().err


def test_summary_compares_with_the_period_before(groups_lake):
    settings = config.load()
    rng = definitions.ReportRange.from_settings(FIRST, FIRST, settings)
    tables = reports.build(rng, settings)
    summary = reports.summarize(tables, rng, CORRIDA["id"])
    # Monday: ana and bia and caio (3 messages, 3 members); Sunday: fabi alone
    assert (summary.messages, summary.previous_messages, summary.active_users, summary.previous_active_users) == (
        3,
        1,
        3,
        1,
    )
    assert summary.messages_change == 2.0 and summary.active_users_change == 2.0
    assert (
        summary.change_sentence()
        == "3 messages (+200%, from 1) and 3 active members (+200%, from 1) against the day before."
    )
    assert (summary.best_time.weekday, summary.best_time.hour, summary.best_time.median_reply_seconds) == (
        "Monday",
        10,
        300.0,
    )
    assert summary.title == "Corrida SP"


# --------------------------------------------------------------------------- the DAG's windows


def test_a_rewritten_day_rebuilds_every_window_containing_it(groups_lake):
    settings = config.load()
    for day in (FIRST, FIRST + timedelta(days=1), LAST):
        reports.build_day_windows(day, settings)
    # Thursday's partition exists (an edit), its reports were never built: not rebuilt by a rewrite
    assert asset_events.days_containing([FIRST], settings) == [FIRST, FIRST + timedelta(days=1), LAST]
    assert asset_events.days_containing([LAST], settings) == [LAST]
    far = FIRST - timedelta(days=29)
    assert asset_events.days_containing([far], settings) == [far, FIRST]  # FIRST is far + 29: still inside

    # a late update lands in Monday's partition: the 7-day window of Wednesday counts it
    late = {"update_id": 999999, "message": {"message_id": 50, "from": USERS["fabi"], "chat": TRILHAS, "date": at("2026-03-09T15:00"), "text": "Atrasada"}}  # fmt: skip
    day = FIRST
    storage.raw_store().write(f"context_date={day.isoformat()}/999999.json", json.dumps(late).encode())
    rewritten = consolidate.consolidate_day(day, settings)
    assert rewritten.rows
    for rebuilt in asset_events.days_containing([day], settings):
        reports.build_day_windows(rebuilt, settings)
    store = storage.reports_store(settings)
    week = pq.read_table(store.url(reports.window_prefix("top_posters", LAST, "7d") + "/data.parquet")).to_pylist()
    assert {(p["chat_id"], p["user_id"]): p["messages"] for p in week}[(TRILHAS["id"], FABI)] == 1


def test_dates_to_report_rebuild_the_windows_of_the_days_after(groups_lake):
    class Event:
        extra = {"dates": [FIRST.isoformat()]}

    class Asset:
        name = uri = "telegram_curated_messages"

    settings = config.load()
    reports.build_day_windows(FIRST + timedelta(days=1), settings)
    assert asset_events.dates_to_report({}, {Asset(): [Event()]}) == [
        FIRST.isoformat(),
        (FIRST + timedelta(days=1)).isoformat(),
    ]


def test_day_windows_write_every_group_and_page(groups_lake):
    settings = config.load()
    result = reports.build_day_windows(LAST, settings)
    assert set(result["windows"]["7d"]) == {str(c["id"]) for c in (CORRIDA, TRILHAS, PEDAL)}
    assert result["windows"]["7d"][str(PEDAL["id"])] == {"messages": 5, "active_users": 2}
    keys = set(storage.reports_store(settings).list("html"))
    for window in definitions.WINDOWS:
        folder = f"html/context_date={LAST.isoformat()}/window={window}"
        assert {k for k in keys if k.startswith(folder + "/")} == {f"{folder}/index.html"} | {
            f"{folder}/chat_id={c['id']}/report.html" for c in (CORRIDA, TRILHAS, PEDAL)
        }
