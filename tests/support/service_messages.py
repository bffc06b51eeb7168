"""Service messages of the shapes Telegram really sends, field by field."""

from __future__ import annotations

CHAT = {"id": -1001234567890, "title": "Grupo de Corrida SP", "type": "supergroup"}
ANA = {"id": 111111111, "is_bot": False, "first_name": "Ana"}
STICKER = {"file_id": "CAACAgIAAxk", "file_unique_id": "AgADx", "type": "regular", "width": 512, "height": 512,
           "is_animated": False, "is_video": False}  # fmt: skip

# Service messages as the Bot API describes them (the objects' required fields, with real-looking values).
SERVICE_MESSAGES = {
    "paid_message_price_changed": {"paid_message_star_count": 10},
    "direct_message_price_changed": {"are_direct_messages_enabled": True, "direct_message_star_count": 5},
    "suggested_post_approved": {"price": {"currency": "XTR", "amount": 100}, "send_date": 1767225600},
    "suggested_post_declined": {"comment": "not now"},
    "gift": {
        "gift": {"id": "5170145012310081615", "sticker": STICKER, "star_count": 15},
        "convert_star_count": 13,
        "text": "parabéns pela maratona!",
    },
    "unique_gift": {
        "gift": {
            "base_name": "Plush Pepe",
            "name": "PlushPepe-22",
            "number": 22,
            "model": {},
            "symbol": {},
            "backdrop": {},
        },
        "origin": "upgrade",
    },  # fmt: skip
    "checklist_tasks_done": {"marked_as_done_task_ids": [1, 2]},
    "checklist_tasks_added": {"tasks": [{"id": 3, "text": "levar água"}]},
    "passport_data": {"data": [], "credentials": {"data": "x", "hash": "y", "secret": "z"}},
    "boost_added": {"boost_count": 2},
    "chat_owner_changed": {"new_owner": ANA},
    "community_chat_joined": {},
    "pinned_message": {"chat": CHAT, "message_id": 5, "date": 0},
    "new_chat_title": "Corrida SP 2027",
}
