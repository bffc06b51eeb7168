"""The engagement tables (reactions, interactions, emoji, members, content_mix, conversations), row by
row, against what plain Python reads from the raw updates (tests/support/groups_lake.py) or a hand count; the
same through the generated Athena SQL; the headline the digest uses; the page's charts."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from telegram_pipeline import config
from telegram_pipeline.lake import migrations, storage
from telegram_pipeline.reports import build as reports
from telegram_pipeline.reports import definitions, duckdb_engine, sql

from tests.support.athena_results import as_duckdb_sql
from tests.support.groups_lake import (
    BOT,
    CORRIDA,
    FIRST,
    LAST,
    PEDAL,
    PEDAL_OLD,
    TRILHAS,
    TZ,
    USERS,
    Engagement,
    counted_messages,
    engaged_groups,
    event_day,
    in_range,
    latest_reactions,
    mentions_of,
    usernames,
    write_and_consolidate,
)
from tests.support.lake_once import built_once, copy_into
from tests.support.reports_once import ReportsOnce

ANA, BIA, CAIO, DUDA, EDU, FABI = (USERS[n]["id"] for n in ("ana", "bia", "caio", "duda", "edu", "fabi"))
GAP = 30 * 60
ENGAGEMENT = ("reactions", "interactions", "emoji", "members", "content_mix", "conversations")


@pytest.fixture(scope="module")
def engaged_lake(tmp_path_factory) -> tuple[Path, Engagement]:
    """The groups' updates written and consolidated once for the module."""
    folder = tmp_path_factory.mktemp("engaged")
    updates = engaged_groups()
    built_once(folder, lambda: write_and_consolidate(updates), TIMEZONE=TZ)
    return folder, updates


@pytest.fixture
def lake(engaged_lake, local_lake, monkeypatch) -> Engagement:
    folder, updates = engaged_lake
    copy_into(folder, local_lake)
    monkeypatch.setenv("TIMEZONE", TZ)
    return updates


def ranges() -> list[definitions.ReportRange]:
    settings = config.load()
    return [
        definitions.ReportRange.from_settings(FIRST, LAST, settings),
        definitions.ReportRange.from_settings(LAST, LAST, settings),
    ]


@pytest.fixture(scope="module")
def module_reports() -> ReportsOnce:
    """The tests that ask for ``engine`` read the module's lake and never write it."""
    return ReportsOnce()


@pytest.fixture(params=["duckdb", "athena text on duckdb"])
def engine(request, module_reports):
    """The DuckDB engine's tables, or what the generated Athena SQL gives (transpiled back to DuckDB)."""

    def build(rng: definitions.ReportRange) -> dict:
        settings = config.load()
        if request.param == "duckdb":
            return reports.build(rng, settings)
        duck = duckdb_engine.DuckDBReports(settings, rng.scan_last)
        duckdb_engine.register_messages(duck.con, rng.scan_last, settings)  # Athena's text reads every partition
        markers = migrations.markers(storage.raw_store(settings))
        try:
            return {
                name: duck.con.execute(as_duckdb_sql(sql.rendered_athena_sql(name, rng, markers=markers)))
                .to_arrow_table()
                .cast(definitions.output_schemas()[name])
                for name in definitions.REPORTS
            }
        finally:
            duck.close()

    return lambda rng: module_reports.tables(request.param, rng, lambda: build(rng))


def utc(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, ZoneInfo("UTC"))


# --------------------------------------------------------------------------- reactions


