-- Each member's first and last message in each group as far back as the curated zone goes (the history
-- state of the days before the recent ones, and the recent partitions up to the range's end), so that
-- a member whose first message ever falls in the range is new.
SELECT
  chat_id,
  sender_id,
  MIN(first_sent_at) AS first_sent_at,
  MAX(last_sent_at) AS last_sent_at
FROM (
  SELECT
    chat_id,
    id AS sender_id,
    first_at AS first_sent_at,
    last_at AS last_sent_at
  FROM group_history
  WHERE kind = 'sender' AND ($include_bots OR NOT is_bot)
  UNION ALL
  SELECT
    chat_id,
    sender_id,
    sent_at AS first_sent_at,
    sent_at AS last_sent_at
  FROM message_versions
  WHERE context_date BETWEEN $recent_from AND $to_date AND ($include_bots OR NOT sender_is_bot)
) AS seen
GROUP BY chat_id, sender_id
