-- Members who joined or left, per group and day (the update's own day), as membership_updates finds
-- them (both of Telegram's sources: a join it reports both ways is two rows), each join with its
-- source, and the member's name as the change gave it (NULL where it gave none). Bots joining or
-- leaving are left out unless include_bots. The ranges' own days (from recent_from: the readers count
-- the ranges' changes, join_history the days before from the history state).
SELECT
  u.chat_id,
  u.day,
  u.member_id,
  u.member_name,
  u.change,
  u.changed_at,
  u.specificity,
  u.source
FROM (
  -- each member beside their name (the two lists are aligned), unnested side by side: DuckDB does
  -- that in one pass, Athena as UNNEST(member_ids, member_names) (reports/sql.py)
  SELECT
    chat_id,
    CAST(context_date AS DATE) AS day,
    change,
    sent_at AS changed_at,
    specificity,
    source,
    bot_ids,
    UNNEST(member_ids) AS member_id,
    UNNEST(member_names) AS member_name
  FROM membership_updates
  WHERE context_date BETWEEN $recent_from AND $scan_to
) AS u
WHERE $include_bots OR NOT LIST_CONTAINS(u.bot_ids, u.member_id)