def expected_reactions(updates, rng):
    held = latest_reactions(updates, rng.last)
    rows = []
    for m in in_range(counted_messages(updates), rng.first, rng.last):
        counts = held.get((m["origin"], m["message_id"]))
        if counts:
            top = min(counts, key=lambda e: (-counts[e], e))
            rows.append({"chat_id": m["chat_id"], "message_id": m["message_id"], "user_id": m["sender"], "user_name": m["name"],
                         "sent_at": utc(m["date"]), "text": (m["text"] or "")[:200] or None, "reactions": sum(counts.values()), "stars": 0, "top_emoji": top})  # fmt: skip
    for chat in {r["chat_id"] for r in rows}:
        mine = [r for r in rows if r["chat_id"] == chat]
        for r in mine:
            r["rank"] = 1 + sum(o["reactions"] > r["reactions"] for o in mine)
    return sorted(rows, key=lambda r: (r["chat_id"], r["rank"], r["sent_at"], r["message_id"]))


def test_reactions(lake, engine):
    for rng in ranges():
        assert engine(rng)["reactions"].to_pylist() == expected_reactions(lake, rng), rng
    got = {
        (r["chat_id"], r["user_id"], r["message_id"]): (r["reactions"], r["top_emoji"], r["rank"])
        for r in engine(ranges()[0])["reactions"].to_pylist()
    }
    assert got == {  # by hand
        (CORRIDA["id"], BIA, 8): (8, "🔥", 1),  # anonymous totals, the latest of the range (Thursday's not)
        (CORRIDA["id"], BIA, 3): (4, "👍", 2),  # ana's 👍 🔥, and 3 👍 counted anonymously
        (CORRIDA["id"], ANA, 2): (1, "❤️", 3),  # bia changed 👍 to ❤️, caio took his 🔥 back
        (CORRIDA["id"], ANA, 5): (1, "🔥", 3),  # fabi's; the bot's left out
        (TRILHAS["id"], DUDA, 2): (1, "🔥", 1),
        (PEDAL["id"], DUDA, 2): (1, "👏", 1),  # the basic group's message 2 ...
        (PEDAL["id"], CAIO, 2): (1, "🚴", 1),  # ... and the supergroup's: two messages
    }


# --------------------------------------------------------------------------- interactions


def expected_interactions(updates, rng):
    messages = counted_messages(updates)
    by_key = {(m["origin"], m["message_id"]): m for m in messages}
    names = usernames(updates)
    handles = mentions_of(updates)
    pairs: dict[tuple, Counter] = defaultdict(Counter)
    for m in in_range(messages, rng.first, rng.last):
        answered = by_key.get((m["origin"], m["reply_to"]))
        if answered and answered["sender"] != m["sender"] and rng.previous_first <= answered["day"] <= rng.last:
            pairs[(m["chat_id"], m["sender"], answered["sender"])]["replies"] += 1
        for user in {names.get(h[1:].lower()) for h in handles.get((m["origin"], m["message_id"]), [])} - {
            None,
            m["sender"],
        }:
            pairs[(m["chat_id"], m["sender"], user)]["mentions"] += 1
    rows = [
        {"chat_id": c, "from_user_id": f, "to_user_id": t, "replies": n["replies"], "mentions": n["mentions"]}
        for (c, f, t), n in pairs.items()
    ]
    return sorted(
        rows,
        key=lambda r: (
            r["chat_id"],
            -(r["replies"] + r["mentions"]),
            -r["replies"],
            r["from_user_id"],
            r["to_user_id"],
        ),
    )


def test_interactions(lake, engine):
    for rng in ranges():
        assert engine(rng)["interactions"].to_pylist() == expected_interactions(lake, rng), rng
    three_days, wednesday = (
        {
            (r["chat_id"], r["from_user_id"], r["to_user_id"]): (r["replies"], r["mentions"])
            for r in engine(rng)["interactions"].to_pylist()
        }
        for rng in ranges()
    )
    assert three_days == {  # by hand
        (CORRIDA["id"], BIA, ANA): (1, 1),  # a reply and an @mention; ana naming herself and @ninguem count for nobody
        (CORRIDA["id"], ANA, BIA): (1, 0),
        (CORRIDA["id"], CAIO, ANA): (1, 0),
        (CORRIDA["id"], CAIO, BIA): (1, 0),
        (CORRIDA["id"], EDU, FABI): (1, 0),  # to Sunday's message: the period before the range
        (TRILHAS["id"], DUDA, ANA): (0, 1),  # @Ana_Souza is @ana_souza
        (PEDAL["id"], DUDA, CAIO): (1, 0),
    }
    assert wednesday == {  # Tuesday is the period before; Monday's and Sunday's messages are too old
        (CORRIDA["id"], CAIO, BIA): (1, 0),
        (TRILHAS["id"], DUDA, ANA): (0, 1),
    }


