-- Generated from include/sql/reports/forward_sources.sql and the stages it reads (chat_migrations, group_updates, message_versions, forwarded_messages) by sqlglot
-- (Trino dialect). Do not edit: run `python -m telegram_pipeline report --write-athena-sql` after
-- changing the DuckDB SQL. Parameters (:name) and the tables tracked_keywords(keyword, term) / migration_markers(old_chat_id, new_chat_id) / text_days(day, bucket) are bound at run time.
/* Where the messages each group forwards come from (forwarded_messages): per source (a channel, a group, a user by their id; */
/* a hidden user, whom Telegram names but does not identify, by that name), its kind, its latest name in */
/* the range, the forwarded messages of the range, and its rank (ties share one). */
WITH chat_migrations AS (
  /* Groups that became supergroups: each old chat id with the id it moved to, so that a group is one */
  /* group across the move. Found in every partition (a migration counts for all time): the old group's */
  /* service message carries migrate_to_chat_id, the supergroup's first message migrate_from_chat_id */
  /* (both in migrate_chat_id); and in the webhook's markers (raw zone _migrations/{new_id}.json), bound */
  /* at run time as migration_markers(old_chat_id, new_chat_id). */
  SELECT
    old_chat_id,
    MAX(new_chat_id) AS new_chat_id
  FROM (
    SELECT
      chat_id AS old_chat_id,
      migrate_chat_id AS new_chat_id
    FROM messages
    WHERE
      service_action = 'migrate_to_chat_id' AND NOT migrate_chat_id IS NULL
    UNION ALL
    SELECT
      migrate_chat_id AS old_chat_id,
      chat_id AS new_chat_id
    FROM messages
    WHERE
      service_action = 'migrate_from_chat_id' AND NOT migrate_chat_id IS NULL
    UNION ALL
    SELECT
      old_chat_id,
      new_chat_id
    FROM migration_markers
  ) AS found
  WHERE
    old_chat_id <> new_chat_id
  GROUP BY
    old_chat_id
), group_updates AS (
  /* Every update with its group: chat_id is the group's current id (a group that became a supergroup */
  /* is reported under the supergroup's id), origin_chat_id the id the update was sent under. Message ids */
  /* are only unique within origin_chat_id: a supergroup numbers its messages anew. */
  SELECT
    COALESCE(moved.new_chat_id, m.chat_id) AS chat_id,
    m.chat_id AS origin_chat_id,
    m.context_date,
    m.update_id,
    m.update_type,
    m.chat_title,
    m.message_id,
    m.sent_at,
    m.edited_at,
    m.user_id,
    m.user_is_bot,
    m.user_first_name,
    m.user_last_name,
    m.user_username,
    m.sender_chat_id,
    m.sender_chat_title,
    m.text,
    m.keyword_text,
    m.content_type,
    m.service_action,
    m.new_member_ids,
    m.new_member_bot_ids,
    m.member_user_id,
    m.member_is_bot,
    m.member_old_status,
    m.member_new_status,
    m.member_was_in_chat,
    m.member_is_in_chat,
    m.reply_to_message_id,
    m.mentions,
    m.reaction_emojis,
    m.reaction_count_emojis,
    m.reaction_count_totals,
    m.emojis,
    m.chat_type,
    m.topic_id,
    m.topic_name,
    m.chat_username,
    m.language,
    m.terms,
    m.term_forms,
    m.member_invite_link,
    m.member_invite_link_name,
    m.member_joined_by,
    m.forward_origin_type,
    m.forward_source_id,
    m.forward_source_name,
    m.is_question,
    m.link_domains
  FROM messages AS m
  LEFT JOIN chat_migrations AS moved
    ON moved.old_chat_id = m.chat_id
), message_versions AS (
  /* Every version of every message, the rows the reports count from. A message is a message or channel */
  /* post (or an edit of one) that is not a service message. Its sender is the user, or the chat it was */
  /* sent on behalf of (anonymous admins post as GroupAnonymousBot for the group; channels as themselves). */
  /* sender_is_bot says whether a bot sent it (the readers leave bots out unless include_bots). */
  SELECT
    chat_id,
    origin_chat_id,
    context_date,
    update_id,
    update_type /* a message as the webhook first received it, and its only version unless an edit or an import of the */ /* same message is also stored (imports have negative update_ids) */ IN ('message', 'channel_post')
    AND update_id >= 0 AS live_original,
    message_id,
    sent_at,
    edited_at,
    CASE WHEN NOT sender_chat_id IS NULL THEN sender_chat_id ELSE user_id END AS sender_id,
    sender_chat_title,
    user_first_name,
    user_last_name,
    user_username,
    sender_chat_id IS NULL AND COALESCE(user_is_bot, FALSE) AS sender_is_bot,
    text,
    language, /* the language and the terms as consolidation stored them (text/): a partition written before them has */ /* NULL, and is consolidated again rather than taken apart here */
    terms,
    term_forms,
    COALESCE(
      emojis,
      CASE
        WHEN REGEXP_LIKE(
          text,
          '[\x{1F000}-\x{1FAFF}\x{2300}-\x{23FF}\x{2600}-\x{27BF}\x{2B00}-\x{2BFF}\x{20E3}]'
        )
        THEN ARRAY_DISTINCT(
          REGEXP_EXTRACT_ALL(
            REPLACE(REPLACE(text, CHR(  65038), ''), CHR(  65039), ''),
            '[\x{1F1E6}-\x{1F1FF}]{2}|[0-9#*]\x{FE0F}?\x{20E3}|[\x{1F000}-\x{1FAFF}\x{2300}-\x{23FF}\x{2600}-\x{27BF}\x{2B00}-\x{2BFF}][\x{FE0E}\x{FE0F}]?[\x{1F3FB}-\x{1F3FF}]?(?:[\x{E0020}-\x{E007E}]+\x{E007F})?(?:\x{200D}[\x{1F000}-\x{1FAFF}\x{2300}-\x{23FF}\x{2600}-\x{27BF}\x{2B00}-\x{2BFF}][\x{FE0E}\x{FE0F}]?[\x{1F3FB}-\x{1F3FF}]?)*'
          )
        )
      END
    ) AS emojis, /* computed at consolidation; where a partition was written before that column existed, the same rule */ /* runs on the text (include/sql/emoji.sql, lake/tokens.py) */
    content_type,
    reply_to_message_id,
    mentions,
    topic_id, /* the forum topic (NULL outside forums) */
    is_question, /* found at consolidation (text/facts.py); NULL in partitions written before these columns existed */
    link_domains,
    forward_origin_type,
    forward_source_id,
    forward_source_name
  FROM group_updates
  WHERE
    update_type IN ('message', 'edited_message', 'channel_post', 'edited_channel_post')
    AND COALESCE(content_type, '') <> 'service'
    AND NOT message_id IS NULL
    AND NOT sent_at IS NULL
), forwarded_messages AS (
  /* The forwarded messages from text_from on (the reports' own days), each once per (origin_chat_id, */
  /* message_id), with where it was forwarded from. Read from the lake's versions rather than carried in */
  /* counted_messages (three columns over every message, for the few that are forwards): a message keeps */
  /* its forward origin through every edit, so any of its versions says it; bots' are left out unless */
  /* include_bots, as everywhere. */
  SELECT
    chat_id,
    origin_chat_id,
    message_id,
    CAST(MIN(sent_at) AT TIME ZONE :timezone AS DATE) AS day,
    MIN(sent_at) AS sent_at,
    MAX_BY(forward_origin_type, COALESCE(edited_at, sent_at)) AS forward_origin_type,
    MAX_BY(forward_source_id, COALESCE(edited_at, sent_at)) AS forward_source_id,
    MAX_BY(forward_source_name, COALESCE(edited_at, sent_at)) AS forward_source_name
  FROM message_versions
  WHERE
    NOT forward_origin_type IS NULL
    AND context_date BETWEEN :text_from AND :scan_to
    AND (
      :include_bots OR NOT sender_is_bot
    )
  GROUP BY
    chat_id,
    origin_chat_id,
    message_id
), forwarded AS (
  SELECT
    chat_id,
    CASE forward_origin_type
      WHEN 'chat'
      THEN 'group'
      WHEN 'hidden_user'
      THEN 'hidden user'
      ELSE forward_origin_type
    END AS source_type,
    forward_source_id AS source_id,
    forward_source_name AS source_name,
    sent_at
  FROM forwarded_messages
  WHERE
    day BETWEEN CAST(:from_date AS DATE) AND CAST(:to_date AS DATE)
), sources AS (
  SELECT
    chat_id,
    source_type,
    source_id,
    MAX_BY(source_name, CASE WHEN NOT source_name IS NULL THEN sent_at END) AS source_name,
    COUNT(*) AS messages
  FROM forwarded
  GROUP BY
    chat_id,
    source_type,
    source_id,
    CASE WHEN source_id IS NULL THEN source_name END
)
SELECT
  chat_id,
  CAST(source_id AS BIGINT) AS source_id,
  source_name,
  source_type,
  CAST(messages AS BIGINT) AS messages,
  CAST(RANK() OVER (PARTITION BY chat_id ORDER BY messages DESC) AS BIGINT) AS rank
FROM sources
ORDER BY
  chat_id,
  rank,
  source_type,
  source_id,
  source_name
