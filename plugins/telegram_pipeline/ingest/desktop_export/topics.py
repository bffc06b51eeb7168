"""Which forum topic each message of an exported forum is in.

The Bot API says it on every message (``message_thread_id`` with ``is_topic_message``); an export does
not. There, a topic is its ``topic_created`` service message, whose id is the topic's id (as in the Bot
API), and a message posted in a topic replies to that message or to another message of the topic. So a
message's topic is found by following its ``reply_to_message_id`` back to a ``topic_created``: in
the order Telegram Desktop writes them, every message a reply names has come before it, and its topic
is already known. A message that replies to nothing, or to a message the export does not hold (deleted,
or before the export's first day), is in the General topic, as in the Bot API every message of a forum
outside a topic is.

Only forums keep this: 12 bytes a message, in two arrays searched by bisection (message ids grow
through the file; a message out of order goes to a dict).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from typing import Any

from telegram_pipeline.ingest.desktop_export.threads import INT64

# The General topic's id: every forum has it, and its messages carry no message_thread_id in the Bot API.
GENERAL_TOPIC_ID = 1
TOPIC_CREATED = "topic_created"


def is_topic_creation(message: Any) -> bool:
    return isinstance(message, dict) and message.get("type") == "service" and message.get("action") == TOPIC_CREATED


class TopicChains:
    """The topic of every message seen so far; ``unresolved`` counts the replies whose message was not
    seen (their topic falls back to General)."""

    def __init__(self) -> None:
        self._ids = array("q")
        self._topics = array("q")
        self._out_of_order: dict[int, int] = {}
        self.unresolved = 0

    def _add(self, message_id: int, topic: int) -> None:
        if not self._ids or message_id > self._ids[-1]:
            self._ids.append(message_id)
            self._topics.append(topic)
        else:
            self._out_of_order[message_id] = topic

    def _of(self, message_id: int) -> int | None:
        at = bisect_left(self._ids, message_id)
        if at < len(self._ids) and self._ids[at] == message_id:
            return self._topics[at]
        return self._out_of_order.get(message_id)

    def topic(self, message_id: int, message: dict[str, Any], reply_to: int | None) -> int:
        """The topic of ``message`` (id ``message_id``, replying to ``reply_to`` in the same chat, or None),
        remembered for the messages that reply to it."""
        if is_topic_creation(message):
            topic = message_id
        elif reply_to is None:
            topic = GENERAL_TOPIC_ID
        else:
            found = self._of(reply_to)
            if found is None:
                self.unresolved += 1
            topic = GENERAL_TOPIC_ID if found is None else found
        if message_id in INT64:
            self._add(message_id, topic)
        return topic
