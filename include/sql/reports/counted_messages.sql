-- The messages every report counts, each once per (origin_chat_id, message_id) in its latest version
-- (greatest coalesce(edited_at, sent_at); on a tie the live update wins over the imported one), with
-- its day and local time of sent_at in the timezone parameter. Partitions are scanned with a margin
-- (scan_from..scan_to): an edit lands in its edit day's partition but counts on the day the message
-- was sent. Bots are left out unless include_bots. Texts are kept from text_from on (the reports'
-- own days; the period before them is only counted). Senders' names are in sender_names.
SELECT
  chat_id,
  origin_chat_id,
  message_id,
  CAST(local_sent_at AS DATE) AS day,
  sent_at,
  local_sent_at,
  sender_id,
  content_type,
  reply_to_message_id,
  CASE WHEN local_sent_at >= CAST($text_from AS TIMESTAMP) THEN text END AS text,
  CASE WHEN local_sent_at >= CAST($text_from AS TIMESTAMP) THEN keyword_tokens END AS keyword_tokens,
  CASE WHEN local_sent_at >= CAST($text_from AS TIMESTAMP) THEN mentions END AS mentions
FROM (
  SELECT
    chat_id,
    origin_chat_id,
    message_id,
    sent_at,
    sent_at AT TIME ZONE $timezone AS local_sent_at,
    sender_id,
    content_type,
    reply_to_message_id,
    text,
    keyword_tokens,
    mentions,
    ROW_NUMBER() OVER (
      PARTITION BY origin_chat_id, message_id
      ORDER BY COALESCE(edited_at, sent_at) DESC, update_id DESC
    ) AS version
  FROM message_versions
  WHERE context_date BETWEEN $scan_from AND $scan_to AND ($include_bots OR NOT sender_is_bot)
) AS versions
WHERE version = 1