# --------------------------------------------------------------------------- emoji


def test_emoji_are_graphemes(lake, engine):
    rows = engine(ranges()[0])["emoji"].to_pylist()
    got = {(r["chat_id"], r["emoji"]): (r["messages"], r["users"], r["rank"]) for r in rows}
    corrida = CORRIDA["id"]
    assert got == {  # by hand: each message once; skin tones, flags, keycaps, ZWJ sequences whole
        (corrida, "👍🏽"): (2, 2, 1),  # twice in bia's message: once; and caio's
        (corrida, "🇧🇷"): (1, 1, 2),
        (corrida, "👩\u200d💻"): (1, 1, 2),
        (corrida, "🏃\u200d♀"): (1, 1, 2),  # variation selectors dropped ...
        (corrida, "😂"): (1, 1, 2),
        (corrida, "❤"): (1, 1, 2),  # ... so ❤️ and ❤ in one message are one emoji
        (corrida, "1⃣"): (1, 1, 2),
        (TRILHAS["id"], "🏔"): (1, 1, 1),
    }
    corrida_rows = [r["emoji"] for r in rows if r["chat_id"] == corrida]
    assert corrida_rows[:2] == ["👍🏽", "1⃣"]  # by rank, then by code point


# --------------------------------------------------------------------------- members


def membership_changes(updates, rng) -> dict[tuple, dict]:
    """Each member's latest join and leave in the range, and the name the latest of them gave (``named``:
    first and last name, else @username)."""
    changes: dict[tuple, dict] = defaultdict(dict)
    moved = {PEDAL_OLD["id"]: PEDAL["id"]}

    def changed(chat: int, user: dict, change: str, when: int) -> None:
        change_of = changes[(chat, user["id"])]
        change_of[change] = utc(when)
        name = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p) or f"@{user['username']}"
        change_of["named"] = max(change_of.get("named", (when, name)), (when, name))

    for update in updates.items:
        body = update.get("message") or update.get("chat_member")
        if not body or not rng.first <= event_day(update) <= rng.last:
            continue
        chat = moved.get(body["chat"]["id"], body["chat"]["id"])
        if "new_chat_members" in body:
            for user in body["new_chat_members"]:
                changed(chat, user, "joined_at", body["date"])
        elif "left_chat_member" in body:
            changed(chat, body["left_chat_member"], "left_at", body["date"])
        elif "new_chat_member" in body and "old_chat_member" in body:
            was = body["old_chat_member"]["status"] not in ("left", "kicked")
            now = body["new_chat_member"]["status"] not in ("left", "kicked")
            if was != now:
                changed(chat, body["new_chat_member"]["user"], "joined_at" if now else "left_at", body["date"])
    return changes


