"""Joins and leaves from real-shaped updates: the member a change is about and its statuses are kept;
joins that come only as chat_member updates count; leaves count; a join seen both as a service message
and as a chat_member update counts once; bots are not new members."""

from __future__ import annotations

import json

from telegram_pipeline.lake import parse

from tests.support.membership_updates import ADMIN, BOT, CARLA, EVE, FRED, UPDATES, at, service
from tests.support.paths import FIXTURES


def row(update: dict) -> dict:
    return parse.parse(json.dumps(update).encode())


def test_chat_member_rows_keep_the_member_and_both_statuses():
    joined = row(UPDATES[1])
    assert (joined["content_type"], joined["user_id"], joined["member_user_id"], joined["member_is_bot"]) == (
        "member",
        CARLA["id"],
        CARLA["id"],
        False,
    )
    assert (joined["member_old_status"], joined["member_new_status"]) == ("left", "member")
    assert (joined["member_was_in_chat"], joined["member_is_in_chat"]) == (False, True)
    banned = row(UPDATES[7])
    assert (banned["user_id"], banned["member_user_id"]) == (ADMIN["id"], FRED["id"])  # who did it, who it is about
    assert (banned["member_old_status"], banned["member_new_status"]) == ("member", "kicked")
    assert (banned["member_was_in_chat"], banned["member_is_in_chat"]) == (True, False)
    restricted = row(UPDATES[8])
    assert (restricted["member_old_status"], restricted["member_new_status"]) == ("restricted", "restricted")
    assert (restricted["member_was_in_chat"], restricted["member_is_in_chat"]) == (True, False)
    promoted = row(UPDATES[9])
    assert (promoted["member_was_in_chat"], promoted["member_is_in_chat"]) == (True, True)


def test_the_bot_added_is_kept_as_a_bot_joiner():
    added = row(json.loads((FIXTURES / "telegram" / "my_chat_member_bot_added.json").read_bytes()))
    assert (added["update_type"], added["member_user_id"], added["member_is_bot"]) == (
        "my_chat_member",
        BOT["id"],
        True,
    )
    assert (added["member_old_status"], added["member_new_status"]) == ("left", "administrator")
    message = row(UPDATES[3])
    assert (message["new_member_ids"], message["new_member_bot_ids"]) == ([BOT["id"]], [BOT["id"]])
    real = row(json.loads((FIXTURES / "telegram" / "new_chat_members.json").read_bytes()))
    assert (real["service_action"], real["new_member_ids"], real["new_member_bot_ids"]) == (
        "new_chat_members",
        [333333333],
        [],
    )


def test_a_left_chat_member_message_names_who_left_and_who_removed_them():
    left = row(UPDATES[5])
    assert (left["content_type"], left["service_action"]) == ("service", "left_chat_member")
    assert (left["user_id"], left["member_user_id"], left["member_is_bot"]) == (EVE["id"], EVE["id"], False)
    assert (left["member_was_in_chat"], left["member_is_in_chat"]) == (True, False)
    assert (left["member_old_status"], left["member_new_status"]) == (None, None)
    # A message that is not about membership says nothing about it.
    talk = row(UPDATES[12])
    assert [talk[c] for c in ("member_user_id", "member_was_in_chat", "member_is_in_chat")] == [None, None, None]


def test_a_membership_change_keeps_the_names_of_the_members_it_is_about():
    # As the reports name a sender: first and last name, else @username.
    joined = row(
        service(
            900200,
            600,
            at(9),
            ADMIN,
            new_chat_members=[
                {"id": 105770407, "is_bot": False, "first_name": "Movahhed", "last_name": "R"},
                {"is_bot": False, "first_name": "No id"},  # no member without an id, so no name either
                {"id": 116344054, "is_bot": False, "first_name": "", "username": "fatima_k"},
                BOT,
            ],
        )
    )
    assert joined["new_member_ids"] == [105770407, 116344054, BOT["id"]]
    assert joined["new_member_names"] == ["Movahhed R", "@fatima_k", "Coletor"]
    # The chat_member update's member (new_chat_member.user), not who made the change (from).
    assert (row(UPDATES[1])["member_name"], row(UPDATES[7])["member_name"]) == ("Carla", "Fred")
    assert row(UPDATES[7])["user_first_name"] == ADMIN["first_name"]
    assert row(UPDATES[5])["member_name"] == "Eve"  # a left_chat_member message
    talk = row(UPDATES[12])
    assert (talk["member_name"], talk["new_member_names"]) == (None, [])
