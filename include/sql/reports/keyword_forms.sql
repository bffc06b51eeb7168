-- Each term a report shows (the group's topics and tracked keywords, keyword_counts; its forum topics'
-- keywords, topic_top_terms) in the written form most of the range's counted messages using it wrote
-- (term_forms: each term as its message first wrote it, so a message counts once); ties: the form used
-- latest (by update_id, the order Telegram numbers updates in). Only these terms, a hundred or a few
-- hundred per group, are counted by form: the range's terms are matched to them, not grouped.
WITH shown AS (
  SELECT chat_id, term FROM keyword_counts
  UNION
  SELECT chat_id, term FROM topic_top_terms
),
uses AS (
  SELECT
    w.chat_id,
    w.term,
    w.form,
    w.update_id
  FROM (
    -- each term of a message beside the form it wrote (the two lists are aligned), unnested side by
    -- side: DuckDB does that in one pass, Athena as UNNEST(terms, term_forms) (reports/sql.py). An edit
    -- is filed under its edit day, so a message of the range is in a partition from its day on.
    SELECT chat_id, update_id, UNNEST(terms) AS term, UNNEST(term_forms) AS form
    FROM counted_versions
    WHERE context_date >= $range_scan_from AND day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
  ) AS w
  JOIN shown AS s
    ON s.chat_id = w.chat_id AND s.term = w.term
),
counted AS (
  SELECT
    chat_id,
    term,
    form,
    COUNT(*) AS messages,
    MAX(update_id) AS last_update_id
  FROM uses
  GROUP BY chat_id, term, form
),
ranked AS (
  SELECT
    chat_id,
    term,
    form,
    ROW_NUMBER() OVER (PARTITION BY chat_id, term ORDER BY messages DESC, last_update_id DESC) AS n
  FROM counted
)
SELECT chat_id, term, form
FROM ranked
WHERE n = 1