def expected_members(updates, rng):
    everything = counted_messages(updates)
    history = [m for m in everything if m["day"] <= rng.last]
    recent = in_range(everything, rng.previous_first, rng.last)
    changes = membership_changes(updates, rng)
    people = {(m["chat_id"], m["sender"]) for m in recent} | set(changes)
    rows = []
    for chat, user in people:
        mine = [m for m in history if (m["chat_id"], m["sender"]) == (chat, user)]
        now = [m for m in mine if m["day"] >= rng.first]
        before = [m for m in mine if rng.previous_first <= m["day"] < rng.first]
        named = [m for m in mine if m["day"] >= rng.previous_first]
        first = min(mine, key=lambda m: m["date"]) if mine else None
        if now:
            status = "new" if first["day"] >= rng.first else "returning"
        else:
            status = "quiet" if before else "silent"
        if named:
            name = max(named, key=lambda m: m["date"])["name"]
        else:  # a member who posted nothing is named as their latest join or leave named them
            name = changes[(chat, user)]["named"][1] if (chat, user) in changes else f"user {user}"
        rows.append({"chat_id": chat, "user_id": user, "user_name": name,
                     "messages": len(now), "previous_messages": len(before),
                     "first_message_at": utc(first["date"]) if first else None, "last_message_at": utc(max(m["date"] for m in mine)) if mine else None,
                     "status": status, "joined_at": changes[(chat, user)].get("joined_at") if (chat, user) in changes else None,
                     "left_at": changes[(chat, user)].get("left_at") if (chat, user) in changes else None})  # fmt: skip
    return sorted(rows, key=lambda r: (r["chat_id"], -r["messages"], -r["previous_messages"], r["user_id"]))


def test_members(lake, engine):
    for rng in ranges():
        assert engine(rng)["members"].to_pylist() == expected_members(lake, rng), rng
    three_days, wednesday = (
        {(r["chat_id"], r["user_id"]): (r["status"], r["messages"], r["previous_messages"], r["joined_at"] is not None, r["left_at"] is not None)
         for r in engine(rng)["members"].to_pylist()}
        for rng in ranges()
    )  # fmt: skip
    corrida = CORRIDA["id"]
    assert {k: v for k, v in three_days.items() if k[0] == corrida} == {  # by hand
        (corrida, ANA): ("new", 5, 0, False, False),  # the lake starts on Sunday
        (corrida, BIA): ("new", 3, 0, False, False),
        (corrida, CAIO): ("new", 3, 0, False, False),  # restricted, still a member: no leave
        (corrida, EDU): ("new", 1, 0, True, False),  # joined (new_chat_members), then posted
        (corrida, FABI): ("quiet", 0, 1, False, True),  # posted on Sunday only, left on Wednesday
        (corrida, DUDA): ("silent", 0, 0, True, False),  # joined (chat_member), never posted here
    }
    assert {k: v for k, v in wednesday.items() if k[0] == corrida} == {
        (corrida, ANA): ("returning", 1, 3, False, False),
        (corrida, BIA): ("returning", 1, 1, False, False),
        (corrida, CAIO): ("returning", 2, 0, False, False),
        (corrida, EDU): ("new", 1, 0, True, False),
        (corrida, FABI): ("silent", 0, 0, False, True),  # Sunday is not Tuesday
    }


# --------------------------------------------------------------------------- content mix and conversations


def test_content_mix(lake, engine):
    for rng in ranges():
        expected = Counter()
        for m in in_range(counted_messages(lake), rng.first, rng.last):
            kind = "photo" if m["text"] == "Foto do treino" else "text"
            expected[(m["chat_id"], m["day"], kind)] += 1
        rows = sorted(
            ({"chat_id": c, "date": d, "content_type": k, "messages": n} for (c, d, k), n in expected.items()),
            key=lambda r: (r["chat_id"], r["date"], -r["messages"], r["content_type"]),
        )
        assert engine(rng)["content_mix"].to_pylist() == rows


