-- Every reply to a message of the same group by someone else (a reply to oneself answers nobody), sent
-- on the ranges' own days (from text_from on) or answering a message of them: the reply's day, time
-- and sender, and the message it answers with its sender, time and forum topic, and whether that
-- message asks a question.
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
  SELECT chat_id, day, sent_at, sender_id, origin_chat_id, reply_to_message_id FROM counted_messages
  WHERE reply_to_message_id IS NOT NULL
) AS r
JOIN counted_messages AS m
  ON m.origin_chat_id = r.origin_chat_id AND m.message_id = r.reply_to_message_id
WHERE
  r.sender_id <> m.sender_id
  -- the readers count the replies of the ranges' days (answering messages as far back as the period
  -- before), and the first reply to each message of those days (first_replies), whenever it is dated:
  -- a reply and the message it answers both before the ranges' days are read by none
  AND (r.day >= CAST($text_from AS DATE) OR m.day >= CAST($text_from AS DATE))
