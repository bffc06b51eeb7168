-- The groups of the range: every group with an update in the range or in the period of the same
-- length before it, under its current id, with its latest title, the id it had before it became a
-- supergroup, its messages and active members (distinct senders that are members: is_member, not the
-- group's anonymous admins nor a channel's own posts) in the range and in the period before it, the
-- median wait for a first reply to its messages of the range, and its latest type (group, supergroup,
-- channel or private: what the page calls it).
WITH present AS (
  SELECT
    chat_id,
    ARG_MAX(title, CASE WHEN title IS NOT NULL THEN day END) AS title,
    ARG_MAX(chat_type, CASE WHEN chat_type IS NOT NULL THEN day END) AS chat_type
  FROM group_days
  WHERE day BETWEEN CAST($prev_from AS DATE) AND CAST($to_date AS DATE)
  GROUP BY chat_id
),
posted AS (
  SELECT
    chat_id,
    COUNT(CASE WHEN day >= CAST($from_date AS DATE) THEN 1 END) AS messages,
    COUNT(DISTINCT CASE
      WHEN day >= CAST($from_date AS DATE) AND is_member(sender_id, chat_id, origin_chat_id) THEN sender_id
    END) AS active_users,
    COUNT(CASE WHEN day < CAST($from_date AS DATE) THEN 1 END) AS previous_messages,
    COUNT(DISTINCT CASE
      WHEN day < CAST($from_date AS DATE) AND is_member(sender_id, chat_id, origin_chat_id) THEN sender_id
    END) AS previous_active_users
  FROM counted_messages
  WHERE day BETWEEN CAST($prev_from AS DATE) AND CAST($to_date AS DATE)
  GROUP BY chat_id
),
waits AS (
  SELECT
    chat_id,
    reply_seconds,
    ROW_NUMBER() OVER (PARTITION BY chat_id ORDER BY reply_seconds) AS n,
    COUNT(*) OVER (PARTITION BY chat_id) AS total
  FROM first_replies
  WHERE day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
),
medians AS (
  -- the middle wait, or the mean of the two middle ones
  SELECT
    chat_id,
    AVG(reply_seconds) AS median_reply_seconds
  FROM waits
  WHERE n * 2 BETWEEN total AND total + 2
  GROUP BY chat_id
),
moved AS (
  SELECT
    new_chat_id,
    MAX(old_chat_id) AS old_chat_id
  FROM chat_migrations
  GROUP BY new_chat_id
)
SELECT
  g.chat_id,
  g.title,
  moved.old_chat_id AS migrated_from_chat_id,
  CAST(COALESCE(p.messages, 0) AS BIGINT) AS messages,
  CAST(COALESCE(p.active_users, 0) AS BIGINT) AS active_users,
  CAST(COALESCE(p.previous_messages, 0) AS BIGINT) AS previous_messages,
  CAST(COALESCE(p.previous_active_users, 0) AS BIGINT) AS previous_active_users,
  CAST(w.median_reply_seconds AS DOUBLE) AS median_reply_seconds,
  g.chat_type
FROM present AS g
LEFT JOIN posted AS p
  ON p.chat_id = g.chat_id
LEFT JOIN medians AS w
  ON w.chat_id = g.chat_id
LEFT JOIN moved
  ON moved.new_chat_id = g.chat_id
ORDER BY chat_id
