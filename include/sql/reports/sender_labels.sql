-- What the reports call each sender of the range and of the period before it: the latest name they
-- posted under up to the range's end (for anyone who posted in the range, their latest in the range).
SELECT
  chat_id,
  sender_id,
  ARG_MAX(name, named_at) AS name
FROM sender_names
WHERE day BETWEEN CAST($prev_from AS DATE) AND CAST($to_date AS DATE)
GROUP BY chat_id, sender_id
