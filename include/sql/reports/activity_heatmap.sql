-- Per group, weekday (1 = Monday … 7 = Sunday) and hour (0–23) of sent_at in the group's time zone:
-- the messages, the distinct members who posted (is_member), and the median time to a first reply of the
-- messages posted then. All 168 cells, zeros included.
WITH cells AS (
  SELECT
    chat_id,
    ISODOW(local_sent_at) AS weekday,
    HOUR(local_sent_at) AS hour,
    COUNT(*) AS messages,
    COUNT(DISTINCT CASE WHEN is_member(sender_id, chat_id, origin_chat_id) THEN sender_id END) AS active_users
  FROM counted_messages
  WHERE day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
  GROUP BY chat_id, ISODOW(local_sent_at), HOUR(local_sent_at)
),
waits AS (
  SELECT
    chat_id,
    ISODOW(local_sent_at) AS weekday,
    HOUR(local_sent_at) AS hour,
    reply_seconds,
    ROW_NUMBER() OVER (
      PARTITION BY chat_id, ISODOW(local_sent_at), HOUR(local_sent_at) ORDER BY reply_seconds
    ) AS n,
    COUNT(*) OVER (PARTITION BY chat_id, ISODOW(local_sent_at), HOUR(local_sent_at)) AS total
  FROM first_replies
  WHERE day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
),
medians AS (
  -- the middle wait, or the mean of the two middle ones
  SELECT
    chat_id,
    weekday,
    hour,
    AVG(reply_seconds) AS median_reply_seconds
  FROM waits
  WHERE n * 2 BETWEEN total AND total + 2
  GROUP BY chat_id, weekday, hour
)
SELECT
  g.chat_id,
  CAST(w.weekday AS INTEGER) AS weekday,
  CAST(h.hour AS INTEGER) AS hour,
  CAST(COALESCE(c.messages, 0) AS BIGINT) AS messages,
  CAST(COALESCE(c.active_users, 0) AS BIGINT) AS active_users,
  CAST(m.median_reply_seconds AS DOUBLE) AS median_reply_seconds
FROM chats AS g
CROSS JOIN (VALUES (1), (2), (3), (4), (5), (6), (7)) AS w(weekday)
CROSS JOIN (
  VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11),
    (12), (13), (14), (15), (16), (17), (18), (19), (20), (21), (22), (23)
) AS h(hour)
LEFT JOIN cells AS c
  ON c.chat_id = g.chat_id AND c.weekday = w.weekday AND c.hour = h.hour
LEFT JOIN medians AS m
  ON m.chat_id = g.chat_id AND m.weekday = w.weekday AND m.hour = h.hour
ORDER BY chat_id, weekday, hour
