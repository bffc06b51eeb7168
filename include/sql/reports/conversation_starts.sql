-- Who opens conversations: per group, sender and day, the messages that came after at least
-- gap_minutes of silence in the group (or with nothing before them).
SELECT
  chat_id,
  sender_id,
  day,
  COUNT(*) AS started
FROM (
  SELECT
    chat_id,
    sender_id,
    day,
    sent_at,
    LAG(sent_at) OVER (PARTITION BY chat_id ORDER BY sent_at, origin_chat_id, message_id) AS previous_at
  FROM counted_messages
) AS gaps
WHERE previous_at IS NULL OR EPOCH(sent_at) - EPOCH(previous_at) >= $gap_minutes * 60
GROUP BY chat_id, sender_id, day
