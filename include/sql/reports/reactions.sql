-- Which posts people react to: every message of the range that holds reactions at the range's end,
-- with its author (and their latest name in the range), the first 200 characters of its text, how many
-- reactions it holds, the Telegram Stars of its paid reaction, the reaction it holds most of, and its
-- rank in the group (1 = most reactions, then most stars; ties share a rank).
SELECT
  m.chat_id,
  CAST(m.message_id AS BIGINT) AS message_id,
  CAST(m.sender_id AS BIGINT) AS user_id,
  CASE
    WHEN m.sender_id IS NULL THEN 'unknown sender'
    ELSE COALESCE(n.name, 'user ' || CAST(m.sender_id AS VARCHAR))
  END AS user_name,
  m.sent_at,
  m.text,
  CAST(m.reactions AS BIGINT) AS reactions,
  CAST(m.stars AS BIGINT) AS stars,
  m.top_emoji,
  CAST(RANK() OVER (PARTITION BY m.chat_id ORDER BY m.reactions DESC, m.stars DESC) AS BIGINT) AS rank
FROM reacted_messages AS m
LEFT JOIN sender_labels AS n
  ON n.chat_id = m.chat_id AND n.sender_id = m.sender_id
WHERE m.day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
ORDER BY chat_id, rank, sent_at, message_id
