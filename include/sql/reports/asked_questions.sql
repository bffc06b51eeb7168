-- The counted messages from text_from on (the reports' own days) that ask a question (a question mark of
-- any script outside links and code, found at consolidation), each with its text and the seconds to its
-- first answer by someone else up to the span's last day (first_replies; NULL: none): joined once for
-- all the ranges, each then takes its own days.
SELECT
  m.chat_id,
  m.origin_chat_id,
  m.message_id,
  m.day,
  m.sender_id,
  m.sent_at,
  m.text,
  m.topic_id,
  f.reply_seconds
FROM counted_messages AS m
LEFT JOIN (SELECT origin_chat_id, message_id, reply_seconds FROM first_replies WHERE question) AS f
  ON f.origin_chat_id = m.origin_chat_id AND f.message_id = m.message_id
WHERE m.is_question AND m.day >= CAST($text_from AS DATE)
