-- Messages per sender in each group. The sender is the user, or the chat an anonymous admin or a
-- channel posted as; their name the latest they posted under in the range. Messages with no sender at
-- all (a damaged export) count together under 'unknown sender' (user_id NULL).
WITH per_sender AS (
  SELECT
    chat_id,
    sender_id,
    COUNT(*) AS messages
  FROM counted_messages
  WHERE day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
  GROUP BY chat_id, sender_id
)
SELECT
  p.chat_id,
  CAST(p.sender_id AS BIGINT) AS user_id,
  CASE
    WHEN p.sender_id IS NULL THEN 'unknown sender'
    ELSE COALESCE(n.name, 'user ' || CAST(p.sender_id AS VARCHAR))
  END AS user_name,
  CAST(p.messages AS BIGINT) AS messages,
  CAST(p.messages AS DOUBLE) / SUM(p.messages) OVER (PARTITION BY p.chat_id) AS share,
  CAST(RANK() OVER (PARTITION BY p.chat_id ORDER BY p.messages DESC) AS BIGINT) AS rank
FROM per_sender AS p
LEFT JOIN sender_labels AS n
  ON n.chat_id = p.chat_id AND n.sender_id = p.sender_id
ORDER BY chat_id, rank, user_id
