-- The five most used keywords of each forum topic in the range (topic_keyword_uses; is_keyword: a word or
-- hashtag, not a two-word phrase, or a tracked keyword's term), most used first (n: 1 to 5; ties by the
-- term). What the topics report lists, and what keyword_forms finds a written form for.
WITH terms AS (
  SELECT
    chat_id,
    topic_id,
    keyword AS term,
    SUM(messages) AS messages
  FROM topic_keyword_uses
  WHERE bucket BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
  GROUP BY chat_id, topic_id, keyword
),
ranked AS (
  SELECT
    chat_id,
    topic_id,
    term,
    ROW_NUMBER() OVER (PARTITION BY chat_id, topic_id ORDER BY messages DESC, term) AS n
  FROM terms
  WHERE is_keyword(term)
)
SELECT chat_id, topic_id, term, n
FROM ranked
WHERE n <= 5
