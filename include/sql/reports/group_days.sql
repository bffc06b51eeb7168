-- Which groups had updates on which day (the update's own day), and the title each group went by.
SELECT
  chat_id,
  CAST(context_date AS DATE) AS day,
  COUNT(*) AS updates,
  ARG_MAX(chat_title, CASE WHEN chat_title IS NOT NULL THEN sent_at END) AS title
FROM group_updates
WHERE context_date BETWEEN $scan_from AND $scan_to
GROUP BY chat_id, CAST(context_date AS DATE)
