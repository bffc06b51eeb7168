-- Every migration service message, as (old chat id, new chat id) with its day and time: the old group's carries
-- migrate_to_chat_id, the supergroup's first message migrate_from_chat_id (both in migrate_chat_id).
SELECT
  context_date,
  sent_at,
  CASE WHEN service_action = 'migrate_to_chat_id' THEN chat_id ELSE migrate_chat_id END AS old_chat_id,
  CASE WHEN service_action = 'migrate_to_chat_id' THEN migrate_chat_id ELSE chat_id END AS new_chat_id
FROM messages
WHERE service_action IN ('migrate_to_chat_id', 'migrate_from_chat_id') AND migrate_chat_id IS NOT NULL