def expected_conversations(updates, rng):
    messages = [m for m in counted_messages(updates) if m["day"] <= rng.last]
    by_key = {(m["origin"], m["message_id"]): m for m in messages}
    started, received, waits = Counter(), Counter(), defaultdict(list)
    first_reply: dict[tuple, int] = {}
    for m in messages:
        answered = by_key.get((m["origin"], m["reply_to"]))
        if answered and answered["sender"] != m["sender"]:
            key = (answered["origin"], answered["message_id"])
            first_reply[key] = min(first_reply.get(key, m["date"]), m["date"])
            if rng.first <= m["day"] and rng.previous_first <= answered["day"]:
                received[(m["chat_id"], answered["sender"])] += 1
    previous: dict[int, int] = {}
    for m in messages:  # in time order
        if rng.first <= m["day"]:
            if m["chat_id"] not in previous or m["date"] - previous[m["chat_id"]] >= GAP:
                started[(m["chat_id"], m["sender"])] += 1
            if (m["origin"], m["message_id"]) in first_reply:
                waits[(m["chat_id"], m["sender"])].append(first_reply[(m["origin"], m["message_id"])] - m["date"])
        previous[m["chat_id"]] = m["date"]
    people = {(m["chat_id"], m["sender"]) for m in messages if rng.first <= m["day"]} | set(received)
    rows = [{"chat_id": c, "user_id": u, "started": started[(c, u)], "replies_received": received[(c, u)],
             "median_reply_seconds": float(statistics.median(waits[(c, u)])) if waits[(c, u)] else None} for c, u in people]  # fmt: skip
    return sorted(rows, key=lambda r: (r["chat_id"], -r["started"], -r["replies_received"], r["user_id"]))


def test_conversations(lake, engine):
    for rng in ranges():
        assert engine(rng)["conversations"].to_pylist() == expected_conversations(lake, rng), rng
    wednesday = {(r["chat_id"], r["user_id"]): r for r in engine(ranges()[1])["conversations"].to_pylist()}
    # bia's 09:00 message opened Wednesday (nothing since Tuesday 23:30); caio answered it 30 minutes later
    assert (
        wednesday[(CORRIDA["id"], BIA)]["started"] == 1
        and wednesday[(CORRIDA["id"], BIA)]["median_reply_seconds"] == 1800.0
    )
    assert wednesday[(CORRIDA["id"], CAIO)]["started"] == 1  # 10:00, half an hour after ana's 09:31 (exactly the gap)


def test_a_longer_gap_opens_fewer_conversations(lake, monkeypatch):
    monkeypatch.setenv("CONVERSATION_GAP_MINUTES", "120")
    rng = definitions.ReportRange.from_settings(LAST, LAST, config.load())
    started = {
        r["user_id"]: r["started"]
        for r in reports.build(rng)["conversations"].to_pylist()
        if r["chat_id"] == CORRIDA["id"]
    }
    assert started[CAIO] == 0 and started[BIA] == 1
    monkeypatch.setenv("CONVERSATION_GAP_MINUTES", "0")
    with pytest.raises(ValueError, match="1 to 1440"):
        config.load()


# --------------------------------------------------------------------------- the headline and the page


def test_summary_says_the_engagement_headline(lake):
    settings = config.load()
    rng = definitions.ReportRange.from_settings(FIRST, LAST, settings)
    summary = reports.summarize(reports.build(rng, settings), rng, CORRIDA["id"])
    assert summary.reactions == 8 + 4 + 1 + 1
    top = summary.most_reacted[0]
    assert (top.author, top.text, top.reactions, top.top_emoji) == ("Bia", "Parque lotado hoje", 8, "🔥")
    assert [(p.from_name, p.to_name, p.replies, p.mentions) for p in summary.strongest_pairs][:1] == [
        ("Bia", "Ana", 1, 1)
    ]
    assert summary.top_emoji[0] == ("👍🏽", 2)
    assert summary.member_status == {"new": 4, "quiet": 1, "silent": 1} and (summary.joined, summary.left) == (2, 1)
    assert summary.content_mix == [("text", 11), ("photo", 1)]
    conversations = [r for r in expected_conversations(lake, rng) if r["chat_id"] == CORRIDA["id"]]
    assert summary.conversations_started == sum(r["started"] for r in conversations)
    # the group's median wait: bia 5 min after ana (Mon), ana 10 min after bia (Tue), caio 30 min after
    # bia (Wed); caio's Wednesday reply to Monday's message is not Monday's first answer
    assert summary.median_reply_seconds == 600.0
    assert summary.to_dict()["most_reacted"][0]["sent_at"].startswith("2026-03-11T")


