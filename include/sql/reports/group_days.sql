-- Which groups had updates on which day (the update's own day), and the title and type (group,
-- supergroup, channel or private chat) each went by.
SELECT
  chat_id,
  CAST(context_date AS DATE) AS day,
  COUNT(*) AS updates,
  ARG_MAX(chat_title, CASE WHEN chat_title IS NOT NULL THEN sent_at END) AS title,
  ARG_MAX(chat_type, CASE WHEN chat_type IS NOT NULL THEN sent_at END) AS chat_type
FROM group_updates
WHERE context_date BETWEEN $scan_from AND $scan_to
GROUP BY chat_id, CAST(context_date AS DATE)
