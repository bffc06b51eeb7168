-- How long each message waited for its first answer: the earliest reply by someone else up to the
-- range's end, in seconds after the message; and whether the message asks a question.
SELECT
  chat_id,
  origin_chat_id,
  message_id,
  to_id AS sender_id,
  message_day AS day,
  message_local_sent_at AS local_sent_at,
  to_question AS question,
  EPOCH(MIN(replied_at)) - EPOCH(message_sent_at) AS reply_seconds,
  topic_id
FROM replies
WHERE day <= CAST($to_date AS DATE)
GROUP BY
  chat_id, origin_chat_id, message_id, to_id, message_day, message_sent_at, message_local_sent_at, to_question, topic_id
