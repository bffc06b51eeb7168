"""Posting the digest of a window of days, for each group of DIGEST_CHAT_IDS, exactly once.

A digest is three sends, in this order: the message (``sendMessage``), the group's report page
(``sendDocument``) and the chart (``sendPhoto``), the last two as replies to the first. After each send
the delivery record, ``{REPORTS_URI}/digest/context_date=D/window=Nd/chat_id=G/delivery.json``, is
rewritten with the Bot API's message id of what was just sent. So a rerun or a retry of the same
group, day and window sends only what the record lacks: nothing once all three are there, the rest
after a crash between two sends. ``force`` starts a new record and posts all three again.

What is left: a crash after Telegram accepted a send but before its record was written (a few
milliseconds), or a failed write of the record, sends that one part again on the next run. The Bot API has no idempotency key, so
no client can close that gap; the record keeps it to one part, never a whole digest.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from telegram_pipeline import bot_api, config
from telegram_pipeline.lake import schema, storage
from telegram_pipeline.reports import build, html
from telegram_pipeline.reports import digest_content as text
from telegram_pipeline.reports.definitions import ReportRange
from telegram_pipeline.reports.summary import for_chat, summarize

log = logging.getLogger(__name__)

RECORD_FOLDER = "digest"
RECORD_FILE = "delivery.json"
STEPS = ("message", "document", "photo")
# What no retry can mend: Telegram's refusal (the bot is not in the chat, the chat does not exist, a bad
# token) and a bad setting. Anything else (no answer, a 5xx, storage) is worth another try.
NEVER_RETRIED = (bot_api.Refused, ValueError)


def record_key(group_id: int, last: date, days: int) -> str:
    return (
        f"{RECORD_FOLDER}/{schema.PARTITION_COLUMN}={last.isoformat()}/window={days}d/chat_id={group_id}/{RECORD_FILE}"
    )


def window(last: date, days: int, settings: config.Settings) -> ReportRange:
    if days < 1:
        raise ValueError(f"--days must be 1 or more, not {days}")
    return ReportRange.from_settings(last - timedelta(days=days - 1), last, settings)


@dataclass
class Digest:
    """One group's digest, ready to send."""

    target: config.DigestTarget
    rng: ReportRange
    title: str | None
    text: str
    page: bytes
    chart: bytes

    @property
    def period(self) -> str:
        return text.period_text(self.rng.first, self.rng.last)


@dataclass
class Outcome:
    target: config.DigestTarget
    status: str  # "posted", "resumed", "already delivered", "would post"
    record_url: str
    message_ids: dict[str, int] = field(default_factory=dict)
    digest: Digest | None = None


class GroupTables:
    """The report tables of a window, built once (on first use) for the groups that need a digest."""

    def __init__(self, rng: ReportRange, settings: config.Settings, groups: Sequence[int]):
        self.rng, self.settings, self.groups = rng, settings, list(groups)
        self._tables: Mapping[str, Any] | None = None

    def of(self, group_id: int) -> dict[str, Any]:
        if self._tables is None:
            self._tables = build.build(self.rng, self.settings, chat_ids=self.groups)
        return for_chat(self._tables, group_id)


def compose(target: config.DigestTarget, tables: GroupTables) -> Digest:
    group = target.group_id
    current = tables.of(group)
    summary = summarize(current, tables.rng, group)
    return Digest(
        target=target,
        rng=tables.rng,
        title=summary.title,
        text=text.message(summary),
        page=html.render(current, summary).encode("utf-8"),
        chart=text.chart_png(current, summary),
    )


class Record:
    """The delivery record of one group, day and window: what was sent, with Telegram's message ids."""

    def __init__(self, store: storage.Store, key: str, content: dict[str, Any]):
        self.store, self.key, self.content = store, key, content

    @classmethod
    def load(cls, store: storage.Store, key: str) -> Record | None:
        try:
            return cls(store, key, json.loads(store.read(key)))
        except storage.ObjectNotFound:
            return None

    @classmethod
    def new(cls, store: storage.Store, key: str, digest: Digest, force: bool) -> Record:
        rng = digest.rng
        content = {
            "group_id": digest.target.group_id,
            "chat_id": digest.target.chat_id,
            "first": rng.first.isoformat(),
            "last": rng.last.isoformat(),
            "timezone": rng.timezone,
            "forced": force,
            "sent": {},
            "complete": False,
        }
        return cls(store, key, content)

    @property
    def sent(self) -> dict[str, dict[str, Any]]:
        return self.content["sent"]

    @property
    def complete(self) -> bool:
        return bool(self.content.get("complete"))

    def mark(self, step: str, result: Any) -> None:
        message_id = result.get("message_id") if isinstance(result, dict) else None
        if not isinstance(message_id, int):
            raise bot_api.TelegramError(f"{step}: Telegram's answer has no message_id: {result!r}")
        self.sent[step] = {"message_id": message_id, "at": datetime.now(UTC).isoformat(timespec="seconds")}
        self.content["complete"] = all(s in self.sent for s in STEPS)
        self.store.write(self.key, json.dumps(self.content, indent=2).encode())


