-- Who starts conversations and how fast they get answers, per group and member: the messages of the
-- range that opened a conversation (after at least gap_minutes of silence), the replies received in
-- the range (as in interactions), and the median time from their messages of the range to the first
-- reply. Every member who posted in the range or was answered in it.
WITH opened AS (
  SELECT
    chat_id,
    sender_id,
    SUM(started) AS started
  FROM conversation_starts
  WHERE day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE) AND sender_id IS NOT NULL
  GROUP BY chat_id, sender_id
),
received AS (
  SELECT
    chat_id,
    to_id AS sender_id,
    COUNT(*) AS replies_received
  FROM replies
  WHERE
    day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    AND message_day BETWEEN CAST($prev_from AS DATE) AND CAST($to_date AS DATE)
  GROUP BY chat_id, to_id
),
waits AS (
  SELECT
    chat_id,
    sender_id,
    reply_seconds,
    ROW_NUMBER() OVER (PARTITION BY chat_id, sender_id ORDER BY reply_seconds) AS n,
    COUNT(*) OVER (PARTITION BY chat_id, sender_id) AS total
  FROM first_replies
  WHERE day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
),
medians AS (
  -- the middle wait, or the mean of the two middle ones
  SELECT
    chat_id,
    sender_id,
    AVG(reply_seconds) AS median_reply_seconds
  FROM waits
  WHERE n * 2 BETWEEN total AND total + 2
  GROUP BY chat_id, sender_id
),
members AS (
  SELECT chat_id, sender_id FROM counted_messages
  WHERE day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE) AND sender_id IS NOT NULL
  UNION
  SELECT chat_id, sender_id FROM received
)
SELECT
  p.chat_id,
  CAST(p.sender_id AS BIGINT) AS user_id,
  CAST(COALESCE(o.started, 0) AS BIGINT) AS started,
  CAST(COALESCE(r.replies_received, 0) AS BIGINT) AS replies_received,
  CAST(w.median_reply_seconds AS DOUBLE) AS median_reply_seconds
FROM members AS p
LEFT JOIN opened AS o
  ON o.chat_id = p.chat_id AND o.sender_id = p.sender_id
LEFT JOIN received AS r
  ON r.chat_id = p.chat_id AND r.sender_id = p.sender_id
LEFT JOIN medians AS w
  ON w.chat_id = p.chat_id AND w.sender_id = p.sender_id
ORDER BY chat_id, started DESC, replies_received DESC, user_id
