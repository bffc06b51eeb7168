"""What a set of reports is: the report tables and their columns, the stages they are built from, the
windows, and the range one set covers.

Every report is computed for every group at once (one pass over the curated partitions, not one per
group) and every table has ``chat_id`` as its first column. The SQL (``include/sql/reports/``) comes in
two kinds: *stages*, the work the reports share (the counted messages, the replies, the reactions each
message holds, …), which depend only on the range's last day; and *reports*, which read the stages
for their own days. DuckDB builds the stages once for all the windows ending on a day (``Span``);
Athena inlines them into each report's query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from telegram_pipeline import config

REPORTS: tuple[str, ...] = (
    "chats",
    "top_posters",
    "keywords",
    "keyword_examples",
    "languages",
    "activity_heatmap",
    "daily_volume",
    "reactions",
    "interactions",
    "emoji",
    "members",
    "content_mix",
    "conversations",
    "topics",
    "activity",
    "retention",
    "join_sources",
    "questions",
    "helpers",
    "unanswered_questions",
    "channel_posts",
    "links",
    "forward_sources",
    "surges",
)
# The stages, in the order they can be built. A view is only a name for a query (DuckDB keeps no copy);
# a table is computed once per span; a state is read from the history state (STATE_STAGES). Those that
# read only the lake come first: counted_messages, the largest table (~500 MB of 3 million messages), is
# built after them, so that their scans and hash tables do not have to share DuckDB's memory limit with it.
STAGES: dict[str, str] = {
    "migration_messages": "view",
    "migration_state": "state",
    "chat_migrations": "table",
    "group_updates": "view",
    "message_versions": "view",
    "membership_updates": "view",
    "history_state": "state",
    "group_history": "table",
    "forum_topics": "table",
    "chosen_topics": "table",
    "latest_revisions": "table",
    "counted_versions": "view",
    "keyword_uses": "table",
    "topic_keyword_uses": "table",
    "surging_terms": "table",
    "sender_names": "table",
    "member_history": "table",
    "member_changes": "table",
    "join_history": "table",
    "usernames": "table",
    "message_reactions": "table",
    "group_days": "table",
    "group_usernames": "table",
    "forwarded_messages": "table",
    "channel_copies": "table",
    "counted_messages": "table",
    "daily_posters": "table",
    "daily_activity": "table",
    "replies": "table",
    "first_replies": "table",
    "asked_questions": "table",
    "conversation_starts": "table",
    "reacted_messages": "table",
    "message_emoji": "table",
}
# The stages of the days before the scanned ones (kind "state" above): DuckDB reads them from the history
# state consolidation keeps (lake/history.py) rather than computing them from every partition; Athena
# computes them from their SQL.
STATE_STAGES: tuple[str, ...] = tuple(stage for stage, kind in STAGES.items() if kind == "state")
# Stages of one range's own days, built first for each range: the groups of the range (also a report),
# what each sender is called, the top topics counted and each forum topic's top keywords, the written
# form each of those terms is shown in, and the top topics in words (also a report, which the examples
# under them read).
RANGE_STAGES: tuple[str, ...] = (
    "chats",
    "sender_labels",
    "keyword_counts",
    "topic_top_terms",
    "keyword_forms",
    "keywords",
)
# The order a range stage that is also a report is given in (by chat_id where not named here).
RANGE_REPORT_ORDER: dict[str, str] = {"keywords": "chat_id, messages DESC, users DESC, keyword"}
# Relations bound at run time rather than read from the lake.
BOUND_TABLES: dict[str, tuple[str, ...]] = {
    "tracked_keywords": ("keyword", "term"),
    "migration_markers": ("old_chat_id", "new_chat_id"),
    "text_days": ("day", "bucket"),
}
WINDOWS: dict[str, int] = {"1d": 1, "7d": 7, "30d": 30}
SCAN_MARGIN = timedelta(days=1)
KEYWORD_LIMIT = 100
CONVERSATION_GAP_MINUTES = 30
# The monthly active members of a range's first day reach back this far (activity's mau: 30 days).
ACTIVITY_LOOKBACK = timedelta(days=29)
QUESTION_ANSWER_HOURS = 24
UNANSWERED_LIMIT = 20  # the latest unanswered questions listed per group
POSTS_LIMIT = 20  # a discussion group's most commented posts of its channel listed
SURGE_MIN_MESSAGES = 5
# A term surges when its messages on the last day exceed SURGE_FACTOR times its mean per day over the
# SURGE_BASELINE_DAYS days before (include/sql/reports/surging_terms.sql says both numbers in its SQL).
SURGE_FACTOR = 3
SURGE_BASELINE_DAYS = 28


def output_schemas():
    """Arrow schema of each report table (also how Athena's text results are typed back)."""
    import pyarrow as pa

    def table(*columns):
        return pa.schema([("chat_id", pa.int64()), *columns])

    timestamp = pa.timestamp("us", tz="UTC")
    return {
        "chats": table(
            ("title", pa.string()),
            ("migrated_from_chat_id", pa.int64()),
            ("messages", pa.int64()),
            ("active_users", pa.int64()),
            ("previous_messages", pa.int64()),
            ("previous_active_users", pa.int64()),
            ("median_reply_seconds", pa.float64()),
            ("chat_type", pa.string()),
        ),
        "top_posters": table(
            ("user_id", pa.int64()),
            ("user_name", pa.string()),
            ("messages", pa.int64()),
            ("share", pa.float64()),
            ("rank", pa.int64()),
        ),
        "keywords": table(
            ("keyword", pa.string()),
            ("messages", pa.int64()),
            ("users", pa.int64()),
            ("rank", pa.int64()),
            ("tracked", pa.bool_()),
            ("term", pa.string()),
            ("phrase", pa.bool_()),
        ),
        "keyword_examples": table(
            ("keyword", pa.string()),
            ("rank", pa.int64()),
            ("example", pa.int64()),
            ("origin_chat_id", pa.int64()),
            ("message_id", pa.int64()),
            ("chat_username", pa.string()),
            ("sent_at", timestamp),
            ("user_id", pa.int64()),
            ("user_name", pa.string()),
            ("text", pa.string()),
        ),
        "languages": table(
            ("language", pa.string()),
            ("messages", pa.int64()),
            ("users", pa.int64()),
            ("share", pa.float64()),
        ),
        "activity_heatmap": table(
            ("weekday", pa.int32()),
            ("hour", pa.int32()),
            ("messages", pa.int64()),
            ("active_users", pa.int64()),
            ("median_reply_seconds", pa.float64()),
        ),
        "daily_volume": table(
            ("date", pa.date32()),
            ("messages", pa.int64()),
            ("active_users", pa.int64()),
            ("new_members", pa.int64()),
            ("left_members", pa.int64()),
        ),
        "reactions": table(
            ("message_id", pa.int64()),
            ("user_id", pa.int64()),
            ("user_name", pa.string()),
            ("sent_at", timestamp),
            ("text", pa.string()),
            ("reactions", pa.int64()),
            ("stars", pa.int64()),
            ("top_emoji", pa.string()),
            ("rank", pa.int64()),
        ),
        "interactions": table(
            ("from_user_id", pa.int64()),
            ("to_user_id", pa.int64()),
            ("replies", pa.int64()),
            ("mentions", pa.int64()),
        ),
        "emoji": table(("emoji", pa.string()), ("messages", pa.int64()), ("users", pa.int64()), ("rank", pa.int64())),
        "members": table(
            ("user_id", pa.int64()),
            ("user_name", pa.string()),
            ("messages", pa.int64()),
            ("previous_messages", pa.int64()),
            ("first_message_at", timestamp),
            ("last_message_at", timestamp),
            ("status", pa.string()),
            ("joined_at", timestamp),
            ("left_at", timestamp),
        ),
        "content_mix": table(("date", pa.date32()), ("content_type", pa.string()), ("messages", pa.int64())),
        "conversations": table(
            ("user_id", pa.int64()),
            ("started", pa.int64()),
            ("replies_received", pa.int64()),
            ("median_reply_seconds", pa.float64()),
        ),
        "topics": table(
            ("topic_id", pa.int64()),
            ("topic", pa.string()),
            ("messages", pa.int64()),
            ("users", pa.int64()),
            ("replies", pa.int64()),
            ("median_first_reply_seconds", pa.float64()),
            ("top_keywords", pa.string()),
        ),
        "activity": table(
            ("date", pa.date32()),
            ("dau", pa.int64()),
            ("wau", pa.int64()),
            ("mau", pa.int64()),
            ("stickiness", pa.float64()),
        ),
        "retention": table(
            ("cohort_week", pa.date32()),
            ("week", pa.int64()),
            ("members", pa.int64()),
            ("active", pa.int64()),
            ("activated", pa.int64()),
        ),
        "join_sources": table(
            ("source", pa.string()),
            ("joins", pa.int64()),
            ("still_members", pa.int64()),
            ("posted", pa.int64()),
        ),
        "questions": table(
            ("asked", pa.int64()),
            ("answered", pa.int64()),
            ("median_answer_seconds", pa.float64()),
            ("unanswered", pa.int64()),
            ("waiting", pa.int64()),
        ),
        "helpers": table(
            ("user_id", pa.int64()),
            ("user_name", pa.string()),
            ("answers", pa.int64()),
            ("median_answer_seconds", pa.float64()),
            ("rank", pa.int64()),
        ),
        "unanswered_questions": table(
            ("message_id", pa.int64()),
            ("user_id", pa.int64()),
            ("user_name", pa.string()),
            ("sent_at", timestamp),
            ("text", pa.string()),
            ("origin_chat_id", pa.int64()),
            ("chat_username", pa.string()),
            ("topic_id", pa.int64()),
        ),
        "channel_posts": table(
            ("message_id", pa.int64()),
            ("channel_id", pa.int64()),
            ("channel_title", pa.string()),
            ("sent_at", timestamp),
            ("text", pa.string()),
            ("content_type", pa.string()),
            ("comments", pa.int64()),
            ("commenters", pa.int64()),
            ("first_comment_seconds", pa.float64()),
            ("origin_chat_id", pa.int64()),
            ("chat_username", pa.string()),
            ("rank", pa.int64()),
        ),
        "links": table(("domain", pa.string()), ("messages", pa.int64()), ("users", pa.int64()), ("rank", pa.int64())),
        "forward_sources": table(
            ("source_id", pa.int64()),
            ("source_name", pa.string()),
            ("source_type", pa.string()),
            ("messages", pa.int64()),
            ("rank", pa.int64()),
        ),
        "surges": table(
            ("keyword", pa.string()),
            ("messages", pa.int64()),
            ("daily_mean", pa.float64()),
            ("tracked", pa.bool_()),
            ("term", pa.string()),
            ("example", pa.string()),
            ("second_example", pa.string()),
            ("rank", pa.int64()),
        ),
    }


@dataclass(frozen=True)
class ReportRange:
    """What one set of reports covers and how it counts."""

    first: date
    last: date
    timezone: str = "UTC"
    include_bots: bool = False
    tracked_keywords: tuple[str, ...] = ()
    keyword_limit: int = KEYWORD_LIMIT
    conversation_gap_minutes: int = CONVERSATION_GAP_MINUTES
    topic: str = ""  # only the messages of this forum topic (its id or name); "" for every message
    question_answer_hours: int = QUESTION_ANSWER_HOURS
    surge_min_messages: int = SURGE_MIN_MESSAGES

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"the range ends ({self.last}) before it starts ({self.first})")
        if not 1 <= self.conversation_gap_minutes <= 24 * 60:
            # The stages look one day back for the message before a range's first one.
            raise ValueError(f"the conversation gap must be 1 to 1440 minutes, not {self.conversation_gap_minutes}")
        if self.question_answer_hours < 1 or self.surge_min_messages < 1:
            raise ValueError("the hours a question waits and the messages of a surge must each be 1 or more")

    @property
    def end_epoch(self) -> int:
        """The range's end, the midnight after its last day in its time zone, in Unix seconds."""
        from zoneinfo import ZoneInfo

        return int(datetime.combine(self.last + timedelta(days=1), time(), ZoneInfo(self.timezone)).timestamp())

    @classmethod
    def from_settings(cls, first: date, last: date, settings: config.Settings, **overrides: Any) -> ReportRange:
        values = dict(
            timezone=settings.timezone,
            include_bots=settings.include_bots,
            tracked_keywords=settings.tracked_keywords,
            conversation_gap_minutes=settings.conversation_gap_minutes,
            question_answer_hours=settings.question_answer_hours,
            surge_min_messages=settings.surge_min_messages,
        )
        return cls(first, last, **{**values, **overrides})

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def previous_first(self) -> date:
        """First day of the period of the same length just before the range (what it is compared with)."""
        return self.first - timedelta(days=self.days)

    @property
    def previous_last(self) -> date:
        return self.first - timedelta(days=1)

    @property
    def scan_first(self) -> date:
        """The first partition its stages read: the period before the range (what it is compared with),
        and the 29 days before its first day (the monthly active members of that day)."""
        return min(self.previous_first, self.first - ACTIVITY_LOOKBACK) - SCAN_MARGIN

    @property
    def scan_last(self) -> date:
        return self.last + SCAN_MARGIN

    def previous(self) -> ReportRange:
        return ReportRange(**{**self.__dict__, "first": self.previous_first, "last": self.previous_last})

    def params(self) -> dict[str, Any]:
        """Every parameter of the SQL for this range alone (Athena: stages and report in one query)."""
        return {
            "from_date": self.first.isoformat(),
            "to_date": self.last.isoformat(),
            "prev_from": self.previous_first.isoformat(),
            "prev_to": self.previous_last.isoformat(),
            "keyword_limit": self.keyword_limit,
            "answer_hours": self.question_answer_hours,
            "range_end_epoch": self.end_epoch,
            "unanswered_limit": UNANSWERED_LIMIT,
            "posts_limit": POSTS_LIMIT,
            **Span([self]).params(),
        }


