"""A lake with history before the reports' scan: three groups from January 2026 to the window of
2026-04-20 (its scan starts on 2026-02-19), made the way the pipeline gets them (Bot API updates in the
raw zone, then the real consolidation). Before the scan: first posts, joins (a service message and a
chat_member update), a bot, a username that changes hands, a basic group that becomes a supergroup, a
forum topic created in January and renamed in February, a linked channel's post copied into the group
(an automatic forward: the channel's, no member's). In the window: the same people back, newcomers,
@mentions of the username, messages in the topic, another of the channel's posts.
"""

from __future__ import annotations

from datetime import date

from tests.support.groups_lake import BOT, TELEGRAM, USERS, Engagement, at, mentioned

LAST = date(2026, 4, 20)
OLD = {"id": -4050000001, "title": "Pedal", "type": "group"}
NEW = {"id": -1005000000001, "title": "Pedal", "type": "supergroup"}
FORUM = {"id": -1005000000002, "title": "Fórum", "type": "supergroup", "is_forum": True}
CHANNEL = {"id": -1005000000003, "title": "Pedal News", "type": "channel"}
ana, bia, caio, duda, edu, fabi = (USERS[n] for n in ("ana", "bia", "caio", "duda", "edu", "fabi"))
ANA_NAME = "ana_souza"  # ana's in January; bia's from February


def topic(thread: int) -> dict:
    return {"message_thread_id": thread, "is_topic_message": True}


def copied_post(u: Engagement, message_id: int, when: str, text: str) -> None:
    """The channel's post as Telegram copies it into its discussion group."""
    origin = {"type": "channel", "chat": CHANNEL, "message_id": message_id, "date": at(when)}
    u.message(
        NEW, message_id, TELEGRAM, when, text, sender_chat=CHANNEL, forward_origin=origin, is_automatic_forward=True
    )


def history_updates() -> Engagement:
    u = Engagement()
    bia_named = {**bia, "username": ANA_NAME}
    ana_plain = {k: v for k, v in ana.items() if k != "username"}
    # January, under the basic group's id, and the forum
    u.message(OLD, 1, ana, "2026-01-05T10:00", "bom dia pessoal")
    u.message(OLD, 2, ana, "2026-01-06T09:00", new_chat_members=[bia, BOT])
    u.message(OLD, 3, BOT, "2026-01-06T09:05", "previsão: sol")
    u.message(OLD, 4, bia, "2026-01-08T18:00", "oi, cheguei")
    u.message(FORUM, 5, ana, "2026-01-10T10:00", forum_topic_created={"name": "Pedais", "icon_color": 1}, **topic(5))
    u.message(FORUM, 6, caio, "2026-01-10T11:00", "quem vai domingo?", **topic(5))
    u.message(OLD, 5, caio, "2026-01-20T12:00", migrate_to_chat_id=NEW["id"])
    u.message(NEW, 1, caio, "2026-01-20T12:00", migrate_from_chat_id=OLD["id"])
    u.message(NEW, 2, caio, "2026-01-21T08:00", "agora somos supergrupo")
    # February, before the scan: the username changes hands, a join by chat_member, the topic renamed
    u.message(NEW, 3, bia_named, "2026-02-03T19:00", "meu novo @")
    u.message(NEW, 4, ana_plain, "2026-02-04T19:00", "troquei o meu")
    u.member(NEW, duda, "2026-02-05T10:00", "left", "member")
    u.message(FORUM, 7, ana_plain, "2026-02-12T10:00", forum_topic_edited={"name": "Pedais e trilhas"}, **topic(5))
    u.message(NEW, 5, BOT, "2026-02-14T09:05", "previsão: chuva")
    copied_post(u, 6, "2026-02-16T08:00", "Pedal de domingo confirmado")
    # the window's scan and the window
    for day in range(1, 21):
        when = f"2026-04-{day:02d}"
        u.message(NEW, 100 + day * 10, ana_plain, f"{when}T09:00", **mentioned(f"treino de hoje, @{ANA_NAME}?"))
        u.message(NEW, 101 + day * 10, caio, f"{when}T10:00", "eu vou")
        if day % 3 == 0:
            u.message(NEW, 102 + day * 10, duda, f"{when}T11:00", "bora")
            u.message(FORUM, 100 + day, bia, f"{when}T12:00", "trilha no sábado", **topic(5))
        if day >= 15:
            u.message(NEW, 103 + day * 10, edu, f"{when}T13:00", "primeira vez aqui")
    u.message(NEW, 400, fabi, "2026-03-30T10:00", new_chat_members=[fabi])
    u.message(NEW, 401, fabi, "2026-04-18T10:00", "oi")
    u.message(NEW, 402, BOT, "2026-04-19T09:05", "previsão: sol")
    copied_post(u, 403, "2026-04-19T12:00", "Pedal noturno na quinta")
    return u
