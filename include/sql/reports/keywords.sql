-- The most discussed topics of each group (keyword_counts: the top ranks, and every tracked keyword), each
-- shown in the written form most of the range's messages using it wrote (keyword_forms); a tracked keyword
-- nobody used as it is configured.
SELECT
  c.chat_id,
  COALESCE(f.form, c.tracked_keyword, c.term) AS keyword,
  c.messages,
  c.users,
  c.rank,
  c.tracked,
  c.term,
  c.phrase
FROM keyword_counts AS c
LEFT JOIN keyword_forms AS f
  ON f.chat_id = c.chat_id AND f.term = c.term
ORDER BY chat_id, messages DESC, users DESC, keyword
