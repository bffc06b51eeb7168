-- The history state of the days before the recent ones (history_state) under each group's current id
-- (a group that became a supergroup under the supergroup's).
SELECT
  s.kind,
  COALESCE(moved.new_chat_id, s.chat_id) AS chat_id,
  s.id,
  s.is_bot,
  s.name,
  s.first_at,
  s.last_at
FROM history_state AS s
LEFT JOIN chat_migrations AS moved
  ON moved.old_chat_id = s.chat_id
