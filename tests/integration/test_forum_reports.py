"""Forums, reactions, channels and private chats through the whole pipeline: the raw zone (a real export
imported, live Bot API updates as the webhook stores them), the real consolidation, the reports on
DuckDB and on the Athena text, the page, the digest.

Each number is computed again from the input by another route than the SQL under test: plain Python
over the Bot API updates, plain json over the export file, or by hand."""

from __future__ import annotations

import json
import re
import statistics
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from telegram_pipeline import cli, config
from telegram_pipeline.ingest import desktop_export
from telegram_pipeline.lake import consolidate
from telegram_pipeline.reports import build, definitions, digest_content, html
from telegram_pipeline.reports import search as keyword_search
from telegram_pipeline.reports.summary import summarize

from tests.support import raw_updates
from tests.support.athena_results import assert_athena_text_gives_the_duckdb_results
from tests.support.groups_lake import USERS, Updates, at, write_and_consolidate
from tests.support.html_elements import shown_text
from tests.support.lake_once import built_once, copy_into

DATA = Path(__file__).resolve().parents[1] / "data"
FORUM_EXPORT = DATA / "forum_account_export_2024.json"
CHANNEL_EXPORT = DATA / "channel_rtl_2025.json"
TWO_CHATS = DATA / "account_export_two_chats.json"
OLDER = DATA / "older_client_from_id_zero.json"
REAL_FORUM = DATA / "botapi_forum_topic_roots_2023.json"

TZ = "America/Sao_Paulo"
FORUM = {"id": -1005000000005, "title": "Fórum da Corrida", "type": "supergroup", "is_forum": True}
FIRST, LAST = date(2026, 3, 9), date(2026, 3, 11)
ana, bia, caio, duda, edu = (USERS[n] for n in ("ana", "bia", "caio", "duda", "edu"))


def in_topic(topic: int) -> dict:
    return {"message_thread_id": topic, "is_topic_message": True}


def live_forum() -> Updates:
    """A forum as the Bot API delivers it: topics created and renamed by service messages, messages in
    topics (replying to the topic's first message when they answer nothing else, as Telegram sends them),
    replies inside a topic, messages of the General topic, a quiet topic."""
    u = Updates()

    def created(message_id, when, name):
        return u.message(
            FORUM, message_id, ana, when, forum_topic_created={"name": name, "icon_color": 1}, **in_topic(message_id)
        )

    vagas, duvidas, _off = (
        created(10, "2026-03-09T10:00", "Vagas"),
        created(11, "2026-03-09T10:01", "Dúvidas"),
        created(12, "2026-03-09T10:02", "Off"),
    )
    m13 = u.message(
        FORUM, 13, bia, "2026-03-09T10:05", "Vaga de treinador no clube", reply_to_message=vagas, **in_topic(10)
    )
    u.message(FORUM, 14, caio, "2026-03-09T10:20", "Interessado na vaga", reply_to_message=m13, **in_topic(10))
    m15 = u.message(
        FORUM, 15, ana, "2026-03-09T11:00", "Qual tênis para maratona?", reply_to_message=duvidas, **in_topic(11)
    )
    u.message(FORUM, 16, bia, "2026-03-09T13:00", "Para maratona, um tênis leve", reply_to_message=m15, **in_topic(11))
    u.message(FORUM, 17, caio, "2026-03-09T14:00", "Maratona pede amortecimento", reply_to_message=m15, **in_topic(11))
    m18 = u.message(FORUM, 18, duda, "2026-03-10T09:00", "Bom dia, corredores")
    u.message(FORUM, 19, ana, "2026-03-10T09:30", "Bom dia!", reply_to_message=m18)
    u.message(FORUM, 20, ana, "2026-03-10T12:00", forum_topic_edited={"name": "Perguntas"}, **in_topic(11))
    u.message(
        FORUM, 21, edu, "2026-03-11T08:00", "Maratona de domingo: quem vai?", reply_to_message=duvidas, **in_topic(11)
    )
    u.message(
        FORUM, 22, edu, "2026-03-11T08:05", "Eu mesmo respondo", reply_to_message={"message_id": 21}, **in_topic(11)
    )
    return u


