-- The latest questions of each group's range that nobody else answered within answer_hours (as in
-- questions), newest first, at most unanswered_limit a group: who asked, when, the first 200 characters,
-- and a link to the message (t.me/c/… opens it for members of a supergroup; a basic group has none).
WITH unanswered AS (
  SELECT
    m.chat_id,
    m.origin_chat_id,
    m.message_id,
    m.sender_id,
    m.sent_at,
    SUBSTRING(m.text, 1, 200) AS text,
    ROW_NUMBER() OVER (PARTITION BY m.chat_id ORDER BY m.sent_at DESC, m.origin_chat_id, m.message_id DESC) AS latest
  FROM counted_messages AS m
  LEFT JOIN first_replies AS f
    ON f.origin_chat_id = m.origin_chat_id AND f.message_id = m.message_id
  WHERE
    m.is_question
    AND m.day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    AND (f.reply_seconds IS NULL OR f.reply_seconds > $answer_hours * 3600)
)
SELECT
  u.chat_id,
  CAST(u.message_id AS BIGINT) AS message_id,
  CAST(u.sender_id AS BIGINT) AS user_id,
  CASE
    WHEN u.sender_id IS NULL THEN 'unknown sender'
    ELSE COALESCE(n.name, 'user ' || CAST(u.sender_id AS VARCHAR))
  END AS user_name,
  u.sent_at,
  u.text,
  CASE
    WHEN u.origin_chat_id < -1000000000000
      THEN 'https://t.me/c/' || CAST(-1000000000000 - u.origin_chat_id AS VARCHAR) || '/' || CAST(u.message_id AS VARCHAR)
  END AS link
FROM unanswered AS u
LEFT JOIN sender_labels AS n
  ON n.chat_id = u.chat_id AND n.sender_id = u.sender_id
WHERE u.latest <= $unanswered_limit
ORDER BY chat_id, sent_at DESC, message_id DESC
