-- The latest questions of each group's range that nobody else answered within answer_hours (as in
-- questions), newest first, at most unanswered_limit a group: who asked, when, the first 200 characters,
-- and a link to the message (t.me/c/… opens it for members of a supergroup; a basic group has none).
WITH unanswered AS (
  SELECT
    chat_id,
    origin_chat_id,
    message_id,
    sender_id,
    sent_at,
    text,
    ROW_NUMBER() OVER (PARTITION BY chat_id ORDER BY sent_at DESC, origin_chat_id, message_id DESC) AS latest
  FROM asked_questions
  WHERE
    day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    AND (reply_seconds IS NULL OR reply_seconds > $answer_hours * 3600)
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
  SUBSTRING(u.text, 1, 200) AS text,
  CASE
    WHEN u.origin_chat_id < -1000000000000
      THEN 'https://t.me/c/' || CAST(-1000000000000 - u.origin_chat_id AS VARCHAR) || '/' || CAST(u.message_id AS VARCHAR)
  END AS link
FROM unanswered AS u
LEFT JOIN sender_labels AS n
  ON n.chat_id = u.chat_id AND n.sender_id = u.sender_id
WHERE u.latest <= $unanswered_limit
ORDER BY chat_id, sent_at DESC, message_id DESC
