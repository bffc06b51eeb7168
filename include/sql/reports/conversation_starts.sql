-- Who opens conversations: per group, sender and day (of the ranges and the two days before them),
-- the messages that came after at least gap_minutes of silence in the group (or with nothing before
-- them). Without sorting every message: cut time into slices of gap_minutes; two messages of one slice
-- are less than the gap apart, so only the first message of a slice can open a conversation, and it
-- does when the slice before it is empty or its last message is at least the gap earlier. Of messages
-- sent in the same second, the first in (chat sent in, message id) order is the one that came first.
WITH slices AS (
  SELECT
    chat_id,
    FLOOR(EPOCH(sent_at) / ($gap_minutes * 60)) AS time_slice,
    MIN(sent_at) AS first_at,
    MAX(sent_at) AS last_at
  FROM counted_messages
  -- the readers count the ranges' own days: a slice of those days and the slice before it hold messages
  -- of at most two days before (the gap is a day at most)
  WHERE day >= CAST($near_from AS DATE)
  GROUP BY chat_id, FLOOR(EPOCH(sent_at) / ($gap_minutes * 60))
),
openings AS (
  SELECT
    s.chat_id,
    s.first_at
  FROM slices AS s
  LEFT JOIN slices AS earlier
    ON earlier.chat_id = s.chat_id AND earlier.time_slice = s.time_slice - 1
  WHERE earlier.last_at IS NULL OR EPOCH(s.first_at) - EPOCH(earlier.last_at) >= $gap_minutes * 60
),
openers AS (
  SELECT
    m.chat_id,
    m.sender_id,
    m.day,
    ROW_NUMBER() OVER (PARTITION BY m.chat_id, m.sent_at ORDER BY m.origin_chat_id, m.message_id) AS n
  FROM counted_messages AS m
  JOIN openings AS o
    ON o.chat_id = m.chat_id AND o.first_at = m.sent_at
  WHERE m.day >= CAST($near_from AS DATE)
)
SELECT
  chat_id,
  sender_id,
  day,
  COUNT(*) AS started
FROM openers
WHERE n = 1
GROUP BY chat_id, sender_id, day
