"""Where the raw zone keeps things: the one layout the webhook writes and the pipeline reads.

- ``context_date=YYYY-MM-DD/{update_id}.json``: one update as Telegram sent it, filed under the day it
  belongs to (``rules/days.py``). The key is the update id, so a redelivery lands on the same key and
  the webhook is idempotent without a table.
- ``context_date=YYYY-MM-DD/<folder>/<name>.jsonl``: imported history, many updates in one object
  (``ingest/desktop_export``); consolidation reads every object under a day's folder, either kind.
- ``_migrations/{new_chat_id}.json``: the webhook's note that a group became a supergroup, outside
  every day's folder; the reports read them back (``lake/migrations.py``).
"""

from __future__ import annotations

from datetime import date

DAY_FOLDER_PREFIX = "context_date="
MIGRATIONS_FOLDER = "_migrations"


def day_folder(day: date | str) -> str:
    """The folder of ``day`` (a date, or its ISO text): ``context_date=YYYY-MM-DD``."""
    return f"{DAY_FOLDER_PREFIX}{day.isoformat() if isinstance(day, date) else day}"


def update_key(day: date | str, update_id: int) -> str:
    """Where one update of ``day`` is stored: ``context_date=YYYY-MM-DD/{update_id}.json``."""
    return f"{day_folder(day)}/{update_id}.json"


def migration_marker_key(new_chat_id: int) -> str:
    """Where the webhook notes that a group became the supergroup ``new_chat_id``."""
    return f"{MIGRATIONS_FOLDER}/{new_chat_id}.json"
