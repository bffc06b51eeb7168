"""Groups that became supergroups, as the webhook recorded them in the raw zone
(``_migrations/{new_chat_id}.json``). The curated table shows the same moves in its migration service
messages; the markers also cover days consolidated before ``migrate_chat_id`` existed."""

from __future__ import annotations

import json
import logging

from telegram_pipeline.lake import storage
from telegram_pipeline.rules.raw_zone import MIGRATIONS_FOLDER
from telegram_pipeline.rules.updates import is_chat_id

log = logging.getLogger(__name__)


def markers(store: storage.Store) -> list[tuple[int, int]]:
    """(old chat id, new chat id) of every marker; one that cannot be read is logged and skipped."""
    found = []
    for key in store.list(MIGRATIONS_FOLDER):
        try:
            marker = json.loads(store.read(key))
            old, new = marker["from_chat_id"], marker["to_chat_id"]
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("skipping the migration marker %s: %s", store.url(key), exc)
            continue
        if is_chat_id(old) and is_chat_id(new) and old != new:
            found.append((old, new))
        else:
            log.warning("skipping the migration marker %s: no two chat ids in it", store.url(key))
    return sorted(set(found))
