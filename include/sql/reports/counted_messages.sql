-- The messages every report counts, each once per (origin_chat_id, message_id) in the version
-- counted_versions chooses, with its day and local time, and whether it asks a question. From text_from
-- on (the reports' own days; the period before them is only counted) with its emoji, mentions and link
-- domains, and its text where a report shows it: the reacted messages' (reacted_messages) and the
-- questions' (unanswered_questions); and its language. Their terms are counted in keyword_uses, straight
-- from the lake's term lists. Senders' names are in sender_names.
WITH reacted AS (
  SELECT DISTINCT
    origin_chat_id,
    message_id
  FROM message_reactions
  WHERE reactions > 0
)
SELECT
  m.chat_id,
  m.origin_chat_id,
  m.message_id,
  m.day,
  m.sent_at,
  m.local_sent_at,
  m.sender_id,
  m.content_type,
  m.reply_to_message_id,
  COALESCE(m.is_question, FALSE) AS is_question,
  CASE
    WHEN (r.message_id IS NOT NULL OR m.is_question) AND m.local_sent_at >= CAST($text_from AS TIMESTAMP) THEN m.text
  END AS text,
  CASE WHEN m.local_sent_at >= CAST($text_from AS TIMESTAMP) THEN m.emojis END AS emojis,
  CASE WHEN m.local_sent_at >= CAST($text_from AS TIMESTAMP) THEN m.mentions END AS mentions,
  CASE WHEN m.local_sent_at >= CAST($text_from AS TIMESTAMP) THEN m.link_domains END AS link_domains,
  m.topic_id,
  m.message_thread_id,
  m.language
FROM counted_versions AS m
LEFT JOIN reacted AS r
  ON r.origin_chat_id = m.origin_chat_id AND r.message_id = m.message_id
-- the partitions from rows_from to rows_to: all of them in one statement (Athena), or some at a time (DuckDB:
-- compressed as they come, reports/duckdb_engine.py)
WHERE m.context_date BETWEEN $rows_from AND $rows_to
