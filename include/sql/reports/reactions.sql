-- Which posts people react to: every message of the range that holds reactions at the range's end,
-- with its author (and their latest name in the range), the first 200 characters of its text, how many
-- reactions it holds, the reaction it holds most of, and its rank in the group (1 = most reactions;
-- ties share a rank).
WITH per_message AS (
  SELECT
    origin_chat_id,
    message_id,
    SUM(reactions) AS reactions,
    -- the reaction held most (on a tie, the first in code point order)
    MIN(CASE WHEN top = 1 THEN emoji END) AS top_emoji
  FROM (
    SELECT
      origin_chat_id,
      message_id,
      emoji,
      reactions,
      ROW_NUMBER() OVER (PARTITION BY origin_chat_id, message_id ORDER BY reactions DESC, emoji) AS top
    FROM message_reactions
    WHERE reactions > 0
  ) AS ranked_emoji
  GROUP BY origin_chat_id, message_id
)
SELECT
  m.chat_id,
  CAST(m.message_id AS BIGINT) AS message_id,
  CAST(m.sender_id AS BIGINT) AS user_id,
  CASE
    WHEN m.sender_id IS NULL THEN 'unknown sender'
    ELSE COALESCE(n.name, 'user ' || CAST(m.sender_id AS VARCHAR))
  END AS user_name,
  m.sent_at,
  SUBSTRING(m.text, 1, 200) AS text,
  CAST(r.reactions AS BIGINT) AS reactions,
  r.top_emoji,
  CAST(RANK() OVER (PARTITION BY m.chat_id ORDER BY r.reactions DESC) AS BIGINT) AS rank
FROM counted_messages AS m
JOIN per_message AS r
  ON r.origin_chat_id = m.origin_chat_id AND r.message_id = m.message_id
LEFT JOIN sender_labels AS n
  ON n.chat_id = m.chat_id AND n.sender_id = m.sender_id
WHERE m.day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
ORDER BY chat_id, rank, sent_at, message_id
