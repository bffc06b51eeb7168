-- Two example messages under each of the group's ten top topics (keywords ranked 1 to 10): the latest
-- message of the range using the topic from each of the two senders who used it last (by update_id, the
-- order Telegram numbers updates in), with its author
-- (and their latest name in the range), its text and what a t.me link needs (the group's username, the
-- id the message has in the chat it was sent in).
WITH top AS (
  SELECT chat_id, keyword, term, rank
  FROM keywords
  WHERE rank <= 10
),
latest AS (
  SELECT
    u.chat_id,
    t.keyword,
    t.term,
    t.rank,
    u.sender_id,
    MAX(u.last_update_id) AS update_id
  FROM keyword_uses AS u
  JOIN top AS t
    ON t.chat_id = u.chat_id AND t.term = u.keyword
  WHERE u.bucket BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
  GROUP BY u.chat_id, t.keyword, t.term, t.rank, u.sender_id
),
picked AS (
  SELECT
    *,
    ROW_NUMBER() OVER (PARTITION BY chat_id, term ORDER BY update_id DESC) AS example
  FROM latest
)
SELECT
  p.chat_id,
  p.keyword,
  CAST(p.rank AS BIGINT) AS rank,
  CAST(p.example AS BIGINT) AS example,
  m.origin_chat_id,
  CAST(m.message_id AS BIGINT) AS message_id,
  m.chat_username,
  m.sent_at,
  CAST(p.sender_id AS BIGINT) AS user_id,
  CASE
    WHEN p.sender_id IS NULL THEN 'unknown sender'
    ELSE COALESCE(n.name, 'user ' || CAST(p.sender_id AS VARCHAR))
  END AS user_name,
  m.text
FROM picked AS p
JOIN group_updates AS m
  ON m.update_id = p.update_id
LEFT JOIN sender_labels AS n
  ON n.chat_id = p.chat_id AND n.sender_id = p.sender_id
-- an example is a message of the range, stored no earlier than near_from (definitions.Span.near_first)
WHERE p.example <= 2 AND m.context_date BETWEEN $near_from AND $scan_to
ORDER BY chat_id, rank, keyword, example