def expected_topics(updates: Updates) -> dict[int, dict]:
    """The topics table by another route: plain Python over the updates."""
    messages = [u["message"] for u in updates.items if "message" in u]
    service = ("forum_topic_created", "forum_topic_edited")
    topic_of = {m["message_id"]: (m["message_thread_id"] if m.get("is_topic_message") else 1) for m in messages}
    names = {1: "General"}
    for m in sorted(messages, key=lambda m: m["date"]):
        for key in service:
            if m.get(key, {}).get("name"):
                names[topic_of[m["message_id"]]] = m[key]["name"]
    posted = {m["message_id"]: m for m in messages if not any(k in m for k in service)}
    rows = {
        topic: {"topic": name, "messages": 0, "users": set(), "replies": 0, "waits": {}}
        for topic, name in names.items()
    }
    for m in posted.values():
        row = rows[topic_of[m["message_id"]]]
        row["messages"] += 1
        row["users"].add(m["from"]["id"])
        answered = posted.get(m.get("reply_to_message", {}).get("message_id"))
        if answered and answered["from"]["id"] != m["from"]["id"]:
            row["replies"] += 1
            wait = m["date"] - answered["date"]
            row["waits"][answered["message_id"]] = min(wait, row["waits"].get(answered["message_id"], wait))
    return {
        topic: {
            "topic": row["topic"],
            "messages": row["messages"],
            "users": len(row["users"]),
            "replies": row["replies"],
            "median_first_reply_seconds": statistics.median(row["waits"].values()) if row["waits"] else None,
        }
        for topic, row in rows.items()
    }


def tables_of(first: date, last: date, **overrides) -> dict:
    settings = config.load()
    return build.build(definitions.ReportRange.from_settings(first, last, settings, **overrides), settings)


def rows_of(tables: dict, report: str, chat_id: int) -> list[dict]:
    return [row for row in tables[report].to_pylist() if row["chat_id"] == chat_id]


@pytest.fixture(scope="module")
def consolidated_forum(tmp_path_factory) -> tuple[Path, Updates]:
    """The live forum's updates written and consolidated once for the module."""
    folder = tmp_path_factory.mktemp("forum")
    updates = live_forum()
    built_once(folder, lambda: write_and_consolidate(updates), TIMEZONE=TZ)
    return folder, updates


@pytest.fixture
def forum_lake(consolidated_forum, local_lake, monkeypatch) -> Updates:
    folder, updates = consolidated_forum
    copy_into(folder, local_lake)
    monkeypatch.setenv("TIMEZONE", TZ)
    return updates


def import_and_consolidate(path: Path, **options) -> desktop_export.ImportResult:
    result = desktop_export.import_export(path, **options)
    for day in sorted(result.days):
        consolidate.consolidate_day(date.fromisoformat(day))
    return result


# ----------------------------------------------------------------------------------------------
# Topics of a live forum


def test_the_topics_table_of_a_live_forum(forum_lake):
    tables = tables_of(FIRST, LAST)
    got = {row["topic_id"]: row for row in rows_of(tables, "topics", FORUM["id"])}
    expected = expected_topics(forum_lake)
    assert set(got) == set(expected) == {1, 10, 11, 12}  # Off is quiet, and listed
    for topic, want in expected.items():
        assert {k: got[topic][k] for k in want} == want, topic
    # the renamed topic goes by its latest name; the busiest first (on a tie, the older topic), the quiet last
    assert [row["topic"] for row in rows_of(tables, "topics", FORUM["id"])] == ["Perguntas", "General", "Vagas", "Off"]
    assert (
        "maratona" in got[11]["top_keywords"].casefold()
        and "vaga" in got[10]["top_keywords"].casefold()
        and got[12]["top_keywords"] is None
    )
    # every message is in exactly one topic: the topics add up to the group
    (chat,) = rows_of(tables, "chats", FORUM["id"])
    assert sum(row["messages"] for row in got.values()) == chat["messages"] == 9


