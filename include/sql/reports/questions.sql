-- The questions of each group's range (asked_questions: counted messages with a question mark of any
-- script outside links and code): asked; answered, those someone else replied to by the range's end;
-- the median wait for that first reply; unanswered, those nobody else replied to within answer_hours
-- of being asked (a question answered later counts as both); and waiting, those asked in the range's
-- last answer_hours that nobody has answered yet: a report never looks past its range's end
-- (range_end_epoch), so whether they will be answered in time is not known. Every group of the range,
-- zeros included.
WITH asked AS (
  SELECT
    chat_id,
    reply_seconds,
    EPOCH(sent_at) + $answer_hours * 3600 > $range_end_epoch AS recent
  FROM asked_questions
  WHERE day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
),
waits AS (
  SELECT
    chat_id,
    reply_seconds,
    ROW_NUMBER() OVER (PARTITION BY chat_id ORDER BY reply_seconds) AS n,
    COUNT(*) OVER (PARTITION BY chat_id) AS total
  FROM asked
  WHERE reply_seconds IS NOT NULL
),
medians AS (
  -- the middle wait, or the mean of the two middle ones
  SELECT
    chat_id,
    AVG(reply_seconds) AS median_answer_seconds
  FROM waits
  WHERE n * 2 BETWEEN total AND total + 2
  GROUP BY chat_id
),
counts AS (
  SELECT
    chat_id,
    COUNT(*) AS asked,
    COUNT(reply_seconds) AS answered,
    COUNT(
      CASE WHEN (reply_seconds IS NULL OR reply_seconds > $answer_hours * 3600) AND NOT recent THEN 1 END
    ) AS unanswered,
    COUNT(CASE WHEN reply_seconds IS NULL AND recent THEN 1 END) AS waiting
  FROM asked
  GROUP BY chat_id
)
SELECT
  g.chat_id,
  CAST(COALESCE(c.asked, 0) AS BIGINT) AS asked,
  CAST(COALESCE(c.answered, 0) AS BIGINT) AS answered,
  CAST(w.median_answer_seconds AS DOUBLE) AS median_answer_seconds,
  CAST(COALESCE(c.unanswered, 0) AS BIGINT) AS unanswered,
  CAST(COALESCE(c.waiting, 0) AS BIGINT) AS waiting
FROM chats AS g
LEFT JOIN counts AS c
  ON c.chat_id = g.chat_id
LEFT JOIN medians AS w
  ON w.chat_id = g.chat_id
ORDER BY chat_id
