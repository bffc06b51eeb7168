-- The messages every report counts, each once per (origin_chat_id, message_id) in the version
-- counted_versions chooses, with its day and local time. Texts are kept from text_from on (the reports'
-- own days; the period before them is only counted); their terms are counted in keyword_uses, straight
-- from the lake's token lists. Senders' names are in sender_names.
SELECT
  chat_id,
  origin_chat_id,
  message_id,
  day,
  sent_at,
  local_sent_at,
  sender_id,
  content_type,
  reply_to_message_id,
  CASE WHEN local_sent_at >= CAST($text_from AS TIMESTAMP) THEN text END AS text,
  CASE WHEN local_sent_at >= CAST($text_from AS TIMESTAMP) THEN emojis END AS emojis,
  CASE WHEN local_sent_at >= CAST($text_from AS TIMESTAMP) THEN mentions END AS mentions
FROM counted_versions