def test_a_report_of_one_topic(forum_lake, capsys):
    for chosen in ("perguntas", "11"):
        tables = tables_of(FIRST, LAST, topic=chosen)
        posters = {row["user_id"]: row["messages"] for row in rows_of(tables, "top_posters", FORUM["id"])}
        assert posters == {ana["id"]: 1, bia["id"]: 1, caio["id"]: 1, edu["id"]: 2}  # 15, 16, 17, 21, 22
    general = tables_of(FIRST, LAST, topic="General")
    assert sum(row["messages"] for row in rows_of(general, "top_posters", FORUM["id"])) == 2
    out = Path(config.load().reports_uri) / "one-topic"
    assert cli.main(["report", "--from", str(FIRST), "--to", str(LAST), "--out", str(out), "--topic", "Vagas"]) == 0
    printed = capsys.readouterr().out
    assert "topic 'Vagas'" in printed and "2 messages from 2 members" in printed
    assert cli.main(["report", "--from", str(FIRST), "--to", str(LAST), "--out", str(out), "--topic", "nope"]) == 2
    assert "no forum topic 'nope'" in capsys.readouterr().err


def test_a_search_in_one_topic(forum_lake, capsys):
    """search --topic means what report --topic means: the topic's id or latest name, in any case; a
    forum's messages outside any topic are General's; a name nobody gives a topic is refused."""

    def found(term, topic):
        result = keyword_search.search(term, FIRST, LAST, topic=topic)
        return sorted(m["message_id"] for m in result.messages)

    assert found("maratona", "") == [15, 16, 17, 21]  # "maratona" in these texts, written above by hand
    assert found("maratona", "perguntas") == found("maratona", "11") == [15, 16, 17, 21]
    assert found("maratona", "Vagas") == []
    assert found("corredores", "general") == [18]  # posted outside any topic
    assert found("corredores", "Perguntas") == []
    reported = tables_of(FIRST, LAST, topic="perguntas", tracked_keywords=("maratona",))
    (marathon,) = [k for k in rows_of(reported, "keywords", FORUM["id"]) if k["tracked"]]
    assert marathon["messages"] == 4  # the report of the topic counts what its search finds
    with pytest.raises(ValueError, match="no forum topic 'Dúvidas'"):  # renamed: it goes by its latest name
        keyword_search.search("maratona", FIRST, LAST, topic="Dúvidas")
    command = ["search", "maratona", "--from", str(FIRST), "--to", str(LAST), "--topic", "Perguntas"]
    assert cli.main([*command, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["topic"], printed["total"]) == ("Perguntas", 4)
    assert cli.main(command) == 0 and "4 messages use «maratona»" in capsys.readouterr().out
    assert cli.main([*command[:-1], "nope"]) == 2
    assert "no forum topic 'nope'" in capsys.readouterr().err


def test_the_athena_text_gives_the_duckdb_topics(forum_lake):
    # nobody reacts, uses emoji, joins, shares a link or a forward there; nothing surges
    empty = ("reactions", "emoji", "join_sources", "links", "forward_sources", "surges", "channel_posts")
    rng = definitions.ReportRange.from_settings(FIRST, LAST, config.load())
    assert_athena_text_gives_the_duckdb_results(rng, empty=empty)
    rng = definitions.ReportRange.from_settings(FIRST, LAST, config.load(), topic="perguntas")
    assert_athena_text_gives_the_duckdb_results(rng, empty=empty)


def test_the_page_shows_busy_and_quiet_topics_and_the_digest_names_the_busiest(forum_lake):
    rng = definitions.ReportRange.from_settings(FIRST, LAST, config.load())
    tables = build.build(rng)
    page = build.render_html(tables, rng, FORUM["id"])
    section = page[page.index('data-chart="topics"') :]
    rows = re.findall(r'<tr class="(busy|quiet)" data-topic-id="(\d+)" data-messages="(\d+)"', section)
    assert rows == [("busy", "11", "5"), ("busy", "1", "2"), ("busy", "10", "2"), ("quiet", "12", "0")]
    assert "3 topics with messages in the period, 1 quiet topic" in page
    message = digest_content.message(summarize(tables, rng, FORUM["id"]))
    assert "🗂 <b>Busiest topics</b>\nPerguntas (5) · General (2) · Vagas (2)" in message


def test_a_forums_questions_name_their_topic(forum_lake):
    """Perguntas holds both questions: ana's, answered by bia after 2 h, and edu's, on the range's last
    day, which only he answered (nobody else has yet: waiting). The question still waiting names its
    topic, on the page too; a report of one topic counts that topic's questions alone."""
    tables = tables_of(FIRST, LAST)
    [asked] = rows_of(tables, "questions", FORUM["id"])
    figures = ("asked", "answered", "median_answer_seconds", "unanswered", "waiting")
    assert tuple(asked[key] for key in figures) == (2, 1, 7200, 0, 1)
    [waiting] = rows_of(tables, "unanswered_questions", FORUM["id"])
    assert (waiting["message_id"], waiting["topic_id"]) == (21, 11)
    page = build.render_html(tables, definitions.ReportRange.from_settings(FIRST, LAST, config.load()), FORUM["id"])
    assert "in <bdi>Perguntas</bdi>" in page
    vagas = tables_of(FIRST, LAST, topic="Vagas")
    assert [(r["asked"], r["unanswered"]) for r in rows_of(vagas, "questions", FORUM["id"])] == [(0, 0)]
    assert rows_of(vagas, "unanswered_questions", FORUM["id"]) == []


def test_groups_without_topics_are_unchanged(forum_lake):
    updates = Updates()
    group = {"id": -1006000000006, "title": "Sem tópicos", "type": "supergroup"}
    first = updates.message(group, 1, ana, "2026-03-10T10:00", "Oi")
    updates.message(group, 2, bia, "2026-03-10T10:05", "Olá", reply_to_message=first, message_thread_id=1)
    write_and_consolidate(updates)
    tables = tables_of(FIRST, LAST)
    assert rows_of(tables, "topics", group["id"]) == []
    page = build.render_html(tables, definitions.ReportRange.from_settings(FIRST, LAST, config.load()), group["id"])
    assert 'data-chart="topics"' not in page
    assert "Busiest topics" not in digest_content.message(
        summarize(tables, definitions.ReportRange(FIRST, LAST), group["id"])
    )


# ----------------------------------------------------------------------------------------------
# A real forum export


SUPPORT_FORUM = -1001854699958
SUPPORT_DAY = date(2023, 5, 11)
# the week after: the day is in the period before it, which the reports read from the history state
LATER_WEEK = (date(2023, 5, 12), date(2023, 5, 18))


def consolidate_real_forum(*more: dict) -> None:
    """The real support forum's updates (and ``more``), filed as the webhook files them (UTC), consolidated."""
    for update in [*json.loads(REAL_FORUM.read_text(encoding="utf-8")), *more]:
        raw_updates.put(SUPPORT_DAY, f"{update['update_id']}.json", json.dumps(update, ensure_ascii=False).encode())
    consolidate.consolidate_day(SUPPORT_DAY)


def test_a_topic_created_before_the_bot_joined_is_named_by_the_first_message_its_messages_carry(monkeypatch):
    monkeypatch.setenv("TIMEZONE", "UTC")
    consolidate_real_forum()
    topics = {
        r["topic_id"]: (r["topic"], r["messages"])
        for r in rows_of(tables_of(SUPPORT_DAY, SUPPORT_DAY), "topics", SUPPORT_FORUM)
    }
    assert topics == {
        30: ("@pismenny по имени Danil из (/)", 2),  # 40 and 45: its creation (message 30) is not in the lake
        65: ("#19 @pismenny по имени Danil из Domodedovo (Moscow Oblast/RU)", 0),  # created by message 65
        1: ("General", 1),  # 58
    }
    # the week after, the day is history (its state, kept at consolidation), and the names are the same
    later = tables_of(*LATER_WEEK)
    assert {r["topic_id"]: r["topic"] for r in rows_of(later, "topics", SUPPORT_FORUM)} == {
        topic: name for topic, (name, _) in topics.items()
    }
    rng = definitions.ReportRange.from_settings(*LATER_WEEK, config.load())
    shown = {"activity", "activity_heatmap", "chats", "daily_volume", "members", "questions", "topics"}
    assert_athena_text_gives_the_duckdb_results(rng, empty=tuple(set(definitions.REPORTS) - shown))


def test_a_rename_wins_over_the_first_name_that_later_messages_still_carry(monkeypatch):
    monkeypatch.setenv("TIMEZONE", "UTC")
    first = json.loads(REAL_FORUM.read_text(encoding="utf-8"))[0]["message"]
    renamed = {key: first[key] for key in ("from", "chat", "message_thread_id", "is_topic_message")}
    # renamed at 15:53:20, between messages 40 (15:53:11) and 45 (15:56:30), which carries the first name
    consolidate_real_forum(
        {
            "update_id": 900000041,
            "message": {"message_id": 41, "date": 1683820400, **renamed, "forum_topic_edited": {"name": "Danil"}},
        }
    )
    for days in ((SUPPORT_DAY, SUPPORT_DAY), LATER_WEEK):  # recent, then history
        topics = {r["topic_id"]: r["topic"] for r in rows_of(tables_of(*days), "topics", SUPPORT_FORUM)}
        assert topics[30] == "Danil", days


ENSIA = -1002482670091
ENSIA_FIRST, ENSIA_LAST = date(2024, 9, 21), date(2024, 11, 25)


def test_the_topics_of_a_real_forum_export(monkeypatch):
    monkeypatch.setenv("TIMEZONE", "Africa/Algiers")
    import_and_consolidate(FORUM_EXPORT)
    tables = tables_of(ENSIA_FIRST, ENSIA_LAST)
    got = {row["topic"]: (row["messages"], row["users"]) for row in rows_of(tables, "topics", ENSIA)}
    # by hand from the file: each message's reply_to_message_id leads to a topic_created, or it is General's
    assert got == {
        "Companies": (3, 1),  # 559, 573, 720, all by the group itself
        "General": (2, 2),  # 11 (Taha Medj), 247 (Wahid Chami)
        "Research": (2, 1),  # 567, 568 (Wahid Chami): the export's rename to "Scientific Research" says no topic
        "Opportunities": (2, 1),  # 563, 564
        "Welcome board": (1, 1),  # 4
        "Consulting": (1, 1),  # 556
        "Q&A": (0, 0),
        "Entrepreneurship": (0, 0),
        "Startups": (0, 0),
        "Freelance": (0, 0),
        "CDE - ENSIA": (0, 0),
    }
    rng = definitions.ReportRange.from_settings(ENSIA_FIRST, ENSIA_LAST, config.load())
    # nobody replies to anyone or asks a question there; no emoji, forwards or surges
    empty = ("interactions", "emoji", "helpers", "unanswered_questions", "forward_sources", "surges", "channel_posts")
    assert_athena_text_gives_the_duckdb_results(rng, empty=empty)


# ----------------------------------------------------------------------------------------------
# Reactions: an export's and the webhook's, counted once


def reaction(updates: Updates, message_id: int, user: dict, when: str, *emojis: str) -> None:
    updates.add(
        "message_reaction",
        {
            "chat": {"id": ENSIA, "title": "ENSIA IMPACT © Group", "type": "supergroup", "is_forum": True},
            "message_id": message_id,
            "user": user,
            "date": at(when),
            "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": e} for e in emojis],
        },
    )


