-- Each member's first join of each group as far back as the curated zone goes, so that a member who
-- first joined in the range is new (retention's cohorts): the recent days' joins are member_changes',
-- and only the partitions before them are read again. Bots are left out unless include_bots.
SELECT
  chat_id,
  member_id,
  MIN(changed_at) AS first_joined_at
FROM (
  SELECT chat_id, member_id, changed_at FROM member_changes
  WHERE change = 'join' AND day <= CAST($to_date AS DATE)
  UNION ALL
  SELECT
    u.chat_id,
    m.member_id,
    u.sent_at AS changed_at
  FROM (
    SELECT * FROM membership_updates
    WHERE change = 'join' AND context_date < $recent_from
  ) AS u
  CROSS JOIN UNNEST(u.member_ids) AS m(member_id)
  WHERE $include_bots OR NOT LIST_CONTAINS(u.bot_ids, m.member_id)
) AS joins
GROUP BY chat_id, member_id
