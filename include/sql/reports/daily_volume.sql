-- Per group and day of the range (every day, zeros included): messages, distinct senders, and distinct
-- users who joined (service messages new_chat_members), each day in the group's time zone.
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
    COUNT(DISTINCT sender_id) AS active_users
  FROM counted_messages
  WHERE day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
  GROUP BY chat_id, day
),
joins AS (
  SELECT
    m.chat_id,
    CAST(m.sent_at AT TIME ZONE $timezone AS DATE) AS day,
    COUNT(DISTINCT j.member_id) AS new_members
  FROM (
    SELECT chat_id, sent_at, new_member_ids FROM group_updates
    WHERE context_date BETWEEN $scan_from AND $scan_to AND content_type = 'service' AND service_action = 'new_chat_members'
  ) AS m
  CROSS JOIN UNNEST(m.new_member_ids) AS j(member_id)
  GROUP BY m.chat_id, CAST(m.sent_at AT TIME ZONE $timezone AS DATE)
)
SELECT
  days.chat_id,
  days.day AS date,
  CAST(COALESCE(volume.messages, 0) AS BIGINT) AS messages,
  CAST(COALESCE(volume.active_users, 0) AS BIGINT) AS active_users,
  CAST(COALESCE(joins.new_members, 0) AS BIGINT) AS new_members
FROM days
LEFT JOIN volume
  ON volume.chat_id = days.chat_id AND volume.day = days.day
LEFT JOIN joins
  ON joins.chat_id = days.chat_id AND joins.day = days.day
ORDER BY chat_id, date
