-- Whom an @mention names: for each username (lower-cased, without the @), the user who used it last in
-- any update up to the range's end. Pseudonymised lakes have no usernames, so mentions name nobody.
SELECT
  LOWER(user_username) AS username,
  ARG_MAX(user_id, sent_at) AS user_id
FROM messages
WHERE
  context_date <= $scan_to
  AND user_username IS NOT NULL
  AND user_id IS NOT NULL
  AND sent_at IS NOT NULL
  AND ($include_bots OR NOT COALESCE(user_is_bot, FALSE))
GROUP BY LOWER(user_username)
