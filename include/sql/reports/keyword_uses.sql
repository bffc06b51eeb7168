-- How many counted messages of each sender use each term, per group and per bucket of days, in each of
-- the forms they wrote it (term_forms, beside terms: keyword_forms shows a term in its most used form),
-- and the latest of them (its update_id: the examples, and a tie between forms).
-- The terms are the lake's (terms: text/words.py, stored at consolidation). A bucket is named by its first
-- day; text_days gives each day from terms_from on its bucket (the ranges' days and the surges' baseline), and the buckets are cut at the first day of
-- every range built together (they all end on the same day), so each range adds up whole buckets and the
-- terms of the span are unnested and counted once, not once per range. The days counted are those from
-- terms_from to terms_to: all of text_days in one statement (Athena), or one bucket at a time (DuckDB: one
-- bucket's groups in memory at once, reports/duckdb_engine.py).
SELECT
  m.chat_id,
  m.bucket,
  m.sender_id,
  m.keyword,
  m.form,
  COUNT(*) AS messages,
  MAX(m.update_id) AS last_update_id
FROM (
  -- each term beside the form it was written in (the two lists are aligned), unnested side by side:
  -- DuckDB does that in one pass, Athena as UNNEST(terms, term_forms) (reports/sql.py)
  SELECT
    v.chat_id,
    d.bucket,
    v.sender_id,
    v.update_id,
    UNNEST(v.terms) AS keyword,
    UNNEST(v.term_forms) AS form
  FROM counted_versions AS v
  -- the days as dates before the join: a cast after it would run once per term (17 million times for
  -- 3 million messages), where it runs once per day here
  JOIN (SELECT CAST(day AS DATE) AS day, CAST(bucket AS DATE) AS bucket FROM text_days) AS d
    ON d.day = v.day
    AND d.day BETWEEN CAST($terms_from AS DATE) AND CAST($terms_to AS DATE)
  -- no message sent more than a day before terms_from or after terms_to falls on one of those days (in
  -- any time zone): said here, the partitions outside them are left unread rather than counted and then
  -- dropped by the join
  WHERE
    v.sent_at >= CAST($terms_from AS TIMESTAMP) - INTERVAL '1' DAY
    AND v.sent_at < CAST($terms_to AS TIMESTAMP) + INTERVAL '2' DAY
) AS m
GROUP BY m.chat_id, m.bucket, m.sender_id, m.keyword, m.form
