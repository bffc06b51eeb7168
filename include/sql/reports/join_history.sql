-- Each member's first join of each group as far back as the curated zone goes, so that a member who
-- first joined in the range is new (retention's cohorts): the recent days' joins are member_changes',
-- the days before them the history state's. Bots are left out unless include_bots.
SELECT
  chat_id,
  member_id,
  MIN(changed_at) AS first_joined_at
FROM (
  SELECT chat_id, member_id, changed_at FROM member_changes
  WHERE change = 'join' AND day <= CAST($to_date AS DATE)
  UNION ALL
  SELECT
    chat_id,
    id AS member_id,
    first_at AS changed_at
  FROM group_history
  WHERE kind = 'join' AND ($include_bots OR NOT is_bot)
) AS joins
GROUP BY chat_id, member_id
