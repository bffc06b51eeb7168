-- Members who joined or left, per group and day (the update's own day), as membership_updates finds
-- them (both of Telegram's sources: a join it reports both ways is two rows), each join with its
-- source. Bots joining or leaving are left out unless include_bots. The ranges' own days (from
-- recent_from: the readers count the ranges' changes, join_history the days before from the history state).
SELECT
  u.chat_id,
  CAST(u.context_date AS DATE) AS day,
  m.member_id,
  u.change,
  u.sent_at AS changed_at,
  u.specificity,
  u.source
FROM (
  SELECT * FROM membership_updates
  WHERE context_date BETWEEN $recent_from AND $scan_to
) AS u
CROSS JOIN UNNEST(u.member_ids) AS m(member_id)
WHERE $include_bots OR NOT LIST_CONTAINS(u.bot_ids, m.member_id)
