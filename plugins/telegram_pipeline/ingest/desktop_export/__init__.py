"""Import a Telegram Desktop export into the raw zone: one chat's ("Export chat history", JSON), or one
chat of a whole-account export ("Export Telegram data"; ``chat`` chooses it, by id or name, unless the
file holds only one).

Each exported message becomes one Bot API-shaped update, as the webhook would have stored it, and the
updates of one chat and day go into one JSON-lines object (one update a line) in that day's folder:
``{RAW_URI}/context_date=YYYY-MM-DD/export-chat{chat_id}-msg{first message id}/{content hash}.jsonl``,
the day being the message's ``date`` in TIMEZONE. The consolidation reads these objects beside the
webhook's single updates, so history and live data are counted alike. One object a day is one PUT a
day on S3, where one object a message was one PUT a message.

- ``update_id`` is negative and derived from (chat_id, message_id): it never collides with
  Telegram's (positive) ids, and a rerun gives the same updates, the same objects, the same names.
- An object's folder is named after its chat and first message, its file after its content: a rerun
  rewrites the same key with the same bytes; an export that says more about a day (a later export of
  the same chat) replaces that folder's object, and the new name tells the consolidation's late-data
  check that the day changed.
- The update carries ``"x_source": "export"``, so the curated column ``source`` is ``export``.
- The chat id is the Bot API's (``-100…`` for supergroups and channels), so a message both imported
  and received live has the same (chat_id, message_id) and is counted once.
- An edited message is imported as ``message`` with ``edit_date``: it counts once, with the text the
  export holds (its latest).
- A forum's messages carry their topic as the Bot API marks it (``message_thread_id`` with
  ``is_topic_message``), found by following each message's replies back to its topic's
  ``topic_created`` (``topics.py``); the chat carries ``is_forum``.
- Any other supergroup's replies carry their thread as the Bot API gives it (``message_thread_id``: the
  message at the top of the chain of replies; ``threads.py``).
- A message's reactions become the ``message_reaction_count`` and ``message_reaction`` updates a bot
  receives (``reactions.py``), so that they are counted like live ones, and once with them.
- A sender id that names nobody (0 in older exports) leaves the message without a sender: it is still
  the group's, under the unknown sender.

The export is one JSON object whose ``messages`` array may hold millions of messages, so it is read
in chunks and decoded a chunk of messages at a time, twice: first for the senders' names (service messages
name the members they add or remove by display name only; and whether the chat is a forum), then to
convert and write. Memory holds the names and the days being filled, for a forum 12 bytes a message
(each message's topic), and for another supergroup 16 bytes a reply (its thread), whatever the file's size.

One chat's large export is read by one process per core, each reading a stretch of its messages (its
parts, cut between two messages), for the names and replies and, unless the chat is a forum, to
convert; the updates are written in the file's order all the same, so the objects are those of one
process reading it all.

The parts, each used only by those after it: ``errors.py``; ``reader.py`` (the file as a stream of
chats and messages, decoded a chunk at a time; one chat's export cut into parts; ``CHUNK_BYTES``);
``media.py``, ``threads.py``, ``topics.py``, ``reactions.py`` and ``convert.py`` (a message -> its
updates: ids, times, text, senders, media, service actions, its forum topic or reply thread, its
reactions); ``days.py`` (updates -> day objects in the raw zone; ``PART_BYTES``); ``passes.py`` (the
two passes over one part); ``run.py`` (the parts side by side, the chat chosen, the result, the
progress bar).
"""

from telegram_pipeline.ingest.desktop_export.convert import (
    Chat,
    Converter,
    bot_api_chat_id,
    convert_text,
    import_update_id,
    needs_export_timezone,
)
from telegram_pipeline.ingest.desktop_export.days import PARTS_IN_FLIGHT, part_folder
from telegram_pipeline.ingest.desktop_export.errors import ExportError, MalformedMessage
from telegram_pipeline.ingest.desktop_export.run import CutShortError, ImportResult, Progress, import_export

__all__ = [
    "PARTS_IN_FLIGHT",
    "Chat",
    "Converter",
    "CutShortError",
    "ExportError",
    "ImportResult",
    "MalformedMessage",
    "Progress",
    "bot_api_chat_id",
    "convert_text",
    "import_export",
    "import_update_id",
    "needs_export_timezone",
    "part_folder",
]
