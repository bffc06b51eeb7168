-- Groups that became supergroups: each old chat id with the id it moved to, so that a group is one
-- group across the move. A migration counts for all time: found in the days before the recent ones
-- (migration_state), in every partition from the recent days on (migration_messages), and in the
-- webhook's markers (raw zone _migrations/{new_id}.json), bound at run time as
-- migration_markers(old_chat_id, new_chat_id).
SELECT
  old_chat_id,
  MAX(new_chat_id) AS new_chat_id
FROM (
  SELECT
    chat_id AS old_chat_id,
    id AS new_chat_id
  FROM migration_state
  UNION ALL
  SELECT
    old_chat_id,
    new_chat_id
  FROM migration_messages
  WHERE context_date >= $recent_from
  UNION ALL
  SELECT
    old_chat_id,
    new_chat_id
  FROM migration_markers
) AS found
WHERE old_chat_id <> new_chat_id
GROUP BY old_chat_id
