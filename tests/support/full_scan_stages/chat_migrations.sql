-- Groups that became supergroups: each old chat id with the id it moved to, so that a group is one
-- group across the move. Found in every partition (a migration counts for all time): the old group's
-- service message carries migrate_to_chat_id, the supergroup's first message migrate_from_chat_id
-- (both in migrate_chat_id); and in the webhook's markers (raw zone _migrations/{new_id}.json), bound
-- at run time as migration_markers(old_chat_id, new_chat_id).
SELECT
  old_chat_id,
  MAX(new_chat_id) AS new_chat_id
FROM (
  SELECT
    chat_id AS old_chat_id,
    migrate_chat_id AS new_chat_id
  FROM messages
  WHERE service_action = 'migrate_to_chat_id' AND migrate_chat_id IS NOT NULL
  UNION ALL
  SELECT
    migrate_chat_id AS old_chat_id,
    chat_id AS new_chat_id
  FROM messages
  WHERE service_action = 'migrate_from_chat_id' AND migrate_chat_id IS NOT NULL
  UNION ALL
  SELECT
    old_chat_id,
    new_chat_id
  FROM migration_markers
) AS found
WHERE old_chat_id <> new_chat_id
GROUP BY old_chat_id
