"""Keyword search: the messages of a range of days that use a term, by the same word rule the topics
are counted by (``text/words.py``), and their number per day.

What the user types is read in every language of its script (``words.query``): a message matches when
its stored terms hold all of one reading's terms: ``диплом`` finds ``диплому`` and ``дипломом``,
``开源`` every message jieba finds the word in, ``corrida de rua`` the phrase. What holds no term in
any language (a number, punctuation, a single letter) is looked for in the texts as written, as a
whole word, case folded. Either way the term is data: it is bound as a parameter, never written into
the SQL, so quotes, ``%`` and ``*`` are searched for as they are.

Each message is found once, in its latest version (an edit replaces what it said). With a forum topic
(its id, or its name in any case), only the messages of that topic, in every forum that has one of that
id or name: the reports' ``--topic``, by the same stage (``chosen_topics``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from telegram_pipeline import config
from telegram_pipeline.text import words

DEFAULT_LIMIT = 20
_SUPERGROUP = -1_000_000_000_000  # Bot API ids of supergroups and channels are -100… (t.me/c/ links)


def message_link(chat_id: int | None, username: str | None, message_id: int | None) -> str | None:
    """The t.me link of a message: public where the group has a username, else the members' link of a
    supergroup or channel (``t.me/c/…``); None for a basic group or a private chat."""
    if message_id is None:
        return None
    if username:
        return f"https://t.me/{username}/{message_id}"
    if chat_id is not None and chat_id < _SUPERGROUP:
        return f"https://t.me/c/{_SUPERGROUP - chat_id}/{message_id}"
    return None


@dataclass
class Found:
    query: words.Query
    first: date
    last: date
    by_terms: bool  # False: looked for in the texts as written
    topic: str = ""  # only the messages of this forum topic (its id or name); "" for every message
    total: int = 0
    per_day: dict[date, int] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)  # the latest first, at most the limit


_LATEST_MESSAGES = """
SELECT
  chat_id,
  chat_title,
  chat_username,
  message_id,
  sent_at,
  CAST(timezone($timezone, sent_at) AS DATE) AS day,
  COALESCE(
    sender_chat_title,
    NULLIF(CONCAT_WS(' ', user_first_name, user_last_name), ''),
    '@' || user_username,
    'user ' || CAST(user_id AS VARCHAR)
  ) AS sender,
  text,
  terms
FROM messages
WHERE
  context_date BETWEEN $first AND $last
  AND update_type IN ('message', 'edited_message', 'channel_post', 'edited_channel_post')
  AND COALESCE(content_type, '') <> 'service'
  AND text IS NOT NULL
  {chat}
  {topic}
QUALIFY ROW_NUMBER() OVER (PARTITION BY chat_id, message_id ORDER BY COALESCE(edited_at, sent_at) DESC, update_id DESC) = 1
"""
# a message of a forum topic chosen: the group is the one its messages are reported under (a group that
# became a supergroup is its supergroup), and a forum's messages outside any topic are General's (1)
_IN_TOPIC = """
  AND EXISTS (
    SELECT 1
    FROM chosen_topics AS t
    WHERE
      t.topic_id = COALESCE(messages.topic_id, 1)
      AND t.chat_id = COALESCE(
        (SELECT moved.new_chat_id FROM chat_migrations AS moved WHERE moved.old_chat_id = messages.chat_id),
        messages.chat_id
      )
  )
