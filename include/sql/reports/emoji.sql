-- The emoji of texts and captions (message_emoji): per group, each emoji, the messages of the range
-- containing it (each message once), the distinct members who used it, and its rank (ties share one).
SELECT
  chat_id,
  emoji,
  CAST(COUNT(*) AS BIGINT) AS messages,
  CAST(COUNT(DISTINCT sender_id) AS BIGINT) AS users,
  CAST(RANK() OVER (PARTITION BY chat_id ORDER BY COUNT(*) DESC, COUNT(DISTINCT sender_id) DESC) AS BIGINT) AS rank
FROM message_emoji
WHERE day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
GROUP BY chat_id, emoji
ORDER BY chat_id, rank, emoji
