-- The history state's migrations (see history_state): each group that became a supergroup on a day
-- before the recent ones, with the id it moved to, as its migration service messages say (the old
-- group's carries migrate_to_chat_id, the supergroup's first message migrate_from_chat_id; both in
-- migrate_chat_id). DuckDB reads it from the state consolidation keeps (lake/history.py); Athena
-- computes it here.
SELECT
  'migration' AS kind,
  old_chat_id AS chat_id,
  new_chat_id AS id,
  FALSE AS is_bot,
  CAST(NULL AS VARCHAR) AS name,
  MIN(sent_at) AS first_at,
  MAX(sent_at) AS last_at
FROM migration_messages
WHERE context_date < $recent_from
GROUP BY old_chat_id, new_chat_id
