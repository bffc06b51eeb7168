-- The terms that took off on the span's last day, per group: counted as keywords counts them
-- (keyword_uses: the messages using each of the terms consolidation stored), and only the terms that are
-- a topic's keyword (is_keyword: a word or hashtag, not a two-word phrase, or a tracked keyword's term). A
-- term surges where its messages that day reach surge_min_messages and are more than three times its mean
-- per day over the 28 days before (surge_from up to the day before; a day without it counts as zero). With
-- the two latest messages of the day that use it, and the term as most of the day's messages using it
-- wrote it (keywords' rule: on a tie, the form used latest).
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
  WHERE is_keyword(keyword)
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
    SELECT chat_id, origin_chat_id, message_id, sent_at, text, terms FROM counted_versions
    WHERE
      context_date BETWEEN $to_date AND $scan_to
      AND day = CAST($to_date AS DATE)
      AND (SELECT COUNT(*) FROM surging) > 0
  ) AS v
  CROSS JOIN UNNEST(v.terms) AS t(keyword)
  JOIN surging AS s
    ON s.chat_id = v.chat_id AND s.keyword = t.keyword
),
forms AS (
  -- the form most of the day's messages using the term wrote (keyword_forms' rule: ties, the latest)
  SELECT
    u.chat_id,
    u.keyword,
    u.form,
    ROW_NUMBER() OVER (
      PARTITION BY u.chat_id, u.keyword ORDER BY SUM(u.messages) DESC, MAX(u.last_update_id) DESC
    ) AS n
  FROM keyword_uses AS u
  JOIN surging AS s
    ON s.chat_id = u.chat_id AND s.keyword = u.keyword
  WHERE u.bucket = CAST($to_date AS DATE)
  GROUP BY u.chat_id, u.keyword, u.form
)
SELECT
  s.chat_id,
  COALESCE(MAX(f.form), s.keyword) AS keyword,
  s.keyword AS term,
  s.messages,
  s.daily_mean,
  s.keyword IN (SELECT term FROM tracked_keywords) AS tracked,
  MAX(CASE WHEN e.latest = 1 THEN SUBSTRING(e.text, 1, 200) END) AS example,
  MAX(CASE WHEN e.latest = 2 THEN SUBSTRING(e.text, 1, 200) END) AS second_example
FROM surging AS s
LEFT JOIN examples AS e
  ON e.chat_id = s.chat_id AND e.keyword = s.keyword AND e.latest <= 2
LEFT JOIN forms AS f
  ON f.chat_id = s.chat_id AND f.keyword = s.keyword AND f.n = 1
GROUP BY s.chat_id, s.keyword, s.messages, s.daily_mean
