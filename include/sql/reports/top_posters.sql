-- Messages per sender in each group. The sender is the user, or the chat an anonymous admin or a
-- channel posted as; their name the latest they posted under in the range.
WITH per_sender AS (
  SELECT
    chat_id,
    sender_id,
    ARG_MAX(sender_name, local_sent_at) AS sender_name,
    COUNT(*) AS messages
  FROM counted_messages
  WHERE day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
  GROUP BY chat_id, sender_id
)
SELECT
  chat_id,
  CAST(sender_id AS BIGINT) AS user_id,
  COALESCE(sender_name, 'user ' || CAST(sender_id AS VARCHAR)) AS user_name,
  CAST(messages AS BIGINT) AS messages,
  CAST(messages AS DOUBLE) / SUM(messages) OVER (PARTITION BY chat_id) AS share,
  CAST(RANK() OVER (PARTITION BY chat_id ORDER BY messages DESC) AS BIGINT) AS rank
FROM per_sender
ORDER BY chat_id, rank, user_id
