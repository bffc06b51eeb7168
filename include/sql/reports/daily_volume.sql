-- Per group and day of the range (every day, zeros included): messages, active members (the distinct
-- senders is_member counts), and the distinct users who joined and who left that day (member_changes:
-- both of Telegram's sources, each change once; bots left out unless include_bots), each day in the
-- group's time zone.
WITH days AS (
  SELECT
    g.chat_id,
    CAST(d.day AS DATE) AS day
  FROM chats AS g
  CROSS JOIN UNNEST(GENERATE_SERIES(CAST($from_date AS DATE), CAST($to_date AS DATE), INTERVAL 1 DAY)) AS d(day)
),
volume AS (
  SELECT
    chat_id,
    day,
    COUNT(*) AS messages,
    COUNT(DISTINCT CASE WHEN is_member(sender_id, chat_id, origin_chat_id) THEN sender_id END) AS active_users
  FROM counted_messages
  WHERE day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
  GROUP BY chat_id, day
),
members AS (
  SELECT
    chat_id,
    day,
    COUNT(DISTINCT CASE WHEN change = 'join' THEN member_id END) AS new_members,
    COUNT(DISTINCT CASE WHEN change = 'leave' THEN member_id END) AS left_members
  FROM member_changes
  WHERE day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
  GROUP BY chat_id, day
)
SELECT
  days.chat_id,
  days.day AS date,
  CAST(COALESCE(volume.messages, 0) AS BIGINT) AS messages,
  CAST(COALESCE(volume.active_users, 0) AS BIGINT) AS active_users,
  CAST(COALESCE(members.new_members, 0) AS BIGINT) AS new_members,
  CAST(COALESCE(members.left_members, 0) AS BIGINT) AS left_members
FROM days
LEFT JOIN volume
  ON volume.chat_id = days.chat_id AND volume.day = days.day
LEFT JOIN members
  ON members.chat_id = days.chat_id AND members.day = days.day
ORDER BY chat_id, date
