"""Every field of the Bot API's ``Message`` object, as the curated table reads it: content, service or
metadata.

- **content**: what a person said or shared (text, a photo, a poll, …). A message carrying one is counted.
- **service**: something that happened in the chat (a join, a pin, a gift, a price change, …). The
  message is a service message (content_type ``service``, the field in ``service_action``): not counted.
- **metadata**: describes any message (ids, sender, dates, reply, forward, entities, caption, …).

The list is the Bot API reference's, 10.3 (24 August 2026), in its order, plus the fields older
versions sent that stored updates may still hold. ``tests/unit/test_message_fields.py`` holds the
reference's list and fails when a field is missing here: a field Telegram adds is then classified by
someone, not counted by accident. A field that is not in this table at all (Telegram added it after
10.3) makes a message with no known content a service message: most fields Telegram adds are.
"""

from __future__ import annotations

METADATA, CONTENT, SERVICE = "metadata", "content", "service"

FIELDS: dict[str, str] = {
    "message_id": METADATA,
    "message_thread_id": METADATA,
    "direct_messages_topic": METADATA,
    "from": METADATA,
    "sender_chat": METADATA,
    "sender_boost_count": METADATA,
    "sender_business_bot": METADATA,
    "sender_tag": METADATA,
    "receiver_user": METADATA,
    "ephemeral_message_id": METADATA,
    "date": METADATA,
    "guest_query_id": METADATA,
    "business_connection_id": METADATA,
    "chat": METADATA,
    "forward_origin": METADATA,
    "is_topic_message": METADATA,
    "is_automatic_forward": METADATA,
    "reply_to_message": METADATA,
    "external_reply": METADATA,
    "quote": METADATA,
    "reply_to_story": METADATA,
    "reply_to_checklist_task_id": METADATA,
    "reply_to_poll_option_id": METADATA,
    "via_bot": METADATA,
    "guest_bot_caller_user": METADATA,
    "guest_bot_caller_chat": METADATA,
    "edit_date": METADATA,
    "has_protected_content": METADATA,
    "is_from_offline": METADATA,
    "is_paid_post": METADATA,
    "media_group_id": METADATA,
    "author_signature": METADATA,
    "paid_star_count": METADATA,
    "text": CONTENT,
    "entities": METADATA,
    "link_preview_options": METADATA,
    "suggested_post_info": METADATA,
    "effect_id": METADATA,
    "rich_message": CONTENT,
    "animation": CONTENT,
    "audio": CONTENT,
    "document": CONTENT,
    "live_photo": CONTENT,
    "paid_media": CONTENT,
    "photo": CONTENT,
    "sticker": CONTENT,
    "story": CONTENT,
    "video": CONTENT,
    "video_note": CONTENT,
    "voice": CONTENT,
    "caption": METADATA,
    "caption_entities": METADATA,
    "show_caption_above_media": METADATA,
    "has_media_spoiler": METADATA,
    "checklist": CONTENT,
    "contact": CONTENT,
    "dice": CONTENT,
    "game": CONTENT,
    "poll": CONTENT,
    "venue": CONTENT,
    "location": CONTENT,
    "new_chat_members": SERVICE,
    "left_chat_member": SERVICE,
    "chat_owner_left": SERVICE,
    "chat_owner_changed": SERVICE,
    "new_chat_title": SERVICE,
    "new_chat_photo": SERVICE,
    "delete_chat_photo": SERVICE,
    "group_chat_created": SERVICE,
    "supergroup_chat_created": SERVICE,
    "channel_chat_created": SERVICE,
    "message_auto_delete_timer_changed": SERVICE,
    "migrate_to_chat_id": SERVICE,
    "migrate_from_chat_id": SERVICE,
    "pinned_message": SERVICE,
    # An invoice is a message someone (a bot) posted; paying it is the service message below.
    "invoice": CONTENT,
    "successful_payment": SERVICE,
    "refunded_payment": SERVICE,
    "users_shared": SERVICE,
    "chat_shared": SERVICE,
    "gift": SERVICE,
    "unique_gift": SERVICE,
    "gift_upgrade_sent": SERVICE,
    "connected_website": SERVICE,
    "write_access_allowed": SERVICE,
    "passport_data": SERVICE,
    "proximity_alert_triggered": SERVICE,
    "boost_added": SERVICE,
    "chat_background_set": SERVICE,
    "checklist_tasks_done": SERVICE,
    "checklist_tasks_added": SERVICE,
    "community_chat_added": SERVICE,
    "community_chat_joined": SERVICE,
    "community_chat_removed": SERVICE,
    "direct_message_price_changed": SERVICE,
    "forum_topic_created": SERVICE,
    "forum_topic_edited": SERVICE,
    "forum_topic_closed": SERVICE,
    "forum_topic_reopened": SERVICE,
    "general_forum_topic_hidden": SERVICE,
    "general_forum_topic_unhidden": SERVICE,
    "giveaway_created": SERVICE,
    # A giveaway and its public results are posts of the chat (media in Telegram's own API).
    "giveaway": CONTENT,
    "giveaway_winners": CONTENT,
    "giveaway_completed": SERVICE,
    "managed_bot_created": SERVICE,
    "paid_message_price_changed": SERVICE,
    "poll_option_added": SERVICE,
    "poll_option_deleted": SERVICE,
    "suggested_post_approved": SERVICE,
    "suggested_post_approval_failed": SERVICE,
    "suggested_post_declined": SERVICE,
    "suggested_post_paid": SERVICE,
    "suggested_post_refunded": SERVICE,
    "video_chat_scheduled": SERVICE,
    "video_chat_started": SERVICE,
    "video_chat_ended": SERVICE,
    "video_chat_participants_invited": SERVICE,
    "web_app_data": SERVICE,
    "reply_markup": METADATA,
}