@dataclass(frozen=True)
class Span:
    """Ranges that end on the same day, built together: their stages are computed once, over the
    partitions all of them need. The stages depend only on the last day (and the settings), so each
    range reads from them exactly what it would compute alone."""

    ranges: Sequence[ReportRange]

    def __post_init__(self) -> None:
        if not self.ranges:
            raise ValueError("a span needs at least one range")
        first = self.ranges[0]
        for rng in self.ranges:
            if rng.last != first.last:
                raise ValueError(f"ranges built together must end on the same day: {rng.last} and {first.last}")
            if (rng.timezone, rng.include_bots, rng.conversation_gap_minutes, rng.surge_min_messages, rng.topic) != (
                first.timezone,
                first.include_bots,
                first.conversation_gap_minutes,
                first.surge_min_messages,
                first.topic,
            ):
                raise ValueError(
                    "ranges built together must count alike (time zone, bots, conversation gap, surge minimum, topic)"
                )

    @property
    def scan_first(self) -> date:
        return min(rng.scan_first for rng in self.ranges)

    @property
    def first(self) -> date:
        """The first of the ranges' own days."""
        return min(rng.first for rng in self.ranges)

    @property
    def recent_first(self) -> date:
        """The first partition of the ranges' own days (with the margin an edit or a late delivery needs):
        the stages that the history state stands in for before it (member_history, usernames,
        forum_topics, …) scan from it on. The periods before the ranges and the activity's lookback are
        only counted (counted_messages, from scan_first)."""
        return self.first - SCAN_MARGIN

    @property
    def scan_last(self) -> date:
        return self.ranges[0].scan_last

    @property
    def surge_first(self) -> date:
        """The first of the days before the last that surges compare it with."""
        return self.ranges[0].last - timedelta(days=SURGE_BASELINE_DAYS)

    @property
    def terms_first(self) -> date:
        """The first day whose terms the span counts (text_days): its ranges' days and the surges'."""
        return min(self.first, self.surge_first)

    @property
    def compare_first(self) -> date:
        """The first day of the latest comparison period (a range's period of the same length before it)
        that starts before the ranges' own days (``first``, when none does): from it up to those days,
        every range compares with the days whole or not at all (sender_names)."""
        return max((rng.previous_first for rng in self.ranges if rng.previous_first < self.first), default=self.first)

    @property
    def near_first(self) -> date:
        """Two days before the first day whose texts the span reads (terms_first): no version of a message
        of those days, nor a reaction to one, is stored in a partition before it. A partition's day is
        its update's day in the time zone the lake was consolidated in, whichever that was, which is at
        most two days before the message's day in any other, and an edit or a reaction comes after its
        message (message_reactions, topic_keyword_uses). Also the first day a conversation of the
        ranges' days can follow a silence from: the gap is a day at most (conversation_starts)."""
        return self.terms_first - timedelta(days=2)

    def params(self) -> dict[str, Any]:
        rng = self.ranges[0]
        return {
            "to_date": rng.last.isoformat(),
            "scan_from": self.scan_first.isoformat(),
            "recent_from": self.recent_first.isoformat(),
            "near_from": self.near_first.isoformat(),
            "compare_from": self.compare_first.isoformat(),
            "scan_to": self.scan_last.isoformat(),
            "text_from": self.first.isoformat(),
            "terms_from": self.terms_first.isoformat(),
            "terms_to": rng.last.isoformat(),
            "rows_from": self.scan_first.isoformat(),
            "rows_to": self.scan_last.isoformat(),
            "timezone": rng.timezone,
            "include_bots": rng.include_bots,
            "gap_minutes": rng.conversation_gap_minutes,
            "topic": rng.topic,
            "surge_from": self.surge_first.isoformat(),
            "surge_min_messages": rng.surge_min_messages,
        }
