-- What each sender was called, per group and day (the update's own day): the name on their latest
-- message or edit that day, latest by when it was sent or edited (update ids alone do not order
-- imported and live updates). A user's name is their first and last name, else @username; a chat's
-- (an anonymous admin, a channel) its title.
SELECT
  chat_id,
  sender_id,
  day,
  MAX(named_at) AS named_at,
  ARG_MAX(name, (named_at, update_id)) AS name
FROM (
  SELECT
    chat_id,
    sender_id,
    CAST(context_date AS DATE) AS day,
    COALESCE(edited_at, sent_at) AS named_at,
    update_id,
    CASE
      WHEN sender_chat_title IS NOT NULL THEN sender_chat_title
      ELSE COALESCE(
        NULLIF(TRIM(COALESCE(user_first_name, '') || ' ' || COALESCE(user_last_name, '')), ''),
        '@' || user_username
      )
    END AS name
  FROM message_versions
  WHERE context_date BETWEEN $scan_from AND $scan_to
) AS named
GROUP BY chat_id, sender_id, day
