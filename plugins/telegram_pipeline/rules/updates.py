"""What a Telegram update is, as the webhook and the pipeline both read it: its kind and its chat."""

from __future__ import annotations

from typing import Any

EDIT_TYPES = frozenset({"edited_message", "edited_channel_post", "edited_business_message"})
MESSAGE_TYPES = frozenset({"message", "channel_post", "business_message"}) | EDIT_TYPES
MEMBER_TYPES = frozenset({"my_chat_member", "chat_member"})

# Bot API chat ids have at most 52 significant bits; anything longer cannot name a chat.
MAX_CHAT_ID = 2**53


def is_int(value: Any) -> bool:
    return type(value) is int


def is_chat_id(value: Any) -> bool:
    return is_int(value) and 0 < abs(value) < MAX_CHAT_ID
