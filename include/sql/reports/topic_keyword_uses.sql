-- How many counted messages of each forum topic use each term, per group and bucket of days: as
-- keyword_uses, by topic instead of by sender, for the messages of forums only (forum_topics); a
-- message outside any topic is the General topic's (1).
SELECT
  m.chat_id,
  m.bucket,
  m.topic_id,
  t.keyword,
  COUNT(*) AS messages
FROM (
  SELECT
    v.chat_id,
    CAST(d.bucket AS DATE) AS bucket,
    COALESCE(v.topic_id, 1) AS topic_id,
    v.keyword_tokens
  FROM counted_versions AS v
  JOIN text_days AS d
    ON CAST(d.day AS DATE) = v.day
  WHERE v.topic_id IS NOT NULL OR v.chat_id IN (SELECT chat_id FROM forum_topics)
) AS m
CROSS JOIN UNNEST(m.keyword_tokens) AS t(keyword)
GROUP BY m.chat_id, m.bucket, m.topic_id, t.keyword
