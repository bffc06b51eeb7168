-- What the reports need of the days before the recent ones (context_date < recent_from: the ranges' own
-- days and their margin; the periods before them are only counted), kept small: one
-- row per kind and key, under the chat id each update was sent under (origin_chat_id; group_history
-- puts it under the group's current id), bots told apart (is_bot) so that include_bots can leave them
-- out later. kind:
--   sender    a sender's (id) first and last message in a chat (first_at, last_at: member_history)
--   join      a member's (id) first join of a chat (first_at: join_history)
--   username  the user (id) who last used a username (name, lower-cased) and when (last_at: usernames)
--   topic     a forum topic's (id) latest name (name) and when it was given (last_at: forum_topics;
--             group_updates' topic_named_at)
--   forum     a chat with a message in a forum topic, the first and the last (forum_topics)
-- DuckDB reads it from the state consolidation keeps per day and month (lake/history.py: its rows
-- aggregated again give the same rows); Athena computes it here. migration_state holds the migrations.
-- Every row has its times (first_at, last_at), so that no column is a NULL of a type of its own.
SELECT
  'sender' AS kind,
  origin_chat_id AS chat_id,
  sender_id AS id,
  sender_is_bot AS is_bot,
  CAST(NULL AS VARCHAR) AS name,
  MIN(sent_at) AS first_at,
  MAX(sent_at) AS last_at
FROM message_versions
WHERE context_date < $recent_from
GROUP BY origin_chat_id, sender_id, sender_is_bot
UNION ALL
SELECT
  'join' AS kind,
  u.origin_chat_id AS chat_id,
  m.member_id AS id,
  LIST_CONTAINS(u.bot_ids, m.member_id) AS is_bot,
  CAST(NULL AS VARCHAR) AS name,
  MIN(u.sent_at) AS first_at,
  MIN(u.sent_at) AS last_at
FROM (
  SELECT * FROM membership_updates
  WHERE change = 'join' AND context_date < $recent_from
) AS u
CROSS JOIN UNNEST(u.member_ids) AS m(member_id)
GROUP BY u.origin_chat_id, m.member_id, LIST_CONTAINS(u.bot_ids, m.member_id)
UNION ALL
SELECT
  'username' AS kind,
  CAST(NULL AS BIGINT) AS chat_id,
  ARG_MAX(user_id, sent_at) AS id,
  COALESCE(user_is_bot, FALSE) AS is_bot,
  LOWER(user_username) AS name,
  MIN(sent_at) AS first_at,
  MAX(sent_at) AS last_at
FROM messages
WHERE
  context_date < $recent_from
  AND user_username IS NOT NULL
  AND user_id IS NOT NULL
  AND sent_at IS NOT NULL
GROUP BY LOWER(user_username), COALESCE(user_is_bot, FALSE)
UNION ALL
SELECT
  'topic' AS kind,
  origin_chat_id AS chat_id,
  topic_id AS id,
  FALSE AS is_bot,
  ARG_MAX(topic_name, topic_named_at) AS name,
  MIN(sent_at) AS first_at,
  MAX(topic_named_at) AS last_at
FROM group_updates
WHERE context_date < $recent_from AND topic_name IS NOT NULL AND topic_id IS NOT NULL
GROUP BY origin_chat_id, topic_id
UNION ALL
SELECT
  'forum' AS kind,
  origin_chat_id AS chat_id,
  CAST(NULL AS BIGINT) AS id,
  FALSE AS is_bot,
  CAST(NULL AS VARCHAR) AS name,
  MIN(sent_at) AS first_at,
  MAX(sent_at) AS last_at
FROM group_updates
WHERE context_date < $recent_from AND topic_id IS NOT NULL
GROUP BY origin_chat_id
