-- Which groups had updates on which day (the update's own day), and the title, type (group,
-- supergroup, channel or private chat) and public @username (NULL: none) each went by.
SELECT
  chat_id,
  CAST(context_date AS DATE) AS day,
  COUNT(*) AS updates,
  ARG_MAX(chat_title, CASE WHEN chat_title IS NOT NULL THEN sent_at END) AS title,
  ARG_MAX(chat_type, CASE WHEN chat_type IS NOT NULL THEN sent_at END) AS chat_type,
  -- the latest update's, NULL included (a group that made itself private has no public link any more)
  NULLIF(ARG_MAX(COALESCE(chat_username, ''), CASE WHEN chat_type IS NOT NULL THEN sent_at END), '') AS chat_username
FROM group_updates
WHERE context_date BETWEEN $scan_from AND $scan_to
GROUP BY chat_id, CAST(context_date AS DATE)
