-- Each member's first join of each group as far back as the curated zone goes (every partition up to
-- the range's end), so that a member who first joined in the range is new (retention's cohorts).
SELECT
  chat_id,
  member_id,
  MIN(sent_at) AS first_joined_at
FROM membership_updates
WHERE change = 'join' AND context_date <= $to_date
GROUP BY chat_id, member_id
