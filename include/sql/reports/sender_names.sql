-- What each sender was called, per group and day (the update's own day): the name on their latest
-- message or edit that day. A user's name is their first and last name, else @username; a chat's
-- (an anonymous admin, a channel) its title.
SELECT
  chat_id,
  sender_id,
  CAST(context_date AS DATE) AS day,
  MAX(update_id) AS update_id,
  CASE
    WHEN ARG_MAX(sender_chat_title, update_id) IS NOT NULL THEN ARG_MAX(sender_chat_title, update_id)
    ELSE COALESCE(
      NULLIF(TRIM(COALESCE(ARG_MAX(user_first_name, update_id), '') || ' ' || COALESCE(ARG_MAX(user_last_name, update_id), '')), ''),
      '@' || ARG_MAX(user_username, update_id)
    )
  END AS name
FROM message_versions
WHERE context_date BETWEEN $scan_from AND $scan_to
GROUP BY chat_id, sender_id, CAST(context_date AS DATE)
