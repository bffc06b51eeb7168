-- Each group's latest public @username up to the last day (NULL: it has none, or made itself private):
-- what a t.me link to one of its messages needs (unanswered_questions, channel_posts).
SELECT
  chat_id,
  chat_username
FROM (
  SELECT
    chat_id,
    chat_username,
    ROW_NUMBER() OVER (PARTITION BY chat_id ORDER BY day DESC) AS n
  FROM group_days
  WHERE day <= CAST($to_date AS DATE)
) AS d
WHERE n = 1
