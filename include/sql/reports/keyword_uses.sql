-- How many counted messages of each sender use each term, per group and per bucket of days, and the
-- latest of them (its update_id: where keyword_examples reads a topic's examples).
-- The terms are the lake's (terms: text/words.py, stored at consolidation). A bucket is named by its first
-- day; text_days gives each day from text_from on its bucket, and the buckets are cut at the first day of
-- every range built together (they all end on the same day), so each range adds up whole buckets and the
-- terms of the span are unnested and counted once, not once per range.
SELECT
  m.chat_id,
  m.bucket,
  m.sender_id,
  t.keyword,
  COUNT(*) AS messages,
  MAX(m.update_id) AS last_update_id
-- the terms as a column of a relation first: DuckDB unnests that in one pass (an expression it would
-- deduplicate first, which costs more than it saves)
FROM (
  SELECT
    v.chat_id,
    CAST(d.bucket AS DATE) AS bucket,
    v.sender_id,
    v.update_id,
    v.terms
  FROM counted_versions AS v
  JOIN text_days AS d
    ON CAST(d.day AS DATE) = v.day
) AS m
CROSS JOIN UNNEST(m.terms) AS t(keyword)
GROUP BY m.chat_id, m.bucket, m.sender_id, t.keyword