def counted_once(named: dict[int, tuple[int, list[str]]], totals: list[tuple[int, dict[str, int]]]) -> dict[str, int]:
    """The rule, in Python: each person's latest reaction (named: person -> (time, emojis)) counts once; for
    each reaction the larger of the people holding it and the latest total, never their sum."""
    held: dict[str, int] = defaultdict(int)
    for _, emojis in named.values():
        for emoji in emojis:
            held[emoji] += 1
    latest_total = max(totals)[1] if totals else {}
    return {e: max(held.get(e, 0), latest_total.get(e, 0)) for e in set(held) | set(latest_total)}


def test_reactions_imported_and_received_live_count_once(monkeypatch):
    monkeypatch.setenv("TIMEZONE", TZ)  # the live updates' times (groups_lake.at) are São Paulo's
    import_and_consolidate(FORUM_EXPORT)
    exported = {"❤": 21, "🔥": 4}  # message 720 in the file
    named = {5536009839: (0, ["❤"]), 5383136366: (0, ["❤"]), 5551258077: (0, ["❤"])}  # its `recent`
    first = definitions.ReportRange.from_settings(ENSIA_FIRST, ENSIA_LAST, config.load())
    before = {r["message_id"]: r["reactions"] for r in rows_of(build.build(first), "reactions", ENSIA)}
    assert before[720] == sum(counted_once(named, [(0, exported)]).values()) == 25

    # Then the bot: Aya (named in the export) changes her ❤ to 👍, someone the export never named adds ❤, the
    # export's reactors are delivered again as they were, and Telegram's anonymous totals arrive twice.
    live = Updates()
    aya = {"id": 5383136366, "is_bot": False, "first_name": "Aya"}
    newcomer = {"id": 42, "is_bot": False, "first_name": "Nouveau"}
    reaction(live, 720, aya, "2024-11-26T21:07", "❤")  # what the export holds, delivered live: once
    reaction(live, 720, aya, "2024-11-27T10:00", "👍")
    reaction(live, 720, newcomer, "2024-11-27T11:00", "❤")
    for when, totals in (("2024-11-27T12:00", {"❤": 22, "🔥": 4, "👍": 1}), ("2024-11-25T19:00", {"❤": 30})):
        live.add(
            "message_reaction_count",
            {
                "chat": {"id": ENSIA, "title": "ENSIA IMPACT © Group", "type": "supergroup"},
                "message_id": 720,
                "date": at(when),
                "reactions": [{"type": {"type": "emoji", "emoji": e}, "total_count": n} for e, n in totals.items()],
            },
        )
    write_and_consolidate(live)
    named.update({aya["id"]: (at("2024-11-27T10:00"), ["👍"]), newcomer["id"]: (at("2024-11-27T11:00"), ["❤"])})
    totals = [
        (1732554690, exported),  # the export's, dated at its message's time (date_unixtime)
        (at("2024-11-27T12:00"), {"❤": 22, "🔥": 4, "👍": 1}),
        (at("2024-11-25T19:00"), {"❤": 30}),
    ]
    rng = definitions.ReportRange.from_settings(ENSIA_FIRST, date(2024, 11, 27), config.load())
    after = {r["message_id"]: r for r in rows_of(build.build(rng), "reactions", ENSIA)}
    expected = counted_once(named, totals)
    assert expected == {"❤": 22, "🔥": 4, "👍": 1}
    assert (after[720]["reactions"], after[720]["top_emoji"]) == (sum(expected.values()), "❤") == (27, "❤")
    # the other messages keep their exported reactions, each counted once
    assert {m: r["reactions"] for m, r in after.items() if m != 720} == {m: n for m, n in before.items() if m != 720}


