"""A channel's discussion group through the whole pipeline: Telegram copies each of the channel's posts
into the group (an automatic forward), the members comment on it by replying. The copies are the
channel's, not the group's: no count of the group's messages, members, posters, questions or
conversations holds them, on DuckDB and on the Athena text, live and imported; a member's own
forward of the channel's post, and a member posting as a channel of their own, still count.

The Bot API's automatic forward (``from`` 777000, ``sender_chat`` the channel, ``forward_origin`` the
channel, ``is_automatic_forward``) as its reference describes it; the export's as Telegram Desktop
writes a message sent on behalf of a channel and forwarded from it (``from_id`` and
``forwarded_from_id`` the channel; older exports name the origin only)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from telegram_pipeline import config
from telegram_pipeline.ingest import desktop_export
from telegram_pipeline.lake import consolidate
from telegram_pipeline.reports import build, definitions, digest_content
from telegram_pipeline.reports.summary import summarize

from tests.support.athena_results import assert_athena_text_gives_the_duckdb_results
from tests.support.groups_lake import TELEGRAM, USERS, Updates, at, write_and_consolidate
from tests.support.lake_once import built_once, copy_into

TZ = "America/Sao_Paulo"
FIRST, LAST = date(2026, 3, 9), date(2026, 3, 10)
CHANNEL = {"id": -1007000000001, "title": "Corrida News", "type": "channel"}
GROUP = {"id": -1007000000002, "title": "Corrida News Chat", "type": "supergroup"}
DUDA_CHANNEL = {"id": -1007000000003, "title": "Duda Corre", "type": "channel"}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}
ana, bia, caio, duda, edu = (USERS[n] for n in ("ana", "bia", "caio", "duda", "edu"))
# The imported discussion group: the export's own ids (Telegram Desktop writes them without -100).
EXPORTED_CHANNEL, EXPORTED_GROUP = 7000000011, 7000000012


def automatic_forward(u: Updates, message_id: int, post_id: int, when: str, text: str) -> dict:
    origin = {"type": "channel", "chat": CHANNEL, "message_id": post_id, "date": at(when) - 2}
    return u.message(
        GROUP, message_id, TELEGRAM, when, text, sender_chat=CHANNEL, forward_origin=origin, is_automatic_forward=True
    )


def discussion() -> Updates:
    u = Updates()
    post = automatic_forward(u, 1, 50, "2026-03-09T10:00", "Novo percurso da maratona: o que acham?")
    # the comments: Telegram keeps them in the post's thread, an answer to a comment too
    thread = {"message_thread_id": 1}
    u.message(GROUP, 2, ana, "2026-03-09T10:05", "Adorei o percurso", reply_to_message=post, **thread)
    question = u.message(GROUP, 3, bia, "2026-03-09T10:10", "Quando abre a inscrição?", reply_to_message=post, **thread)
    u.message(GROUP, 4, caio, "2026-03-09T10:30", "Segunda-feira", reply_to_message=question, **thread)
    u.edit(post, "2026-03-09T11:00", "Novo percurso da maratona (corrigido): o que acham?")
    # duda posts as her own channel; edu forwards a post of the channel himself
    u.message(GROUP, 5, CHANNEL_BOT, "2026-03-10T08:00", "Meu blog de corrida", sender_chat=DUDA_CHANNEL)
    origin = {"type": "channel", "chat": CHANNEL, "message_id": 50, "date": at("2026-03-09T09:59")}
    u.message(GROUP, 6, edu, "2026-03-10T08:30", "Inscrições abertas na segunda", forward_origin=origin)
    automatic_forward(u, 7, 51, "2026-03-10T12:00", "Treino aberto no sábado")
    automatic_forward(u, 8, 49, "2026-03-08T12:00", "Resultado da prova de ontem")  # before the range
    u.message(
        GROUP, 9, ana, "2026-03-09T12:00", "Parabéns a todos", reply_to_message={"message_id": 8}, message_thread_id=8
    )
    return u


def exported_discussion(path: Path) -> Path:
    """A discussion group's export: two of the channel's posts (one naming its origin's id, one, as older
    exports do, only its name), a member's comment on each, and an answer to the first comment."""

    def message(message_id, when, sender, sender_id, text, **extra):
        return {"id": message_id, "type": "message", "date": when, "date_unixtime": str(at(when)),
                "from": sender, "from_id": sender_id, "text": text, "text_entities": [], **extra}  # fmt: skip

    channel = f"channel{EXPORTED_CHANNEL}"
    messages = [
        message(
            1,
            "2026-03-09T09:00:00",
            "Trilhas News",
            channel,
            "Trilha nova na serra: quem vem?",
            forwarded_from="Trilhas News",
            forwarded_from_id=channel,
        ),  # fmt: skip
        message(2, "2026-03-09T09:10:00", "Ana", "user1", "Eu vou", reply_to_message_id=1),
        message(3, "2026-03-10T09:00:00", "Trilhas News", channel, "Fotos da trilha", forwarded_from="Trilhas News"),
        message(4, "2026-03-10T09:20:00", "Bia", "user2", "Que lindas", reply_to_message_id=3),
        message(5, "2026-03-10T09:30:00", "Caio", "user3", "Vou na próxima", reply_to_message_id=2),
    ]
    export = {"name": "Trilhas News Chat", "type": "public_supergroup", "id": EXPORTED_GROUP, "messages": messages}
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    return path


