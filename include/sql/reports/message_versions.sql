-- Every version of every message, the rows the reports count from. A message is a message or channel
-- post (or an edit of one) that is not a service message. Its sender is the user, or the chat it was
-- sent on behalf of (anonymous admins post as GroupAnonymousBot for the group; channels as themselves).
-- sender_is_bot says whether a bot sent it (the readers leave bots out unless include_bots). A channel's
-- post that Telegram copies into the channel's discussion group (group_updates' copied_from_channel) is
-- the channel's, not the group's: no version of it is counted (channel_copies reads them).
SELECT
  chat_id,
  origin_chat_id,
  context_date,
  update_id,
  -- a message as the webhook first received it, and its only version unless an edit or an import of the
  -- same message is also stored (imports have negative update_ids)
  LIST_CONTAINS(['message', 'channel_post'], update_type) AND update_id >= 0 AS live_original,
  message_id,
  sent_at,
  edited_at,
  CASE WHEN sender_chat_id IS NOT NULL THEN sender_chat_id ELSE user_id END AS sender_id,
  sender_chat_title,
  user_first_name,
  user_last_name,
  user_username,
  sender_chat_id IS NULL AND COALESCE(user_is_bot, FALSE) AS sender_is_bot,
  text,
  -- the language and the terms as consolidation stored them (text/): a partition written before them has
  -- NULL, and is consolidated again rather than taken apart here
  language,
  terms,
  term_forms,
  -- computed at consolidation; where a partition was written before that column existed, the same rule
  -- runs on the text (include/sql/emoji.sql, lake/tokens.py)
  emojis_filled(emojis, text) AS emojis,
  content_type,
  reply_to_message_id,
  mentions,
  -- the forum topic (NULL outside forums); the thread Telegram keeps a message in (a reply's, a
  -- comment's on a channel's post), NULL where the update names none (no reply, or a reply imported
  -- before the import gave replies their thread)
  topic_id,
  message_thread_id,
  -- found at consolidation (text/facts.py); NULL in partitions written before these columns existed
  is_question,
  link_domains,
  forward_origin_type,
  forward_source_id,
  forward_source_name
FROM group_updates
WHERE
  -- a list, not IN: DuckDB tests IN as one string comparison after another, for each of 3 million rows
  -- a scan, in twice the time
  LIST_CONTAINS(['message', 'edited_message', 'channel_post', 'edited_channel_post'], update_type)
  AND COALESCE(content_type, '') <> 'service'
  AND message_id IS NOT NULL
  AND sent_at IS NOT NULL
  AND NOT copied_from_channel
