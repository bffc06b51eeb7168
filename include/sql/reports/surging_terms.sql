-- The terms that took off on the span's last day, per group: counted as keywords counts them
-- (keyword_uses: the messages using each term, by the stored token lists), a term whose messages that
-- day reach surge_min_messages and are more than three times its mean per day over the 28 days before
-- (surge_from up to the day before; a day without it counts as zero), with the two latest messages of
-- the day that use it. Only the terms keywords would show: tracked keywords, hashtags, and other words
-- of 3 letters or more that are no stopword, URL, e-mail address or @mention (keywords.sql's rule).
WITH last_day AS (
  SELECT
    chat_id,
    keyword,
    SUM(messages) AS messages
  FROM keyword_uses
  WHERE bucket = CAST($to_date AS DATE)
  GROUP BY chat_id, keyword
  HAVING SUM(messages) >= $surge_min_messages
),
candidates AS (
  SELECT *
  FROM last_day
  WHERE
    keyword IN (SELECT keyword FROM tracked_keywords)
    OR keyword LIKE '#%'
    OR (
      keyword NOT LIKE '%@%'
      AND keyword NOT LIKE '%/%'
      AND keyword NOT LIKE '%.%'
      AND LENGTH(keyword) >= 3
      AND keyword NOT IN (SELECT word FROM stopwords)
    )
),
before AS (
  SELECT
    u.chat_id,
    u.keyword,
    SUM(u.messages) AS messages
  FROM keyword_uses AS u
  JOIN candidates AS c
    ON c.chat_id = u.chat_id AND c.keyword = u.keyword
  WHERE u.bucket >= CAST($surge_from AS DATE) AND u.bucket < CAST($to_date AS DATE)
  GROUP BY u.chat_id, u.keyword
),
surging AS (
  SELECT
    c.chat_id,
    c.keyword,
    c.messages,
    COALESCE(b.messages, 0) / 28.0 AS daily_mean
  FROM candidates AS c
  LEFT JOIN before AS b
    ON b.chat_id = c.chat_id AND b.keyword = c.keyword
  WHERE c.messages > 3 * COALESCE(b.messages, 0) / 28.0
),
examples AS (
  SELECT
    s.chat_id,
    s.keyword,
    v.text,
    ROW_NUMBER() OVER (PARTITION BY s.chat_id, s.keyword ORDER BY v.sent_at DESC, v.origin_chat_id, v.message_id DESC) AS latest
  FROM (
    -- the day's messages, from the two partitions that can hold them (an edit lands on its edit day); none
    -- on most days, when nothing surges
    SELECT chat_id, origin_chat_id, message_id, sent_at, text, keyword_tokens FROM counted_versions
    WHERE
      context_date BETWEEN $to_date AND $scan_to
      AND day = CAST($to_date AS DATE)
      AND (SELECT COUNT(*) FROM surging) > 0
  ) AS v
  CROSS JOIN UNNEST(v.keyword_tokens) AS t(keyword)
  JOIN surging AS s
    ON s.chat_id = v.chat_id AND s.keyword = t.keyword
)
SELECT
  s.chat_id,
  s.keyword,
  s.messages,
  s.daily_mean,
  s.keyword IN (SELECT keyword FROM tracked_keywords) AS tracked,
  MAX(CASE WHEN e.latest = 1 THEN SUBSTRING(e.text, 1, 200) END) AS example,
  MAX(CASE WHEN e.latest = 2 THEN SUBSTRING(e.text, 1, 200) END) AS second_example
FROM surging AS s
LEFT JOIN examples AS e
  ON e.chat_id = s.chat_id AND e.keyword = s.keyword AND e.latest <= 2
GROUP BY s.chat_id, s.keyword, s.messages, s.daily_mean
