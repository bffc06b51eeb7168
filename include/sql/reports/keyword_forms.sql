-- Each term a report shows (the group's topics and tracked keywords, keyword_counts; its forum topics'
-- keywords, topic_top_terms) in the written form most of the range's counted messages using it wrote
-- (term_forms: each term as its message first wrote it, so a message counts once); ties: the form used
-- latest (by update_id, the order Telegram numbers updates in). The forms are counted with the terms, in
-- keyword_uses, whose one read of the messages serves every range of the span; a form is chosen here
-- only for these terms, a hundred or a few hundred per group.
WITH shown AS (
  SELECT chat_id, term FROM keyword_counts
  UNION
  SELECT chat_id, term FROM topic_top_terms
),
counted AS (
  SELECT
    u.chat_id,
    u.keyword AS term,
    u.form,
    SUM(u.messages) AS messages,
    MAX(u.last_update_id) AS last_update_id
  FROM keyword_uses AS u
  JOIN shown AS s
    ON s.chat_id = u.chat_id AND s.term = u.keyword
  WHERE u.bucket BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
  GROUP BY u.chat_id, u.keyword, u.form
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