def send(settings: config.Settings, digest: Digest, step: str, reply_to: int | None) -> Any:
    chat_id = digest.target.chat_id
    reply = {"reply_parameters": {"message_id": reply_to, "allow_sending_without_reply": True}} if reply_to else {}
    if step == "message":
        params = {"chat_id": chat_id, "text": digest.text, "parse_mode": "HTML"}
        return bot_api.call(settings, "sendMessage", {**params, "link_preview_options": {"is_disabled": True}})
    slug = f"{digest.target.group_id}_{digest.rng.first.isoformat()}_{digest.rng.last.isoformat()}"
    name = (digest.title or f"group {digest.target.group_id}")[:64]
    if step == "document":
        upload = bot_api.Upload(f"report_{slug}.html", digest.page, "text/html")
        caption = f"Full report: {name}, {digest.period} (open it in a browser)"
        return bot_api.call(
            settings, "sendDocument", {"chat_id": chat_id, "caption": caption, **reply}, {"document": upload}
        )
    upload = bot_api.Upload(f"digest_{slug}.png", digest.chart, "image/png")
    caption = f"Messages per day and when members post: {name}, {digest.period}"
    return bot_api.call(settings, "sendPhoto", {"chat_id": chat_id, "caption": caption, **reply}, {"photo": upload})


def post_digests(
    last: date,
    days: int,
    settings: config.Settings | None = None,
    groups: Sequence[int] | None = None,
    force: bool = False,
    dry_run: bool = False,
) -> Iterator[tuple[config.DigestTarget, Outcome | Exception]]:
    """Each chosen group's digest of the ``days`` days ending ``last``, posted where DIGEST_CHAT_IDS says,
    or why it could not be: one group's failure does not stop the others."""
    settings = settings or config.load()
    targets = chosen_targets(settings, groups)
    rng = window(last, days, settings)
    store = storage.reports_store(settings)
    tables = GroupTables(rng, settings, [t.group_id for t in targets])
    for target in targets:
        try:
            yield target, post_digest(target, rng, tables, settings, store, force=force, dry_run=dry_run)
        except (bot_api.TelegramError, storage.StorageError, ValueError) as exc:
            yield target, exc


def chosen_targets(settings: config.Settings, groups: Sequence[int] | None) -> list[config.DigestTarget]:
    targets = list(settings.digest_chat_ids)
    if not targets:
        raise ValueError("DIGEST_CHAT_IDS is empty: name the groups that get a digest (group_id or group_id:target)")
    if groups is not None:
        unknown = sorted(set(groups) - {t.group_id for t in targets})
        if unknown:
            raise ValueError(f"group {', '.join(map(str, unknown))} is not in DIGEST_CHAT_IDS")
        targets = [t for t in targets if t.group_id in groups]
    return targets


def post_digest(
    target: config.DigestTarget,
    rng: ReportRange,
    tables: GroupTables,
    settings: config.Settings,
    store: storage.Store,
    force: bool = False,
    dry_run: bool = False,
) -> Outcome:
    days = (rng.last - rng.first).days + 1
    key = record_key(target.group_id, rng.last, days)
    record = None if force else Record.load(store, key)
    if record and record.complete:
        ids = {step: sent["message_id"] for step, sent in record.sent.items()}
        log.info(
            "digest of %s, %s..%s, already delivered to %s: %s",
            target.group_id,
            rng.first,
            rng.last,
            record.content["chat_id"],
            ids,
        )
        return Outcome(target, "already delivered", store.url(key), ids)
    if record and record.content["chat_id"] != target.chat_id:
        # Finish the digest where it began; --force posts a whole one to the new target.
        target = config.DigestTarget(target.group_id, record.content["chat_id"])
    digest = compose(target, tables)
    if dry_run:
        return Outcome(target, "would post", store.url(key), digest=digest)
    status = "resumed" if record and record.sent else "posted"
    record = record or Record.new(store, key, digest, force)
    for step in STEPS:
        if step not in record.sent:
            reply_to = record.sent.get("message", {}).get("message_id")
            record.mark(step, send(settings, digest, step, reply_to))
    ids = {step: sent["message_id"] for step, sent in record.sent.items()}
    log.info("digest of %s, %s..%s, %s to %s: %s", target.group_id, rng.first, rng.last, status, target.chat_id, ids)
    return Outcome(target, status, store.url(key), ids, digest)
