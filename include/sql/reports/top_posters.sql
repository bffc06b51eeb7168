-- Messages per sender. The sender is the user, or the chat an anonymous admin or a channel posted as.
-- Messages with no sender at all (a damaged export) count together under 'unknown sender' (user_id NULL).
WITH per_sender AS (
  SELECT
    sender_id,
    ARG_MAX(sender_name, local_sent_at) AS sender_name,
    COUNT(*) AS messages
  FROM counted_messages
  GROUP BY sender_id
)
SELECT
  CAST(sender_id AS BIGINT) AS user_id,
  CASE
    WHEN sender_id IS NULL THEN 'unknown sender'
    ELSE COALESCE(sender_name, 'user ' || CAST(sender_id AS VARCHAR))
  END AS user_name,
  CAST(messages AS BIGINT) AS messages,
  CAST(messages AS DOUBLE) / SUM(messages) OVER () AS share,
  CAST(RANK() OVER (ORDER BY messages DESC) AS BIGINT) AS rank
FROM per_sender
ORDER BY rank, user_id
