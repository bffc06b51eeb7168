-- Each member's first and last message in each group as far back as the curated zone goes (every
-- partition up to the range's end), so that a member whose first message ever falls in the range is new.
SELECT
  chat_id,
  sender_id,
  MIN(sent_at) AS first_sent_at,
  MAX(sent_at) AS last_sent_at
FROM message_versions
WHERE context_date <= $to_date AND ($include_bots OR NOT sender_is_bot)
GROUP BY chat_id, sender_id
