"""Which reply thread each reply of an exported supergroup is in.

In a supergroup that is no forum, the Bot API gives every reply a ``message_thread_id``: the id of the
message at the top of its chain of replies. In a channel's discussion group that is the channel's post
copied in, so a reply to a comment is still the post's comment (``channel_posts`` counts it). An export
names no thread; it names the message each one replies to, always one written before it. So the first
pass notes every reply (``note``), in the file's order, and the thread of a reply is the thread of the
message it replies to, or that message itself when it replies to nothing or is not in the export
(deleted, or before the export's first day: the top of its chain is then unknown, and the message
replied to is the best guess).

Only replies are kept: 16 bytes each, in two arrays searched by bisection (message ids grow through the
file; a message out of order goes to a dict). A part of the file read by another process hands its
replies over (``NotedReplies``), to be noted after those of the parts before it.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from typing import Any

# The ids the arrays hold: a damaged export's id beyond them is no message a reply can lead to.
INT64 = range(-(2**63), 2**63)


def replied_to(message: dict[str, Any]) -> int | None:
    """The id of the message of the same chat that ``message`` replies to, if any."""
    reply_to = message.get("reply_to_message_id")
    if type(reply_to) is not int or reply_to not in INT64 or message.get("reply_to_peer_id"):
        return None
    return reply_to


class ReplyThreads:
    """The thread of every reply noted so far."""

    def __init__(self) -> None:
        self._ids = array("q")
        self._threads = array("q")
        self._out_of_order: dict[int, int] = {}

    def note(self, message_id: int, reply_to: int) -> None:
        """A reply, noted after every message before it in the file."""
        thread = self.thread_of(reply_to)
        if not self._ids or message_id > self._ids[-1]:
            self._ids.append(message_id)
            self._threads.append(thread)
        else:
            self._out_of_order[message_id] = thread

    def thread_of(self, reply_to: int) -> int:
        """The thread of a reply to ``reply_to``."""
        at = bisect_left(self._ids, reply_to)
        if at < len(self._ids) and self._ids[at] == reply_to:
            return self._threads[at]
        return self._out_of_order.get(reply_to, reply_to)


class NotedReplies:
    """The replies one part of the file holds, as (message id, id replied to), in the file's order."""

    def __init__(self) -> None:
        self.ids = array("q")
        self.replied_to = array("q")

    def note(self, message_id: int, reply_to: int) -> None:
        self.ids.append(message_id)
        self.replied_to.append(reply_to)

    def into(self, threads: ReplyThreads) -> None:
        for message_id, reply_to in zip(self.ids, self.replied_to, strict=True):
            threads.note(message_id, reply_to)
