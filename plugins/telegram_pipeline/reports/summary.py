"""The headline of one group's reports: totals and their change against the period before, the busiest
weekday and hour, the best time to post, the top posters and keywords, engagement (reactions, who
answers whom, emoji, members who come and go, who starts conversations and how fast replies come), and
the community's health (stickiness, questions, where members come from, what is shared, what surges).
What the page and the digest say, computed once here from the report tables."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from telegram_pipeline.reports.definitions import ReportRange

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# A cell is a candidate for the best time when at least this share of the busiest cell's members post then.
BEST_TIME_CROWD = 0.75
BEST_TIMES = 3
TOP = 3  # most reacted posts, strongest pairs, conversation starters
EXCERPT = 80


def for_chat(tables: Mapping[str, Any], chat_id: int) -> dict[str, Any]:
    """Each table's rows of one group."""
    import pyarrow.compute as pc

    return {name: table.filter(pc.equal(table["chat_id"], chat_id)) for name, table in tables.items()}


def chat_ids(tables: Mapping[str, Any]) -> list[int]:
    """The groups of a set of tables, in id order."""
    return sorted(tables["chats"].column("chat_id").to_pylist())


@dataclass(frozen=True)
class BestTime:
    """A weekday × hour cell worth posting in: many members post then and replies come fast."""

    weekday: str
    hour: int
    active_users: int
    median_reply_seconds: float | None


def best_times(heatmap: Iterable[dict[str, Any]], count: int = BEST_TIMES) -> list[BestTime]:
    """The cells where most members are active (at least BEST_TIME_CROWD of the busiest cell's) and,
    among those, replies come fastest (cells without replies last); ties: more members, earlier in the week."""
    cells = [c for c in heatmap if c["active_users"] > 0]
    if not cells:
        return []
    crowd = BEST_TIME_CROWD * max(c["active_users"] for c in cells)
    candidates = sorted(
        (c for c in cells if c["active_users"] >= crowd),
        key=lambda c: (
            c["median_reply_seconds"] is None,
            c["median_reply_seconds"] or 0,
            -c["active_users"],
            c["weekday"],
            c["hour"],
        ),
    )
    return [
        BestTime(WEEKDAYS[c["weekday"] - 1], c["hour"], c["active_users"], c["median_reply_seconds"])
        for c in candidates[:count]
    ]


def change(now: int, before: int) -> float | None:
    """The relative change from ``before`` to ``now`` (0.25 = 25 % more), None when there was nothing before."""
    return (now - before) / before if before else None


