-- The version every report counts of each message: its latest_revisions row where it has one, else its
-- live original. Bots are left out unless include_bots; with a topic parameter, only the messages of
-- that forum topic count (chosen_topics). With the day and local time of sent_at in the
-- timezone parameter: partitions are scanned with a margin (scan_from..scan_to), since an edit lands in
-- its edit day's partition but counts on the day the message was sent.
SELECT
  v.chat_id,
  v.origin_chat_id,
  v.message_id,
  v.update_id,
  CAST(local_time_of(v.sent_at, $timezone) AS DATE) AS day,
  v.sent_at,
  local_time_of(v.sent_at, $timezone) AS local_sent_at,
  v.sender_id,
  v.content_type,
  v.reply_to_message_id,
  v.text,
  v.language,
  v.terms,
  v.term_forms,
  v.emojis,
  v.mentions,
  v.topic_id,
  v.message_thread_id,
  v.is_question,
  v.link_domains,
  v.forward_origin_type,
  v.forward_source_id,
  v.forward_source_name,
  v.context_date
FROM message_versions AS v
LEFT JOIN latest_revisions AS l
  ON l.origin_chat_id = v.origin_chat_id AND l.message_id = v.message_id
-- a join, not a subquery per message: with no topic chosen it matches nothing and costs nothing
LEFT JOIN chosen_topics AS t
  ON t.chat_id = v.chat_id AND t.topic_id = COALESCE(v.topic_id, 1)
WHERE
  v.context_date BETWEEN $scan_from AND $scan_to
  AND ($include_bots OR NOT v.sender_is_bot)
  AND CASE
    WHEN l.message_id IS NULL THEN v.live_original
    ELSE l.context_date = v.context_date AND l.update_id = v.update_id
  END
  AND ($topic = '' OR t.topic_id IS NOT NULL)
