-- The forwarded messages from text_from on (the reports' own days), each once per (origin_chat_id,
-- message_id), with where it was forwarded from. Read from the lake's versions rather than carried in
-- counted_messages (three columns over every message, for the few that are forwards): a message keeps
-- its forward origin through every edit, so any of its versions says it; bots' are left out unless
-- include_bots, as everywhere.
SELECT
  chat_id,
  origin_chat_id,
  message_id,
  CAST(local_time_of(MIN(sent_at), $timezone) AS DATE) AS day,
  MIN(sent_at) AS sent_at,
  ARG_MAX(forward_origin_type, COALESCE(edited_at, sent_at)) AS forward_origin_type,
  ARG_MAX(forward_source_id, COALESCE(edited_at, sent_at)) AS forward_source_id,
  ARG_MAX(forward_source_name, COALESCE(edited_at, sent_at)) AS forward_source_name
FROM message_versions
WHERE
  forward_origin_type IS NOT NULL
  AND context_date BETWEEN $text_from AND $scan_to
  AND ($include_bots OR NOT sender_is_bot)
GROUP BY chat_id, origin_chat_id, message_id
