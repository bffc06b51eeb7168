"""Every field of the Bot API's Message is classified (content, service or metadata); service messages
of real shapes are not counted; message_reaction_count keeps its totals under content_type reaction_count."""

from __future__ import annotations

import json

import pytest
from telegram_pipeline.lake import message_fields, parse

from tests.support.service_messages import ANA, CHAT, SERVICE_MESSAGES

# The fields of Message in the Bot API reference, in its order: https://core.telegram.org/bots/api#message
# as of Bot API 10.3 (24 August 2026). When Telegram adds a field, add it here: the test below then
# fails until message_fields.FIELDS says whether it is content, service or metadata.
BOT_API_MESSAGE_FIELDS = (
    "message_id message_thread_id direct_messages_topic from sender_chat sender_boost_count "
    "sender_business_bot sender_tag receiver_user ephemeral_message_id date guest_query_id "
    "business_connection_id chat forward_origin is_topic_message is_automatic_forward reply_to_message "
    "external_reply quote reply_to_story reply_to_checklist_task_id reply_to_poll_option_id via_bot "
    "guest_bot_caller_user guest_bot_caller_chat edit_date has_protected_content is_from_offline "
    "is_paid_post media_group_id author_signature paid_star_count text entities link_preview_options "
    "suggested_post_info effect_id rich_message animation audio document live_photo paid_media photo "
    "sticker story video video_note voice caption caption_entities show_caption_above_media "
    "has_media_spoiler checklist contact dice game poll venue location new_chat_members left_chat_member "
    "chat_owner_left chat_owner_changed new_chat_title new_chat_photo delete_chat_photo "
    "group_chat_created supergroup_chat_created channel_chat_created message_auto_delete_timer_changed "
    "migrate_to_chat_id migrate_from_chat_id pinned_message invoice successful_payment refunded_payment "
    "users_shared chat_shared gift unique_gift gift_upgrade_sent connected_website write_access_allowed "
    "passport_data proximity_alert_triggered boost_added chat_background_set checklist_tasks_done "
    "checklist_tasks_added community_chat_added community_chat_joined community_chat_removed "
    "direct_message_price_changed forum_topic_created forum_topic_edited forum_topic_closed "
    "forum_topic_reopened general_forum_topic_hidden general_forum_topic_unhidden giveaway_created "
    "giveaway giveaway_winners giveaway_completed managed_bot_created paid_message_price_changed "
    "poll_option_added poll_option_deleted suggested_post_approved suggested_post_approval_failed "
    "suggested_post_declined suggested_post_paid suggested_post_refunded video_chat_scheduled "
    "video_chat_started video_chat_ended video_chat_participants_invited web_app_data reply_markup"
).split()


def message(**fields) -> dict:
    return {"message_id": 4300, "from": ANA, "chat": CHAT, "date": 1767225600, **fields}


def row(update_type: str, payload: dict) -> dict:
    return parse.parse(json.dumps({"update_id": 900001, update_type: payload}).encode())


def test_every_field_of_the_reference_is_classified_and_nothing_else():
    assert list(message_fields.FIELDS) == BOT_API_MESSAGE_FIELDS
    assert set(message_fields.FIELDS.values()) == {"content", "service", "metadata"}
    assert not set(message_fields.LEGACY_FIELDS) & set(message_fields.FIELDS)
    content = {key for key, role in message_fields.FIELDS.items() if role == "content"}
    assert content == {key for key, _ in message_fields.CONTENT_TYPE_ORDER}


@pytest.mark.parametrize(
    "field",
    [
        "paid_message_price_changed",
        "suggested_post_approved",
        "gift",
        "unique_gift",
        "checklist_tasks_done",
        "checklist_tasks_added",
        "direct_message_price_changed",
        "passport_data",
        "gift_upgrade_sent",
        "chat_owner_left",
        "managed_bot_created",
        "poll_option_added",
    ],
)
def test_the_fields_the_issue_names_are_service(field):
    assert message_fields.FIELDS[field] == "service"


@pytest.mark.parametrize("field", sorted(SERVICE_MESSAGES))
def test_service_messages_of_real_shape_are_service(field):
    for kind in ("message", "edited_message"):
        parsed = row(kind, message(**{field: SERVICE_MESSAGES[field]}))
        assert (parsed["content_type"], parsed["service_action"]) == ("service", field)


def test_new_chat_members_wins_over_the_undocumented_fields_sent_beside_it():
    carla = {"id": 333333333, "is_bot": False, "first_name": "Carla"}
    payload = message(new_chat_participant=carla, new_chat_member=carla, new_chat_members=[carla])
    assert (row("message", payload)["content_type"], row("message", payload)["service_action"]) == (
        "service",
        "new_chat_members",
    )
    # An update stored long ago with only the legacy field is still a service message.
    assert row("message", message(voice_chat_started={}))["service_action"] == "voice_chat_started"


@pytest.mark.parametrize(
    "fields, content_type",
    [
        ({"text": "oi", "entities": [], "link_preview_options": {"is_disabled": True}}, "text"),
        ({"animation": {}, "document": {}, "caption": "gif"}, "animation"),
        ({"live_photo": {}, "photo": [{}]}, "live_photo"),
        ({"venue": {"location": {}}, "location": {}}, "location"),
        ({"checklist": {"title": "treino", "tasks": []}}, "checklist"),
        ({"giveaway_winners": {"winner_count": 1}}, "giveaway_winners"),
        ({"story": {"chat": CHAT, "id": 3}}, "story"),
        ({"paid_media": {"star_count": 5, "paid_media": []}, "caption": "x"}, "paid_media"),
        ({"rich_message": {}}, "rich_message"),
        ({"reply_to_message": message(text="antes"), "media_group_id": "1"}, "other"),
    ],
)
def test_content_fields_give_the_content_type(fields, content_type):
    assert row("message", message(**fields))["content_type"] == content_type


def test_a_field_telegram_adds_later_makes_a_message_without_content_a_service_message():
    parsed = row("message", message(star_rating_changed={"stars": 5}))
    assert (parsed["content_type"], parsed["service_action"]) == ("service", "star_rating_changed")
    # With content beside it, the content decides: a new metadata field does not hide a text.
    assert row("message", message(text="oi", reply_to_song={"id": 1}))["content_type"] == "text"


def test_message_reaction_count_keeps_the_totals():
    update = {
        "chat": CHAT,
        "message_id": 4202,
        "date": 1767225600,
        "reactions": [
            {"type": {"type": "emoji", "emoji": "🔥"}, "total_count": 7},
            {"type": {"type": "custom_emoji", "custom_emoji_id": "5368324170671202286"}, "total_count": 2},
            {"type": {"type": "paid"}, "total_count": 40},
            {"type": {"type": "emoji"}, "total_count": 1},  # no emoji: skipped, not guessed
        ],
    }
    parsed = row("message_reaction_count", update)
    assert parsed["content_type"] == "reaction_count" and parsed["service_action"] is None
    assert parsed["reaction_count_emojis"] == ["🔥", "custom:5368324170671202286", "paid"]
    assert parsed["reaction_count_totals"] == [7, 2, 40]
    assert parsed["message_id"] == 4202 and parsed["user_id"] is None and parsed["sent_at"] == 1767225600
