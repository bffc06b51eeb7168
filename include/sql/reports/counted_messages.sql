-- The messages every report counts, each once per (origin_chat_id, message_id) in its latest version
-- (greatest coalesce(edited_at, sent_at); on a tie the live update wins over the imported one), with
-- its day and local time of sent_at in the timezone parameter. Partitions are scanned with a margin
-- (scan_from..scan_to): an edit lands in its edit day's partition but counts on the day the message
-- was sent. Bots are left out unless include_bots. Texts are kept from text_from on (the reports'
-- own days; the period before them is only counted). Senders' names are in sender_names.
WITH latest AS (
  -- which version is the latest, decided on a few narrow columns; its text, tokens and mentions are
  -- then read for that version alone (ordering every version with them costs three times as much). A
  -- version is one row of one partition: consolidation keeps one row per update_id in a partition.
  SELECT
    origin_chat_id,
    message_id,
    context_date,
    update_id
  FROM (
    SELECT
      origin_chat_id,
      message_id,
      context_date,
      update_id,
      ROW_NUMBER() OVER (
        PARTITION BY origin_chat_id, message_id
        ORDER BY COALESCE(edited_at, sent_at) DESC, update_id DESC
      ) AS version
    FROM message_versions
    WHERE context_date BETWEEN $scan_from AND $scan_to AND ($include_bots OR NOT sender_is_bot)
  ) AS versions
  WHERE version = 1
)
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
  -- the tokens as one string, separated by spaces (a token never holds one): half the memory of a list,
  -- which keeps this table within DuckDB's memory limit
  CASE WHEN local_sent_at >= CAST($text_from AS TIMESTAMP) THEN NULLIF(ARRAY_TO_STRING(keyword_tokens, ' '), '') END AS keyword_tokens,
  CASE WHEN local_sent_at >= CAST($text_from AS TIMESTAMP) THEN mentions END AS mentions
FROM (
  SELECT
    v.chat_id,
    v.origin_chat_id,
    v.message_id,
    v.sent_at,
    local_time_of(v.sent_at, $timezone) AS local_sent_at,
    v.sender_id,
    v.content_type,
    v.reply_to_message_id,
    v.text,
    v.keyword_tokens,
    v.mentions
  FROM message_versions AS v
  JOIN latest AS l
    ON l.origin_chat_id = v.origin_chat_id
    AND l.message_id = v.message_id
    AND l.context_date = v.context_date
    AND l.update_id = v.update_id
  WHERE v.context_date BETWEEN $scan_from AND $scan_to
) AS counted
