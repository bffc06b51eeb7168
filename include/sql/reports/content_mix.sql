-- What kind of content each group shares, per day of the range: messages by content type (text,
-- photo, sticker, voice, video, …). Days and types without messages have no row.
SELECT
  chat_id,
  day AS date,
  COALESCE(content_type, 'other') AS content_type,
  CAST(COUNT(*) AS BIGINT) AS messages
FROM counted_messages
WHERE day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
GROUP BY chat_id, day, COALESCE(content_type, 'other')
ORDER BY chat_id, date, messages DESC, content_type