# ----------------------------------------------------------------------------------------------
# One definition per number; chats titled as what they are


def test_a_person_who_joins_twice_is_one_new_member_everywhere(monkeypatch):
    monkeypatch.setenv("TIMEZONE", TZ)
    import_and_consolidate(FORUM_EXPORT)
    ashref = {"id": 5109962931, "is_bot": False, "first_name": "Ashref"}  # joined by link on 2024-09-21 (message 6)
    chat = {"id": ENSIA, "title": "ENSIA IMPACT © Group", "type": "supergroup", "is_forum": True}
    live = Updates()
    for when, was, now in (("2024-09-22T10:00", "member", "left"), ("2024-09-23T10:00", "left", "member")):
        live.add(
            "chat_member",
            {
                "chat": chat,
                "from": ashref,
                "date": at(when),
                "old_chat_member": {"user": ashref, "status": was},
                "new_chat_member": {"user": ashref, "status": now},
            },
        )
    write_and_consolidate(live)
    rng = definitions.ReportRange.from_settings(ENSIA_FIRST, ENSIA_LAST, config.load())
    tables = build.build(rng)
    page = build.render_html(tables, rng, ENSIA)
    headline = int(
        re.search(
            r'data-kpi="new_members"><div class="label" lang="en">New members</div><div class="value" dir="auto">([\d,]+)<',
            page,
        )[1]
    )
    section = int(re.search(r'<span data-joined="(\d+)">', page)[1])
    # by hand: the joins by link of messages 5, 6, 23 and 257, and Ashref again; the invitation of a member
    # the export names only by name (229) gives no id
    joiners = {6428131022, 5109962931, 5183999095, 6339299213}
    assert headline == section == len(joiners) == 4
    assert sum(day["new_members"] for day in rows_of(tables, "daily_volume", ENSIA)) == 5  # per day, Ashref twice
    assert summarize(tables, rng, ENSIA).new_members == 4


