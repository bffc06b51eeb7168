"""The curated ``messages`` table: the single source of truth for its columns.

The Parquet files, the Glue table and the Athena DDL in ``include/sql/`` all come from ``COLUMNS``.
One row per Telegram update (``update_id``). The partition column ``context_date`` is the day of the
update's event time in TIMEZONE; it lives in the path (``context_date=YYYY-MM-DD/``), not in the files.

Evolution: new columns are only ever appended, nullable. Old partitions simply lack them, and every
reader maps Parquet columns by name (Athena's default; DuckDB with ``union_by_name``), so they read
as NULL there.
"""

from __future__ import annotations

from dataclasses import dataclass

PARTITION_COLUMN = "context_date"
TABLE_NAME = "messages"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # one of: bigint, int, string, boolean, timestamp, array<string>, array<bigint>
    comment: str
    nullable: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("update_id", "bigint", "Telegram's update id; negative for updates imported from a Desktop export", False),
    Column(
        "update_type",
        "string",
        "message, edited_message, channel_post, edited_channel_post, message_reaction, my_chat_member, chat_member, …",
        False,
    ),
    Column("source", "string", "webhook (live) or export (imported from Telegram Desktop)", False),
    Column("chat_id", "bigint", "Bot API chat id (supergroups: -100…)", False),
    Column("chat_type", "string", "private, group, supergroup or channel"),
    Column("chat_title", "string", "chat title at the time of the update"),
    Column("message_id", "bigint", "message id within the chat"),
    Column("message_thread_id", "bigint", "forum topic / thread id"),
    Column("sent_at", "timestamp", "UTC time the message was sent (the update's `date`)"),
    Column("edited_at", "timestamp", "UTC time of the edit (`edit_date`), for edits"),
    Column("user_id", "bigint", "sender's user id (a keyed hash when pseudonymised)"),
    Column("user_is_bot", "boolean", "the sender is a bot"),
    Column("user_first_name", "string", "sender's first name (NULL when pseudonymised)"),
    Column("user_last_name", "string", "sender's last name (NULL when pseudonymised)"),
    Column("user_username", "string", "sender's @username without @ (NULL when pseudonymised)"),
    Column("sender_chat_id", "bigint", "chat on whose behalf the message was sent: anonymous admins, channels"),
    Column("sender_chat_title", "string", "title of sender_chat"),
    Column("text", "string", "the text, or the caption of media"),
    Column(
        "content_type",
        "string",
        "text, photo, sticker, voice, video, video_note, document, animation, audio, poll, location, contact, … "
        "(lake/message_fields.py); service (not counted); reaction, reaction_count (anonymous totals), member; other",
    ),
    Column(
        "service_action",
        "string",
        "for content_type = service: new_chat_members, left_chat_member, pinned_message, migrate_to_chat_id, …",
    ),
    Column("new_member_ids", "array<bigint>", "users who joined (service message new_chat_members)"),
    Column("reply_to_message_id", "bigint", "message this one replies to"),
    Column("forward_origin_type", "string", "user, hidden_user, chat or channel, for forwarded messages"),
    Column("hashtags", "array<string>", "hashtags from the entities, lower-cased, with #"),
    Column("mentions", "array<string>", "@mentions from the entities, with @"),
    Column("urls", "array<string>", "URLs from url and text_link entities"),
    Column("reaction_emojis", "array<string>", "new reactions, for message_reaction updates"),
    # Added in the real-data round (only ever appended; older partitions read them as NULL).
    Column("new_member_bot_ids", "array<bigint>", "those of new_member_ids that are bots"),
    Column(
        "member_user_id",
        "bigint",
        "the member a membership change is about: chat_member / my_chat_member's new_chat_member.user, "
        "or a left_chat_member service message's user (who performed it is user_id)",
    ),
    Column("member_is_bot", "boolean", "member_user_id is a bot"),
    Column("member_old_status", "string", "chat_member / my_chat_member: the member's status before (member, left, …)"),
    Column("member_new_status", "string", "chat_member / my_chat_member: the member's status after"),
    Column(
        "reaction_count_emojis",
        "array<string>",
        "message_reaction_count: each reaction (emoji, custom:<id> or paid), with its total at the same position "
        "in reaction_count_totals",
    ),
    Column("reaction_count_totals", "array<bigint>", "message_reaction_count: the anonymous total of each reaction"),
    Column(
        "keyword_text",
        "string",
        "the text with every span an entity marks as a url, text link, mention, e-mail, phone number, bot "
        "command or cashtag blanked out: what the keywords read",
    ),
    Column(
        "member_was_in_chat",
        "boolean",
        "member_user_id was in the chat before the change (creator, administrator, member, or restricted and "
        "still a member); a left_chat_member message: true",
    ),
    Column(
        "member_is_in_chat",
        "boolean",
        "member_user_id is in the chat after the change; a join is false then true, a leave true then false",
    ),
    Column(
        "migrate_chat_id",
        "bigint",
        "a migration service message's other chat: migrate_to_chat_id in the old group, "
        "migrate_from_chat_id in the supergroup it became",
    ),
    Column(
        "keyword_tokens",
        "array<string>",
        "retired: the words of keyword_text by an older rule (parser versions before 5); NULL since, "
        "superseded by terms",
    ),
    Column(
        "emojis",
        "array<string>",
        "the distinct emoji of text (include/sql/emoji.sql), sorted: what the emoji report counts, "
        "computed once at consolidation; NULL where the text holds none",
    ),
    Column(
        "topic_id",
        "bigint",
        "the forum topic of a message: message_thread_id where is_topic_message, else 1 (the General topic) in "
        "a forum (chat.is_forum); NULL outside forums, where message_thread_id names a reply thread",
    ),
    Column(
        "topic_name",
        "string",
        "forum_topic_created / forum_topic_edited: the topic's name, or its new name; another message of a topic: "
        "the name it was created with, where the message carries the topic's first message",
    ),
    Column("chat_username", "string", "the group's public @username without @, for t.me links; NULL for a private one"),
    Column(
        "language",
        "string",
        "ISO 639-1 code of the language of keyword_text (text/language.py): by its script, its words, or for a "
        "short text its sender's that day; NULL without letters",
    ),
    Column(
        "terms",
        "array<string>",
        "the distinct terms of keyword_text by the word rule (text/words.py), sorted: stems of the words that "
        "count, hashtags, and two-word phrases ('stem stem'); what the keywords report counts and the search "
        "finds; [] for a text without any, NULL without text",
    ),
    Column("term_forms", "array<string>", "each term as this message first wrote it, at the same position as in terms"),
    Column(
        "member_invite_link",
        "string",
        "chat_member joins: the invite link the member joined by (Telegram hides the end of a link the bot "
        "did not create)",
    ),
    Column("member_invite_link_name", "string", "chat_member joins: the invite link's name, when it has one"),
    Column(
        "member_joined_by",
        "string",
        "how a member joined, where Telegram says: request (an approved join request: chat_member's "
        "via_join_request, an export's join_group_by_request) or link (a chat folder's invite link, an "
        "export's join_group_by_link)",
    ),
    Column(
        "forward_source_id",
        "bigint",
        "forwarded messages: the id of the user, group or channel the original came from; NULL for a hidden "
        "user (forward_origin_type says which kind)",
    ),
    Column(
        "forward_source_name",
        "string",
        "forwarded messages: the original sender's name (a user's first and last name, the name a hidden "
        "user shows, a group's or channel's title)",
    ),
    Column(
        "is_question",
        "boolean",
        "the text asks: a question mark of any script outside its links and code (text/facts.py); NULL without text",
    ),
    Column(
        "link_domains",
        "array<string>",
        "the distinct registered domains of the message's links (url and text_link entities, plain "
        "addresses), lower-cased, sorted; t.me links with their first path part (text/facts.py); NULL "
        "where there is none",
    ),
    Column(
        "new_member_names",
        "array<string>",
        "the name of each of new_member_ids, at the same position: first and last name, else @username "
        "(NULL when pseudonymised)",
    ),
    Column(
        "member_name",
        "string",
        "member_user_id's name: first and last name, else @username (NULL when pseudonymised)",
    ),
)

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)

# The column types in DuckDB, for a NULL of the right type where a partition lacks a newer column.
DUCKDB_TYPES = {
    "bigint": "BIGINT",
    "int": "INTEGER",
    "string": "VARCHAR",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMPTZ",
    "array<string>": "VARCHAR[]",
    "array<bigint>": "BIGINT[]",
}


def arrow_schema():
    """The Arrow schema of the Parquet files (without the partition column)."""
    import pyarrow as pa

    types = {
        "bigint": pa.int64(),
        "int": pa.int32(),
        "string": pa.string(),
        "boolean": pa.bool_(),
        "timestamp": pa.timestamp("us", tz="UTC"),
        "array<string>": pa.list_(pa.string()),
        "array<bigint>": pa.list_(pa.int64()),
    }
    return pa.schema([pa.field(c.name, types[c.type], nullable=c.nullable) for c in COLUMNS])
