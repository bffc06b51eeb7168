-- History states (lake/history.py: rows of include/sql/reports/history_state.sql and migration_state.sql)
-- of many days as one, each key once, so that the reports read the same rows from it as from the days:
-- a sender's first and last message, a member's first join, a migration, a forum (the key alone); a
-- username's user of its latest use; a topic's name of its latest naming.
SELECT
  kind,
  chat_id,
  id,
  is_bot,
  name,
  MIN(first_at) AS first_at,
  MAX(last_at) AS last_at
FROM day_states
WHERE kind NOT IN ('username', 'topic')
GROUP BY kind, chat_id, id, is_bot, name
UNION ALL
SELECT
  kind,
  chat_id,
  ARG_MAX(id, last_at) AS id,
  is_bot,
  name,
  MIN(first_at) AS first_at,
  MAX(last_at) AS last_at
FROM day_states
WHERE kind = 'username'
GROUP BY kind, chat_id, is_bot, name
UNION ALL
SELECT
  kind,
  chat_id,
  id,
  is_bot,
  ARG_MAX(name, last_at) AS name,
  MIN(first_at) AS first_at,
  MAX(last_at) AS last_at
FROM day_states
WHERE kind = 'topic'
GROUP BY kind, chat_id, id, is_bot
ORDER BY ALL
