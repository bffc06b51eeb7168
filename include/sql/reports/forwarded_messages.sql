-- The forwarded messages from text_from on (the reports' own days), in the version every report counts
-- (counted_versions: so bots and, with a topic parameter, the other topics are left out as everywhere),
-- with where each was forwarded from. Kept apart rather than carried in counted_messages (three columns
-- over every message, for the few that are forwards).
SELECT
  chat_id,
  origin_chat_id,
  message_id,
  day,
  sent_at,
  forward_origin_type,
  forward_source_id,
  forward_source_name
FROM counted_versions
WHERE forward_origin_type IS NOT NULL AND context_date BETWEEN $text_from AND $scan_to