"""


def search(
    term: str,
    first: date,
    last: date,
    settings: config.Settings | None = None,
    chat_id: int | None = None,
    limit: int = DEFAULT_LIMIT,
    topic: str = "",
) -> Found:
    """The messages of ``first``..``last`` (days in TIMEZONE) that use ``term`` (see the module's docstring),
    of the forum topic ``topic`` where one is given."""
    from telegram_pipeline.reports import duckdb_engine
    from telegram_pipeline.reports.definitions import ReportRange

    if last < first:
        raise ValueError(f"--to {last} is before --from {first}")
    if not term.strip():
        raise ValueError("the term to search for is empty")
    settings = settings or config.load()
    topic = topic.strip()
    found = Found(words.query(term), first, last, by_terms=bool(words.query(term).keys), topic=topic)
    params: dict[str, Any] = {"first": first.isoformat(), "last": last.isoformat(), "timezone": settings.timezone}
    if found.by_terms:
        readings = [f"list_has_all(terms, $reading{n})" for n in range(len(found.query.keys))]
        params.update({f"reading{n}": sorted(keys) for n, keys in enumerate(found.query.keys)})
        match = " OR ".join(readings)
    else:
        params["needle"] = term.casefold()
        match = "contains(lower(text), $needle)"  # narrowed to whole words below
    if chat_id is not None:
        params["chat_id"] = chat_id
    # the migration markers (raw zone) only matter to a topic's group
    engine = duckdb_engine.DuckDBReports(settings, last, markers=None if topic else ())
    try:
        if topic:  # its stages register the messages too, from a day before the range on
            engine.create_stages(ReportRange(first, last, timezone=settings.timezone, topic=topic), ["chosen_topics"])
            if not engine.con.execute("SELECT COUNT(*) FROM chosen_topics").fetchone()[0]:
                raise ValueError(f"no forum topic {topic!r} (by id or name) in the curated zone up to {last}")
        else:
            duckdb_engine.register_messages(engine.con, last, settings, first=first)
        sql = _LATEST_MESSAGES.format(
            chat="AND chat_id = $chat_id" if chat_id is not None else "", topic=_IN_TOPIC if topic else ""
        )
        cursor = engine.con.execute(
            f"SELECT * EXCLUDE (terms) FROM ({sql}) WHERE {match} ORDER BY sent_at DESC, chat_id, message_id", params
        )
        rows = cursor.fetchall()
        columns = [d[0] for d in cursor.description]
    finally:
        engine.close()
    matching = [dict(zip(columns, row, strict=True)) for row in rows]
    if not found.by_terms:
        matching = [m for m in matching if _whole_word(term, m["text"])]
    found.total = len(matching)
    found.per_day = dict(sorted(Counter(m["day"] for m in matching).items()))
    for message in matching[:limit]:
        message["link"] = message_link(message["chat_id"], message["chat_username"], message["message_id"])
        found.messages.append(message)
    return found


def _whole_word(term: str, text: str) -> bool:
    """``term`` in ``text`` (case folded) with no letter or digit right before or after it."""
    needle, haystack = term.casefold(), text.casefold()
    start = haystack.find(needle)
    while start >= 0:
        end = start + len(needle)
        before = haystack[start - 1] if start else " "
        after = haystack[end] if end < len(haystack) else " "
        if not (before.isalnum() or after.isalnum()):
            return True
        start = haystack.find(needle, start + 1)
    return False


def printed(found: Found, timezone: str) -> str:
    """What the CLI prints: the count, each message (local time, sender, group, text, link), per day."""
    from zoneinfo import ZoneInfo

    how = "by the word rule" if found.by_terms else "looked for as written: it holds no term"
    uses = "message uses" if found.total == 1 else "messages use"
    topic = f", topic {found.topic!r}" if found.topic else ""
    lines = [f"{found.total} {uses} «{found.query.text}» ({how}), {found.first} to {found.last}{topic}"]
    for m in found.messages:
        when = m["sent_at"].astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
        lines += ["", f"{when}  {m['sender']}  ·  {m['chat_title'] or m['chat_id']}"]
        lines += [f"  {line}" for line in m["text"].splitlines() or [""]]
        if m["link"]:
            lines.append(f"  {m['link']}")
    if found.total > len(found.messages):
        lines += ["", f"… and {found.total - len(found.messages)} more (--limit)"]
    if found.per_day:
        lines += ["", "per day:"] + [f"  {day}  {count}" for day, count in found.per_day.items()]
    return "\n".join(lines)


def as_json(found: Found) -> dict[str, Any]:
    def plain(value):
        return value.isoformat() if isinstance(value, date | datetime) else value

    return {
        "query": found.query.text,
        "by_terms": found.by_terms,
        "terms": [sorted(keys) for keys in found.query.keys],
        "from": found.first.isoformat(),
        "to": found.last.isoformat(),
        "topic": found.topic or None,
        "total": found.total,
        "per_day": {day.isoformat(): count for day, count in found.per_day.items()},
        "messages": [{k: plain(v) for k, v in m.items()} for m in found.messages],
    }