def test_a_channel_is_a_channel_and_no_member_of_itself(monkeypatch):
    monkeypatch.setenv("TIMEZONE", "UTC")
    result = import_and_consolidate(CHANNEL_EXPORT)
    first, last = date(2025, 11, 3), date(2026, 6, 27)
    rng = definitions.ReportRange.from_settings(first, last, config.load())
    tables = build.build(rng)
    (chat,) = tables["chats"].to_pylist()
    assert (chat["chat_id"], chat["chat_type"]) == (result.chat.id, "channel") == (-1003204528972, "channel")
    summary = summarize(tables, rng, chat["chat_id"])
    assert summary.new_members == 0 and rows_of(tables, "members", chat["chat_id"]) == []
    assert summary.messages == 3  # by hand: posts 6, 278 and the sticker 279; 1 and 5 are service messages
    assert summary.active_users == 0 and summary.messages_and_members() == "3 messages"  # the channel's own
    assert summary.best_time_sentence() == "No member posted in these days to tell the best time to post."
    page = build.render_html(tables, rng, chat["chat_id"])
    assert f"<h1><bdi>{result.chat.title}</bdi></h1>" in page and '<html lang="ar">' in page  # its posts are Arabic
    assert ">Channel · 3 Nov 2025 – 27 Jun 2026 · times in UTC<" in page
    # no member, so no active member, and nothing "new" about none
    assert re.search(r'data-kpi="active_users">.*?<div class="value" dir="auto">0</div></div>', page)
    assert summary.kind == "channel" and summary.name == result.chat.title


