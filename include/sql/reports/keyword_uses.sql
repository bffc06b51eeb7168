-- How many counted messages of each sender use each term, written in each form, per group and per bucket
-- of days, with the latest such message (its update_id, for the examples under each topic). The terms are
-- the lake's (terms, and term_forms at the same positions: text/words.py, stored at consolidation). A
-- bucket is named by its first day; text_days gives each day from text_from on its bucket, and the buckets
-- are cut at the first day of every range built together (they all end on the same day), so each range
-- adds up whole buckets and the terms of the span are unnested and counted once, not once per range.
SELECT
  m.chat_id,
  m.bucket,
  m.sender_id,
  t.keyword,
  m.term_forms[t.position] AS form,
  COUNT(*) AS messages,
  MAX(m.sent_at) AS last_sent_at,
  ARG_MAX(m.update_id, m.sent_at) AS last_update_id
-- the terms as a column of a relation first: DuckDB unnests that in one pass (an expression it would
-- deduplicate first, which costs more than it saves)
FROM (
  SELECT
    v.chat_id,
    CAST(d.bucket AS DATE) AS bucket,
    v.sender_id,
    v.sent_at,
    v.update_id,
    v.terms,
    v.term_forms
  FROM counted_versions AS v
  JOIN text_days AS d
    ON CAST(d.day AS DATE) = v.day
) AS m
CROSS JOIN UNNEST(m.terms) WITH ORDINALITY AS t(keyword, position)
GROUP BY
  m.chat_id,
  m.bucket,
  m.sender_id,
  t.keyword,
  m.term_forms[t.position]
