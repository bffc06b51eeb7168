-- The channel's posts Telegram copied into each group (group_updates' copied_from_channel: the group is
-- the channel's discussion group) sent on the ranges' own days (from text_from on), each once per
-- (origin_chat_id, message_id) in its latest version: the channel, when, its text and kind. No report
-- counts them as the group's messages (message_versions); channel_posts counts their comments.
SELECT
  chat_id,
  origin_chat_id,
  message_id,
  day,
  sent_at,
  channel_id,
  channel_title,
  text,
  content_type
FROM (
  SELECT
    chat_id,
    origin_chat_id,
    message_id,
    CAST(local_time_of(sent_at, $timezone) AS DATE) AS day,
    sent_at,
    sender_chat_id AS channel_id,
    sender_chat_title AS channel_title,
    text,
    content_type,
    ROW_NUMBER() OVER (
      PARTITION BY origin_chat_id, message_id
      ORDER BY COALESCE(edited_at, sent_at) DESC, update_id DESC
    ) AS version
  FROM group_updates
  WHERE
    context_date BETWEEN $near_from AND $scan_to
    -- what every copy has and most messages have not, tested first on the columns as stored: a file
    -- with no message sent on behalf of a chat, or none forwarded, is skipped by its statistics
    AND sender_chat_id IS NOT NULL
    AND forward_origin_type IS NOT NULL
    AND copied_from_channel
    AND LIST_CONTAINS(['message', 'edited_message'], update_type)
    AND message_id IS NOT NULL
    AND sent_at IS NOT NULL
) AS v
WHERE version = 1 AND day >= CAST($text_from AS DATE)