def duration(seconds: float) -> str:
    """A wait as people say it: "45 s", "20 min", "3 h 20 min", "81 days"."""
    seconds = int(seconds + 0.5)
    if seconds < 90:
        return f"{seconds} s"
    minutes = (seconds + 30) // 60
    if minutes < 90:
        return f"{minutes} min"
    if minutes < 48 * 60:
        hours, minutes = divmod(minutes, 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{(seconds + 43_200) // 86_400} days"


def counted(n: int, one: str, many: str | None = None) -> str:
    """A count as people read it, the one rule of every text the pipeline writes (pages, digests, the CLI):
    the noun singular or plural, thousands written one way ("1 sender", "1,041 messages")."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"


# What a report calls a chat, by its Bot API type.
CHAT_KINDS = {"channel": "channel", "private": "private chat", "group": "group", "supergroup": "group"}


def chats_counted(kinds: list[str]) -> str:
    """The chats of a report by what they are: "3 groups", "2 groups, 1 channel", "1 private chat" (an
    imported personal chat is no group); "0 groups" for none."""
    found = [kind for kind in ("group", "channel", "private chat") if kind in kinds]
    return ", ".join(counted(kinds.count(kind), kind) for kind in found) or counted(0, "group")


def _percent(value: float) -> str:
    return f"{value:+.0%}".replace("+0%", "±0%")


@dataclass(frozen=True)
class ReactedPost:
    author: str
    text: str | None  # the first EXCERPT characters
    reactions: int
    top_emoji: str | None
    sent_at: datetime


@dataclass(frozen=True)
class Pair:
    """Who answers or names whom."""

    from_name: str
    to_name: str
    replies: int
    mentions: int


@dataclass(frozen=True)
class TopicLine:
    """One forum topic's headline: its name and its messages of the range."""

    topic_id: int
    topic: str
    messages: int


@dataclass(frozen=True)
class Surge:
    """A term that took off on the range's last day."""

    keyword: str
    messages: int
    daily_mean: float  # its messages a day over the 28 days before
    examples: tuple[str, ...]


@dataclass
class Summary:
    chat_id: int
    title: str | None
    first: date
    last: date
    timezone: str
    messages: int
    active_users: int
    new_members: int
    busiest_weekday: str | None
    busiest_hour: int | None
    top_posters: list[tuple[str, int]] = field(default_factory=list)
    top_keywords: list[tuple[str, int]] = field(default_factory=list)
    previous_messages: int = 0
    previous_active_users: int = 0
    best_times: list[BestTime] = field(default_factory=list)
    median_reply_seconds: float | None = None  # the group's median wait for a first reply
    reactions: int = 0  # held by the messages of the range at its end
    most_reacted: list[ReactedPost] = field(default_factory=list)
    strongest_pairs: list[Pair] = field(default_factory=list)
    top_emoji: list[tuple[str, int]] = field(default_factory=list)
    member_status: dict[str, int] = field(default_factory=dict)  # new, returning, quiet, silent -> members
    joined: int = 0  # members who joined in the range (their latest change a join or not)
    left: int = 0
    conversations_started: int = 0
    top_starters: list[tuple[str, int]] = field(default_factory=list)
    content_mix: list[tuple[str, int]] = field(default_factory=list)  # content type -> messages, most first
    stickiness: float | None = None  # the mean over the range's days of that day's active members / the month's
    question_answer_hours: int = 24
    questions_asked: int = 0
    questions_answered: int = 0
    questions_unanswered: int = 0  # no answer from someone else within question_answer_hours
    questions_waiting: int = 0  # asked in the range's last question_answer_hours, no answer yet
    median_answer_seconds: float | None = None
    join_sources: list[tuple[str, int]] = field(default_factory=list)  # source -> members who joined, most first
    top_domains: list[tuple[str, int]] = field(default_factory=list)
    top_forward_sources: list[tuple[str, int]] = field(default_factory=list)
    surges: list[Surge] = field(default_factory=list)
    chat_type: str | None = None  # the Bot API's: group, supergroup, channel or private
    topics: list[TopicLine] = field(default_factory=list)  # a forum's topics, busiest first; [] elsewhere
    # a channel's discussion group: the channel's posts with comments, the most commented first, as
    # (excerpt, comments); [] elsewhere
    commented_posts: list[tuple[str, int]] = field(default_factory=list)
    language: str | None = None  # the language most of the range's messages were written in (ISO 639-1)

    @property
    def kind(self) -> str:
        """What the chat is, in words: group, channel or private chat."""
        return CHAT_KINDS.get(self.chat_type or "", "group")

    @property
    def name(self) -> str:
        """The chat's title, or what it is and its id where it has none."""
        return self.title or f"{self.kind.capitalize()} {self.chat_id}"

    @property
    def busiest_topics(self) -> list[TopicLine]:
        return [t for t in self.topics if t.messages > 0]

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def messages_change(self) -> float | None:
        return change(self.messages, self.previous_messages)

    @property
    def active_users_change(self) -> float | None:
        return change(self.active_users, self.previous_active_users)

    @property
    def best_time(self) -> BestTime | None:
        return self.best_times[0] if self.best_times else None

    def messages_and_members(self) -> str:
        """The messages and the members who wrote them ("9 messages from 4 members"); a channel's posts,
        or a group's that only its anonymous admins wrote, are from no member ("3 messages")."""
        messages = counted(self.messages, "message")
        return f"{messages} from {counted(self.active_users, 'member')}" if self.active_users else messages

    def change_sentence(self) -> str:
        """The change against the period before, in words."""
        period = "day" if self.days == 1 else f"{self.days} days"
        if not self.previous_messages and not self.previous_active_users:
            return f"{self.messages_and_members()}; nothing in the {period} before to compare with."
        parts = []
        for now, before, label in (
            (self.messages, self.previous_messages, "messages"),
            (self.active_users, self.previous_active_users, "active members"),
        ):
            moved = change(now, before)
            parts.append(
                f"{now:,} {label} ({_percent(moved) if moved is not None else 'none before'}, from {before:,})"
            )
        return f"{parts[0]} and {parts[1]} against the {period} before."

    def best_time_sentence(self) -> str:
        best = self.best_time
        if best is None and self.messages:  # a channel's own posts, or only anonymous admins'
            return "No member posted in these days to tell the best time to post."
        if best is None:
            return "No messages yet to tell the best time to post."
        crowd = f"{counted(best.active_users, 'member')} posted"
        if best.median_reply_seconds is None:
            return f"Best time to post: {best.weekday}s at {best.hour:02d}:00 ({self.timezone}), when {crowd}."
        return (
            f"Best time to post: {best.weekday}s at {best.hour:02d}:00 ({self.timezone}), when {crowd} "
            f"and replies came after {duration(best.median_reply_seconds)} (median)."
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values: dates and times as ISO strings, the changes included."""
        values = dataclasses.asdict(self)
        values.update(messages_change=self.messages_change, active_users_change=self.active_users_change)
        return json.loads(json.dumps(values, default=lambda value: value.isoformat()))


def names_of(tables: Mapping[str, Any]) -> dict[int, str]:
    """user id -> name, from one group's members and top posters."""
    names = dict(zip(tables["members"]["user_id"].to_pylist(), tables["members"]["user_name"].to_pylist(), strict=True))
    names.update(
        zip(tables["top_posters"]["user_id"].to_pylist(), tables["top_posters"]["user_name"].to_pylist(), strict=True)
    )
    return names


def top_starters(conversations, count: int):
    """The rows of the members who opened most conversations (ties: by id), as a table."""
    return conversations.sort_by([("started", "descending"), ("user_id", "ascending")]).slice(0, count)


def _engagement(tables: Mapping[str, Any]) -> dict[str, Any]:
    """The engagement part of one group's headline. The tables can be long (every reacted message, every
    pair): only their first rows become Python values."""
    import pyarrow.compute as pc

    names = names_of(tables)
    members = tables["members"]
    starters = top_starters(tables["conversations"], TOP).to_pylist()
    mix: Counter = Counter()
    for row in tables["content_mix"].to_pylist():
        mix[row["content_type"]] += row["messages"]
    return dict(
        reactions=pc.sum(tables["reactions"]["reactions"]).as_py() or 0,
        most_reacted=[
            ReactedPost(
                r["user_name"], (r["text"] or "")[:EXCERPT] or None, r["reactions"], r["top_emoji"], r["sent_at"]
            )
            for r in tables["reactions"].slice(0, TOP).to_pylist()
        ],
        strongest_pairs=[
            Pair(
                names.get(p["from_user_id"], f"user {p['from_user_id']}"),
                names.get(p["to_user_id"], f"user {p['to_user_id']}"),
                p["replies"],
                p["mentions"],
            )
            for p in tables["interactions"].slice(0, TOP).to_pylist()  # strongest first
        ],
        top_emoji=[(e["emoji"], e["messages"]) for e in tables["emoji"].slice(0, 5).to_pylist()],
        member_status=dict(Counter(members["status"].to_pylist())),
        joined=members["joined_at"].length() - members["joined_at"].null_count,
        left=members["left_at"].length() - members["left_at"].null_count,
        conversations_started=pc.sum(tables["conversations"]["started"]).as_py() or 0,
        top_starters=[
            (names.get(c["user_id"], f"user {c['user_id']}"), c["started"]) for c in starters if c["started"]
        ],
        content_mix=sorted(mix.items(), key=lambda item: (-item[1], item[0])),
    )


def _community(tables: Mapping[str, Any], rng: ReportRange) -> dict[str, Any]:
    """The community part of one group's headline."""
    days = [d["stickiness"] for d in tables["activity"].to_pylist() if d["stickiness"] is not None]
    asked = next(iter(tables["questions"].to_pylist()), {})
    return dict(
        stickiness=sum(days) / len(days) if days else None,
        question_answer_hours=rng.question_answer_hours,
        questions_asked=asked.get("asked", 0),
        questions_answered=asked.get("answered", 0),
        questions_unanswered=asked.get("unanswered", 0),
        questions_waiting=asked.get("waiting", 0),
        median_answer_seconds=asked.get("median_answer_seconds"),
        join_sources=[(j["source"], j["joins"]) for j in tables["join_sources"].slice(0, 5).to_pylist()],
        top_domains=[(d["domain"], d["messages"]) for d in tables["links"].slice(0, 5).to_pylist()],
        top_forward_sources=[
            (f["source_name"] or "(unknown)", f["messages"]) for f in tables["forward_sources"].slice(0, 5).to_pylist()
        ],
        commented_posts=[
            ((p["text"] or p["content_type"] or "post")[:EXCERPT], p["comments"])
            for p in tables["channel_posts"].slice(0, TOP).to_pylist()
            if p["comments"]
        ],
        surges=[
            Surge(
                s["keyword"], s["messages"], s["daily_mean"], tuple(e for e in (s["example"], s["second_example"]) if e)
            )
            for s in tables["surges"].slice(0, 5).to_pylist()
        ],
    )


def summarize(tables: Mapping[str, Any], rng: ReportRange, chat_id: int) -> Summary:
    """One group's headline from the report tables (of every group, or of that group alone)."""
    tables = for_chat(tables, chat_id)
    chat = next(iter(tables["chats"].to_pylist()), {})
    engagement = _engagement(tables)
    posters = tables["top_posters"].to_pylist()
    keywords = [k for k in tables["keywords"].to_pylist() if k["messages"] > 0]
    volume = tables["daily_volume"].to_pylist()
    heatmap = tables["activity_heatmap"].to_pylist()
    by_weekday = {d: sum(c["messages"] for c in heatmap if c["weekday"] == d) for d in range(1, 8)}
    by_hour = {h: sum(c["messages"] for c in heatmap if c["hour"] == h) for h in range(24)}
    any_messages = any(by_hour.values())
    languages = tables["languages"].to_pylist()  # most messages first (ties: by code)
    return Summary(
        chat_id=chat_id,
        title=chat.get("title"),
        first=rng.first,
        last=rng.last,
        timezone=rng.timezone,
        messages=sum(row["messages"] for row in volume),
        active_users=chat.get("active_users", 0),
        # people, each once however often they joined: the members section's "joined" (one definition)
        new_members=engagement["joined"],
        busiest_weekday=WEEKDAYS[max(by_weekday, key=by_weekday.get) - 1] if any_messages else None,
        busiest_hour=max(by_hour, key=by_hour.get) if any_messages else None,
        top_posters=[(p["user_name"], p["messages"]) for p in posters[:5]],
        top_keywords=[(k["keyword"], k["messages"]) for k in keywords[:10]],
        previous_messages=chat.get("previous_messages", 0),
        previous_active_users=chat.get("previous_active_users", 0),
        best_times=best_times(heatmap),
        median_reply_seconds=chat.get("median_reply_seconds"),
        chat_type=chat.get("chat_type"),
        topics=[TopicLine(t["topic_id"], t["topic"], t["messages"]) for t in tables["topics"].to_pylist()],
        language=languages[0]["language"] if languages else None,
        **engagement,
        **_community(tables, rng),
    )
