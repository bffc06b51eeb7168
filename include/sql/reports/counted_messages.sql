-- The messages every report counts (DuckDB SQL; the Athena files are generated from it).
-- A message is a message/channel post or an edit of one, not a service message, counted once per
-- (chat_id, message_id) in its latest version (greatest coalesce(edited_at, sent_at); on a tie the
-- live update wins over the imported one). Its day and hour are those of sent_at in the timezone parameter.
-- Partitions are scanned with a margin (scan_from..scan_to): an edit lands in its edit day's
-- partition but counts on the day the message was sent. Bots are left out unless include_bots;
-- anonymous admins post as GroupAnonymousBot (a bot) on behalf of the group, and count for the group.
-- keyword_text is the text without the spans its entities mark as links, mentions, e-mails, …
-- (partitions written before that column existed read their text).
SELECT
  chat_id,
  message_id,
  CAST(local_sent_at AS DATE) AS day,
  local_sent_at,
  sender_id,
  sender_name,
  text,
  keyword_text
FROM (
  SELECT
    chat_id,
    message_id,
    sent_at AT TIME ZONE $timezone AS local_sent_at,
    sender_id,
    sender_name,
    text,
    keyword_text
  FROM (
    SELECT
      chat_id,
      message_id,
      sent_at,
      CASE WHEN sender_chat_id IS NOT NULL THEN sender_chat_id ELSE user_id END AS sender_id,
      CASE
        WHEN sender_chat_id IS NOT NULL THEN sender_chat_title
        ELSE COALESCE(
          NULLIF(TRIM(COALESCE(user_first_name, '') || ' ' || COALESCE(user_last_name, '')), ''),
          '@' || user_username
        )
      END AS sender_name,
      sender_chat_id IS NULL AND COALESCE(user_is_bot, FALSE) AS sender_is_bot,
      text,
      COALESCE(keyword_text, text) AS keyword_text,
      ROW_NUMBER() OVER (
        PARTITION BY chat_id, message_id
        ORDER BY COALESCE(edited_at, sent_at) DESC, update_id DESC
      ) AS version
    FROM messages
    WHERE
      context_date BETWEEN $scan_from AND $scan_to
      AND update_type IN ('message', 'edited_message', 'channel_post', 'edited_channel_post')
      AND COALESCE(content_type, '') <> 'service'
      AND message_id IS NOT NULL
      AND sent_at IS NOT NULL
  ) AS versions
  WHERE
    version = 1
    AND ($include_bots OR NOT sender_is_bot)
) AS latest
WHERE CAST(local_sent_at AS DATE) BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
