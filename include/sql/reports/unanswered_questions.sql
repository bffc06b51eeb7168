-- The latest questions of each group's range that nobody else answered within answer_hours, or has not
-- answered yet where they were asked in its last answer_hours (questions' unanswered and waiting),
-- newest first, at most unanswered_limit a group: who asked, when, the first 200 characters, the forum
-- topic it was asked in (NULL outside forums), and what a t.me link needs: the id the message has in
-- the chat it was sent in, and the group's latest public @username where the message was sent under
-- the group's current id (reports/search.py's message_link makes the link).
WITH latest AS (
  -- ranked without their texts, which only the few shown need
  SELECT
    chat_id,
    origin_chat_id,
    message_id,
    ROW_NUMBER() OVER (PARTITION BY chat_id ORDER BY sent_at DESC, origin_chat_id, message_id DESC) AS n
  FROM asked_questions
  WHERE
    day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    AND (reply_seconds IS NULL OR reply_seconds > $answer_hours * 3600)
)
SELECT
  q.chat_id,
  CAST(q.message_id AS BIGINT) AS message_id,
  CAST(q.sender_id AS BIGINT) AS user_id,
  CASE
    WHEN q.sender_id IS NULL THEN 'unknown sender'
    ELSE COALESCE(n.name, 'user ' || CAST(q.sender_id AS VARCHAR))
  END AS user_name,
  q.sent_at,
  SUBSTRING(q.text, 1, 200) AS text,
  q.origin_chat_id,
  CASE WHEN q.origin_chat_id = q.chat_id THEN u.chat_username END AS chat_username,
  q.topic_id
FROM latest AS l
JOIN asked_questions AS q
  ON q.origin_chat_id = l.origin_chat_id AND q.message_id = l.message_id
LEFT JOIN sender_labels AS n
  ON n.chat_id = q.chat_id AND n.sender_id = q.sender_id
LEFT JOIN group_usernames AS u
  ON u.chat_id = q.chat_id
WHERE l.n <= $unanswered_limit
ORDER BY chat_id, sent_at DESC, message_id DESC