def test_every_group_has_the_six_tables_and_the_bot_is_nowhere(lake):
    tables = reports.build(ranges()[0])
    for name in ENGAGEMENT:
        assert tables[name].schema == definitions.output_schemas()[name] and tables[name].schema.names[0] == "chat_id"
        ids = set()
        for column in ("user_id", "from_user_id", "to_user_id"):
            if column in tables[name].column_names:
                ids |= set(tables[name].column(column).to_pylist())
        assert BOT["id"] not in ids, name
    assert {c for t in ENGAGEMENT for c in tables[t].column("chat_id").to_pylist()} == {
        CORRIDA["id"],
        TRILHAS["id"],
        PEDAL["id"],
    }


def test_windows_built_together_equal_each_built_alone(lake):
    settings = config.load()
    together = reports.build_windows(LAST, settings)
    for window, days in definitions.WINDOWS.items():
        alone = reports.build(
            definitions.ReportRange.from_settings(LAST - timedelta(days=days - 1), LAST, settings), settings
        )
        for name in definitions.REPORTS:
            assert together[window][name].equals(alone[name]), (window, name)


def test_one_engine_builds_one_day_after_another_and_keeps_no_stage(lake):
    """The stages kept compressed in databases of their own (counted_messages, keyword_uses) are dropped
    with the others after each build, and the next build makes them again."""
    settings = config.load()
    days = [
        definitions.ReportRange.from_settings(last - timedelta(days=6), last, settings)
        for last in (LAST - timedelta(days=1), LAST)
    ]
    engine = duckdb_engine.DuckDBReports(settings, days[-1].scan_last)  # as build_days_windows opens it
    try:
        for rng in days:
            built = engine.build(rng)
            assert engine.con.execute("SELECT database_name, table_name FROM duckdb_tables()").fetchall() == []
            stages = set(definitions.STAGES) & {
                v for (v,) in engine.con.execute("SELECT view_name FROM duckdb_views()").fetchall()
            }
            assert stages == set()
            alone = reports.build(rng, settings)
            for name in definitions.REPORTS:
                assert built[name].equals(alone[name]), (rng.last, name)
    finally:
        engine.close()


def test_the_largest_stages_compressed_hold_the_same_rows(lake, monkeypatch):
    """Compressed from COMPRESSED_FROM rows on (here from the first), counted_messages made a few partitions
    at a time and keyword_uses a bucket at a time hold what one statement of each gives, uncompressed."""
    settings = config.load()
    span = definitions.Span(
        [definitions.ReportRange.from_settings(LAST - timedelta(days=d - 1), LAST, settings) for d in (7, 1)]
    )

    def stages_of(engine):
        engine._prepare(span)
        for stage, kind in definitions.STAGES.items():
            engine._create_stage(stage, kind, span.params())
        return {
            stage: engine.con.execute(f"SELECT * FROM {stage} ORDER BY ALL").fetchall()
            for stage in duckdb_engine.COMPRESSED_STAGES
        }

    whole = duckdb_engine.DuckDBReports(settings, span.scan_last)
    compressed = duckdb_engine.DuckDBReports(settings, span.scan_last)
    try:
        whole._parts = lambda stage, params, con: [{}]  # each stage in one statement, over all its days
        expected = stages_of(whole)
        monkeypatch.setattr(duckdb_engine, "COMPRESSED_FROM", 1)
        assert stages_of(compressed) == expected
        assert len(compressed._parts("counted_messages", span.params(), compressed.con)) == duckdb_engine.ROW_PARTS
        assert len(compressed._parts("keyword_uses", span.params(), compressed.con)) == 3  # 7 days cut at the last
        for stage in duckdb_engine.COMPRESSED_STAGES:
            storage = f"SELECT DISTINCT compression FROM pragma_storage_info('{stage}_store.{stage}')"
            assert {c for (c,) in compressed.con.execute(storage).fetchall()} - {"Uncompressed"}, stage
    finally:
        compressed.close()
        whole.close()
