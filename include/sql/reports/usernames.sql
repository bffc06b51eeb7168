-- Whom an @mention names: for each username (lower-cased, without the @), the user who used it last in
-- any update up to the range's end (the history state of the days before the recent ones, then the
-- recent partitions). Pseudonymised lakes have no usernames, so mentions name nobody.
SELECT
  username,
  ARG_MAX(user_id, used_at) AS user_id
FROM (
  SELECT
    name AS username,
    id AS user_id,
    last_at AS used_at
  FROM history_state
  WHERE kind = 'username' AND ($include_bots OR NOT is_bot)
  UNION ALL
  SELECT
    LOWER(user_username) AS username,
    user_id,
    sent_at AS used_at
  FROM messages
  WHERE
    context_date BETWEEN $recent_from AND $scan_to
    AND user_username IS NOT NULL
    AND user_id IS NOT NULL
    AND sent_at IS NOT NULL
    AND ($include_bots OR NOT COALESCE(user_is_bot, FALSE))
) AS used
GROUP BY username
