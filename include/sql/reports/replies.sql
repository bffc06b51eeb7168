-- Every reply of the ranges' own days (from text_from on) to a message of the same group by someone
-- else (a reply to oneself answers nobody): the reply's day, time and sender, and the message it answers with its sender, time and forum topic,
-- and whether that message asks a question.
SELECT
  r.chat_id,
  r.day,
  r.sent_at AS replied_at,
  r.sender_id AS from_id,
  m.origin_chat_id,
  m.message_id,
  m.day AS message_day,
  m.sent_at AS message_sent_at,
  m.local_sent_at AS message_local_sent_at,
  m.sender_id AS to_id,
  m.topic_id,
  m.is_question AS to_question
FROM (
  -- every reader counts the replies of the ranges' days alone (first_replies: the first to each message
  -- of those days, which comes after it); the messages they answer reach back to the period before
  SELECT chat_id, day, sent_at, sender_id, origin_chat_id, reply_to_message_id FROM counted_messages
  WHERE reply_to_message_id IS NOT NULL AND day >= CAST($text_from AS DATE)
) AS r
JOIN counted_messages AS m
  ON m.origin_chat_id = r.origin_chat_id AND m.message_id = r.reply_to_message_id
WHERE r.sender_id <> m.sender_id