def build_lake(folder: Path) -> None:
    write_and_consolidate(discussion())
    result = desktop_export.import_export(exported_discussion(folder / "result.json"))
    for day in sorted(result.days):
        consolidate.consolidate_day(date.fromisoformat(day))


@pytest.fixture(scope="module")
def consolidated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("discussion")
    built_once(folder, lambda: build_lake(folder), TIMEZONE=TZ)
    return folder


@pytest.fixture
def lake(consolidated, local_lake, monkeypatch) -> None:
    copy_into(consolidated, local_lake)
    monkeypatch.setenv("TIMEZONE", TZ)


def rows_of(tables: dict, report: str, chat_id: int) -> list[dict]:
    return [row for row in tables[report].to_pylist() if row["chat_id"] == chat_id]


def test_the_channels_copies_are_not_the_groups_messages(lake):
    settings = config.load()
    tables = build.build(definitions.ReportRange.from_settings(FIRST, LAST, settings), settings)
    exported_group = -1000000000000 - EXPORTED_GROUP
    # live: the comments (2, 3, 4, 9), duda as her channel (5), edu's own forward (6); not the copies 1, 7, 8
    posters = {row["user_id"]: row["messages"] for row in rows_of(tables, "top_posters", GROUP["id"])}
    assert posters == {ana["id"]: 2, bia["id"]: 1, caio["id"]: 1, DUDA_CHANNEL["id"]: 1, edu["id"]: 1}
    (chat,) = rows_of(tables, "chats", GROUP["id"])
    assert (chat["messages"], chat["active_users"]) == (6, 5)
    members = {row["user_id"] for row in rows_of(tables, "members", GROUP["id"])}
    assert members == set(posters)
    # the channel's question is no member's: bia's is the one asked, and caio answered it
    (asked,) = rows_of(tables, "questions", GROUP["id"])
    assert (asked["asked"], asked["answered"]) == (1, 1)
    # the comments answer no member: only caio's reply to bia is one between members
    pairs = {(row["from_user_id"], row["to_user_id"]) for row in rows_of(tables, "interactions", GROUP["id"])}
    assert pairs == {(caio["id"], bia["id"])}
    # the copies are no forwards of the group's: edu's own forward of the channel's post is the one
    sources = [(row["source_id"], row["messages"]) for row in rows_of(tables, "forward_sources", GROUP["id"])]
    assert sources == [(CHANNEL["id"], 1)]
    # the channel's words are not the group's topics ("percurso" is also ana's, "maratona" only the channel's)
    terms = {row["term"] for row in rows_of(tables, "keywords", GROUP["id"])}
    assert "percurs" in terms and not {"maraton", "trein", "sáb"} & terms
    # imported: the members' three comments, not the channel's two posts, by id or by name alone
    posters = {row["user_id"]: row["messages"] for row in rows_of(tables, "top_posters", exported_group)}
    assert posters == {1: 1, 2: 1, 3: 1}


def test_the_channels_posts_with_their_comments(lake):
    settings = config.load()
    tables = build.build(definitions.ReportRange.from_settings(FIRST, LAST, settings), settings)
    posts = [
        (
            p["message_id"],
            p["channel_id"],
            p["text"],
            p["comments"],
            p["commenters"],
            p["first_comment_seconds"],
            p["rank"],
        )
        for p in rows_of(tables, "channel_posts", GROUP["id"])
    ]
    # the first post: ana's and bia's comments and caio's answer to bia, in its thread, the first after 5
    # minutes; the second, none; the one sent before the range is not listed (ana's comment on it counts
    # for the group, not for a post of the range)
    assert posts == [
        (1, CHANNEL["id"], "Novo percurso da maratona (corrigido): o que acham?", 3, 3, 300.0, 1),
        (7, CHANNEL["id"], "Treino aberto no sábado", 0, 0, None, 2),
    ]
    # imported: the import follows each reply to the top of its thread, as the Bot API names it, so
    # caio's answer to ana's comment is the first post's too
    exported = -1000000000000 - EXPORTED_GROUP
    posts = [(p["message_id"], p["comments"], p["commenters"]) for p in rows_of(tables, "channel_posts", exported)]
    assert posts == [(1, 2, 2), (3, 1, 1)]
    assert tables["channel_posts"].num_rows == 4  # no other group has any


def test_the_athena_text_leaves_them_out_too(lake):
    rng = definitions.ReportRange.from_settings(FIRST, LAST, config.load())
    empty = ("reactions", "emoji", "join_sources", "links", "surges", "topics", "unanswered_questions")
    assert_athena_text_gives_the_duckdb_results(rng, empty=empty)


def test_the_page_lists_the_posts_most_commented_first(lake):
    rng = definitions.ReportRange.from_settings(FIRST, LAST, config.load())
    tables = build.build(rng)
    page = build.render_html(tables, rng, GROUP["id"])
    card = page[page.index("The channel&#x27;s posts") :]
    card = card[: card.index("</ol>")]
    items = re.findall(r'<li data-post="(\d+)" data-value="(\d+)">(.*?)</li>', card)
    assert [(post, comments) for post, comments, _ in items] == [("1", "3"), ("7", "0")]
    assert "3 comments · 3 members · the first after 5 min · <bdi>Corrida News</bdi>" in items[0][2]
    assert "0 comments · <bdi>Corrida News</bdi>" in items[1][2]
    # the digest names the posts that drew comments
    message = digest_content.message(summarize(tables, rng, GROUP["id"]))
    expected = "📣 <b>Most discussed posts</b>\n1. “Novo percurso da maratona (corrigido): o que acham?” · <b>3</b> comments\n\n"
    assert expected in message
