"""Join and leave updates of one group, in both of Telegram's forms (service messages and
chat_member updates)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

TZ = "America/Sao_Paulo"
CHAT = {"id": -1001234567890, "title": "Grupo de Corrida SP", "username": "corrida_sp", "type": "supergroup"}
ADMIN = {"id": 111111111, "is_bot": False, "first_name": "Ana", "last_name": "Souza", "username": "ana_souza"}
BOT = {"id": 7000000001, "is_bot": True, "first_name": "Coletor", "username": "coletor_bot"}
DAY = date(2026, 3, 10)


def person(user_id: int, name: str) -> dict:
    return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "pt-br"}


CARLA, DAN, EVE, FRED, GIL, HUGO, IVO = (
    person(333333333 + n, name) for n, name in enumerate(["Carla", "Dan", "Eve", "Fred", "Gil", "Hugo", "Ivo"])
)


def at(hour: int, minute: int = 0, day: date = DAY) -> int:
    return int(datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(TZ)).timestamp())


def member(user: dict, status: str, **extra) -> dict:
    """A ChatMember of the given status, with the fields the Bot API gives it."""
    fields = {"user": user, "status": status}
    if status == "restricted":
        fields.update(
            is_member=True, can_send_messages=False, can_send_audios=False, can_send_documents=False,
            can_send_photos=False, can_send_videos=False, can_send_video_notes=False,
            can_send_voice_notes=False, can_send_polls=False, can_send_other_messages=False,
            can_add_web_page_previews=False, can_change_info=False, can_invite_users=False,
            can_pin_messages=False, can_manage_topics=False, until_date=0,
        )  # fmt: skip
    if status == "administrator":
        fields.update(can_be_edited=True, is_anonymous=False, can_manage_chat=True, can_delete_messages=True)
    if status == "kicked":
        fields["until_date"] = 0
    return {**fields, **extra}


def chat_member(update_id: int, when: int, actor: dict, old: dict, new: dict, kind="chat_member", **extra) -> dict:
    payload = {"chat": CHAT, "from": actor, "date": when, "old_chat_member": old, "new_chat_member": new, **extra}
    return {"update_id": update_id, kind: payload}


def service(update_id: int, message_id: int, when: int, actor: dict, **fields) -> dict:
    return {"update_id": update_id, "message": {"message_id": message_id, "from": actor, "chat": CHAT,
                                                "date": when, **fields}}  # fmt: skip


def text(update_id: int, message_id: int, when: int, sender: dict, words: str) -> dict:
    return {"update_id": update_id, "message": {"message_id": message_id, "from": sender, "chat": CHAT,
                                                "date": when, "text": words}}  # fmt: skip


INVITE_LINK = {"invite_link": "https://t.me/+AbCdEf", "creator": ADMIN, "creates_join_request": False,
               "is_primary": True, "is_revoked": False}  # fmt: skip

UPDATES = [
    # Carla joins by link: Telegram sends the service message and, to an admin bot, the chat_member update.
    service(900100, 500, at(9), CARLA, new_chat_members=[CARLA], new_chat_member=CARLA, new_chat_participant=CARLA),
    chat_member(900101, at(9), CARLA, member(CARLA, "left"), member(CARLA, "member"), invite_link=INVITE_LINK),
    # Dan joins a group that hides join messages: only the chat_member update.
    chat_member(900102, at(10), DAN, member(DAN, "left"), member(DAN, "member")),
    # The analytics bot is added: a service message naming it and its own my_chat_member update.
    service(900103, 501, at(11), ADMIN, new_chat_members=[BOT]),
    chat_member(900104, at(11), ADMIN, member(BOT, "left"), member(BOT, "administrator"), kind="my_chat_member"),
    # Eve leaves: the service message and the chat_member update, one leave.
    service(900105, 502, at(12), EVE, left_chat_member=EVE, left_chat_participant=EVE),
    chat_member(900106, at(12), EVE, member(EVE, "member"), member(EVE, "left")),
    # Fred is banned by an admin.
    chat_member(900107, at(13), ADMIN, member(FRED, "member"), member(FRED, "kicked")),
    # Gil, restricted, leaves: still "restricted", but no longer a member.
    chat_member(900108, at(14), GIL, member(GIL, "restricted"), member(GIL, "restricted", is_member=False)),
    # Hugo is promoted: neither a join nor a leave.
    chat_member(900109, at(15), ADMIN, member(HUGO, "member"), member(HUGO, "administrator")),
    # Ivo joins and leaves the same day.
    chat_member(900110, at(16), IVO, member(IVO, "left"), member(IVO, "member")),
    chat_member(900111, at(17), IVO, member(IVO, "member"), member(IVO, "left")),
    # Someone talks, so the day has messages.
    text(900112, 503, at(18), CARLA, "Oi pessoal!"),
    # The next day: Dan comes back after being removed (kicked → left is an unban, not a join; then a join).
    chat_member(900113, at(8, day=date(2026, 3, 11)), ADMIN, member(DAN, "kicked"), member(DAN, "left")),
    chat_member(900114, at(9, day=date(2026, 3, 11)), DAN, member(DAN, "left"), member(DAN, "member")),
]
