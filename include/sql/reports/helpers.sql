-- Who answers other members' questions in each group: their replies sent in the range to a question of
-- someone else (asked in the range or the period of the same length before it, as interactions counts
-- replies), the median time from the question to their reply, and their rank (1 = most answers; ties
-- share a rank).
WITH answers AS (
  SELECT
    chat_id,
    from_id AS user_id,
    EPOCH(replied_at) - EPOCH(message_sent_at) AS answer_seconds,
    ROW_NUMBER() OVER (PARTITION BY chat_id, from_id ORDER BY EPOCH(replied_at) - EPOCH(message_sent_at)) AS n,
    COUNT(*) OVER (PARTITION BY chat_id, from_id) AS total
  FROM replies
  WHERE
    to_question
    AND from_id IS NOT NULL
    AND day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    AND message_day BETWEEN CAST($prev_from AS DATE) AND CAST($to_date AS DATE)
),
helpers AS (
  SELECT
    chat_id,
    user_id,
    MAX(total) AS answers,
    -- the middle wait, or the mean of the two middle ones
    AVG(CASE WHEN n * 2 BETWEEN total AND total + 2 THEN answer_seconds END) AS median_answer_seconds
  FROM answers
  GROUP BY chat_id, user_id
)
SELECT
  h.chat_id,
  CAST(h.user_id AS BIGINT) AS user_id,
  COALESCE(n.name, 'user ' || CAST(h.user_id AS VARCHAR)) AS user_name,
  CAST(h.answers AS BIGINT) AS answers,
  CAST(h.median_answer_seconds AS DOUBLE) AS median_answer_seconds,
  CAST(RANK() OVER (PARTITION BY h.chat_id ORDER BY h.answers DESC) AS BIGINT) AS rank
FROM helpers AS h
LEFT JOIN sender_labels AS n
  ON n.chat_id = h.chat_id AND n.sender_id = h.user_id
ORDER BY chat_id, rank, user_id
