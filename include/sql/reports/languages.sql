-- The languages each group writes: every counted message of the range with a language (text/language.py:
-- by its script, its words, or for a short text its sender's that day), how many messages and senders per
-- language, and the language's share of the group's messages with one.
SELECT
  chat_id,
  language,
  CAST(COUNT(*) AS BIGINT) AS messages,
  CAST(COUNT(DISTINCT sender_id) AS BIGINT) AS users,
  CAST(COUNT(*) AS DOUBLE) / SUM(COUNT(*)) OVER (PARTITION BY chat_id) AS share
FROM counted_messages
WHERE day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE) AND language IS NOT NULL
GROUP BY chat_id, language
ORDER BY chat_id, messages DESC, language