def test_every_right_to_left_text_on_a_page_and_in_the_digest_is_isolated(monkeypatch):
    """What the group wrote in Arabic (names, topics, the example messages under them) keeps its own
    direction wherever the page or the digest shows it: not one piece of it is laid out as part of an
    English line (the digest, which cannot hold <bdi>, isolates with Unicode's FSI … PDI)."""
    monkeypatch.setenv("TIMEZONE", "UTC")
    result = import_and_consolidate(CHANNEL_EXPORT)
    rng = definitions.ReportRange.from_settings(date(2025, 11, 3), date(2026, 6, 27), config.load())
    tables = build.build(rng)
    pieces = shown_text(build.render_html(tables, rng, result.chat.id))
    arabic = [(text, isolated) for text, isolated in pieces if re.search("[\u0600-\u06ff]", text)]
    examples = [e["text"] for e in tables["keyword_examples"].to_pylist()]
    assert examples and any(re.search("[\u0600-\u06ff]", text) for text in examples)
    assert len(arabic) > len(examples)  # the title, the topics and their examples at least
    assert [text for text, isolated in arabic if not isolated] == []
    digest = digest_content.message(summarize(tables, rng, result.chat.id))
    outside = re.sub(f"{html.FSI}[^{html.PDI}]*{html.PDI}", "", digest)
    assert re.search("[\u0600-\u06ff]", digest) and not re.search("[\u0600-\u06ff]", outside)
    assert digest.count(html.FSI) == digest.count(html.PDI)


def test_a_private_chat_is_titled_with_the_persons_name(capsys):
    import_and_consolidate(TWO_CHATS, chat="Chat One")
    out = Path(config.load().reports_uri) / "private"
    assert cli.main(["report", "--from", "2023-01-01", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Chat One (private chat 700000001)" in printed and "2 messages from 2 members" in printed
    page = (out / "chat_id=700000001" / "report.html").read_text(encoding="utf-8")
    assert "<h1><bdi>Chat One</bdi></h1>" in page and ">Private chat · 1 Jan 2023 · times in UTC<" in page


def test_messages_of_senders_that_name_nobody_count_under_the_unknown_sender():
    import json

    result = import_and_consolidate(OLDER)
    messages = json.loads(OLDER.read_text(encoding="utf-8"))["messages"]
    days = sorted(result.days)
    tables = tables_of(date.fromisoformat(days[0]), date.fromisoformat(days[-1]))
    posters = {row["user_name"]: row["messages"] for row in tables["top_posters"].to_pylist()}
    assert posters["unknown sender"] == sum(m["from_id"] == 0 for m in messages) == 1
    assert sum(posters.values()) == len(messages) == 29
    assert sum(tables["chats"]["messages"].to_pylist()) == 29
