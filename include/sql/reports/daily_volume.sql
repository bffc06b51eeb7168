-- Per day of the range (every day, zeros included): messages, distinct senders, and the distinct users
-- who joined and who left that day, each day in the group's time zone. Joins and leaves come from both
-- sources Telegram has, and count once each: the service messages (new_chat_members, left_chat_member)
-- and the chat_member updates (a member not in the chat before and in it after is a join; the reverse a
-- leave). Bots are left out unless include_bots.
WITH days AS (
  SELECT CAST(d.day AS DATE) AS day
  FROM UNNEST(GENERATE_SERIES(CAST($from_date AS DATE), CAST($to_date AS DATE), INTERVAL 1 DAY)) AS d(day)
),
volume AS (
  SELECT
    day,
    COUNT(*) AS messages,
    COUNT(DISTINCT sender_id) AS active_users
  FROM counted_messages
  GROUP BY day
),
member_changes AS (
  SELECT
    CAST(m.sent_at AT TIME ZONE $timezone AS DATE) AS day,
    j.member_id,
    TRUE AS joined
  FROM messages AS m
  CROSS JOIN UNNEST(m.new_member_ids) AS j(member_id)
  WHERE
    m.context_date BETWEEN $scan_from AND $scan_to
    AND m.content_type = 'service'
    AND m.service_action = 'new_chat_members'
    AND ($include_bots OR NOT COALESCE(LIST_CONTAINS(m.new_member_bot_ids, j.member_id), FALSE))
  UNION ALL
  SELECT
    CAST(sent_at AT TIME ZONE $timezone AS DATE) AS day,
    member_user_id AS member_id,
    member_is_in_chat AS joined
  FROM messages
  WHERE
    context_date BETWEEN $scan_from AND $scan_to
    AND member_user_id IS NOT NULL
    AND member_was_in_chat <> member_is_in_chat
    AND ($include_bots OR NOT COALESCE(member_is_bot, FALSE))
),
members AS (
  SELECT
    day,
    COUNT(DISTINCT CASE WHEN joined THEN member_id END) AS new_members,
    COUNT(DISTINCT CASE WHEN NOT joined THEN member_id END) AS left_members
  FROM member_changes
  GROUP BY day
)
SELECT
  days.day AS date,
  CAST(COALESCE(volume.messages, 0) AS BIGINT) AS messages,
  CAST(COALESCE(volume.active_users, 0) AS BIGINT) AS active_users,
  CAST(COALESCE(members.new_members, 0) AS BIGINT) AS new_members,
  CAST(COALESCE(members.left_members, 0) AS BIGINT) AS left_members
FROM days
LEFT JOIN volume
  ON volume.day = days.day
LEFT JOIN members
  ON members.day = days.day
ORDER BY date