# Fields of earlier Bot API versions (renamed or replaced since), still in updates stored back then;
# Telegram also still sends the undocumented new_chat_participant/new_chat_member with new_chat_members.
LEGACY_FIELDS: dict[str, str] = {
    "forward_from": METADATA,
    "forward_from_chat": METADATA,
    "forward_from_message_id": METADATA,
    "forward_signature": METADATA,
    "forward_sender_name": METADATA,
    "forward_date": METADATA,
    "new_chat_participant": SERVICE,
    "new_chat_member": SERVICE,
    "left_chat_participant": SERVICE,
    "voice_chat_scheduled": SERVICE,
    "voice_chat_started": SERVICE,
    "voice_chat_ended": SERVICE,
    "voice_chat_participants_invited": SERVICE,
    "user_shared": SERVICE,
}

# The content field that names a message's content_type, in the order they are tried: Telegram sets
# document beside animation, photo beside live_photo and location beside venue, for older clients.
CONTENT_TYPE_ORDER: tuple[tuple[str, str], ...] = (
    ("text", "text"),
    ("rich_message", "rich_message"),
    ("live_photo", "live_photo"),
    ("photo", "photo"),
    ("sticker", "sticker"),
    ("voice", "voice"),
    ("video_note", "video_note"),
    ("video", "video"),
    ("animation", "animation"),
    ("audio", "audio"),
    ("document", "document"),
    ("paid_media", "paid_media"),
    ("poll", "poll"),
    ("checklist", "checklist"),
    ("venue", "location"),
    ("location", "location"),
    ("contact", "contact"),
    ("dice", "dice"),
    ("game", "game"),
    ("story", "story"),
    ("invoice", "invoice"),
    ("giveaway", "giveaway"),
    ("giveaway_winners", "giveaway_winners"),
)


# What classify found for each sequence of fields seen: a day's messages come in a few shapes.
_CLASSIFIED: dict[tuple[str, ...], tuple[str, str | None]] = {}
_SHAPES_KEPT = 4096


def classify(payload: dict) -> tuple[str, str | None]:
    """(content_type, service_action) of a message: ``service`` and the field when it carries a service
    field (a current one before a legacy one: Telegram sends new_chat_participant beside
    new_chat_members); else the content type of its first content field; else ``service`` and the first
    field this table does not know; else ``other`` (a message with nothing in it, counted as before).
    It reads the fields' names alone, in their order: computed once per sequence of names."""
    shape = tuple(payload)
    found = _CLASSIFIED.get(shape)
    if found is None:
        if len(_CLASSIFIED) >= _SHAPES_KEPT:
            _CLASSIFIED.clear()
        found = _CLASSIFIED[shape] = _classify(shape)
    return found


def _classify(fields: tuple[str, ...]) -> tuple[str, str | None]:
    legacy_service = unknown = None
    for key in fields:
        role = FIELDS.get(key)
        if role == SERVICE:
            return "service", key
        if role is None:
            legacy_role = LEGACY_FIELDS.get(key)
            if legacy_role == SERVICE:
                legacy_service = legacy_service or key
            elif legacy_role is None:
                unknown = unknown or key
    if legacy_service is not None:
        return "service", legacy_service
    for key, content_type in CONTENT_TYPE_ORDER:
        if key in fields:
            return content_type, None
    if unknown is not None:
        return "service", unknown
    return "other", None
