-- The channel's posts copied into each group in the range (channel_copies: the group is the channel's
-- discussion group), the most commented first (on a tie, the newest), at most posts_limit a group: the
-- channel, when, the first 200 characters, the kind, its comments up to the range's end (the counted
-- messages of the thread Telegram keeps for it, or those replying to it where a message names no thread:
-- a reply imported before the import gave replies their thread), how many members wrote them, the wait
-- for the first, and what a t.me link needs.
WITH commented AS (
  SELECT
    p.origin_chat_id,
    p.message_id,
    COUNT(*) AS comments,
    COUNT(DISTINCT CASE WHEN is_member(m.sender_id, m.chat_id, m.origin_chat_id) THEN m.sender_id END) AS commenters,
    MIN(m.sent_at) AS first_comment_at
  FROM channel_copies AS p
  JOIN counted_messages AS m
    ON m.origin_chat_id = p.origin_chat_id AND COALESCE(m.message_thread_id, m.reply_to_message_id) = p.message_id
  WHERE
    p.day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    AND m.day <= CAST($to_date AS DATE)
  GROUP BY p.origin_chat_id, p.message_id
),
ranked AS (
  SELECT
    p.chat_id,
    p.origin_chat_id,
    p.message_id,
    p.sent_at,
    p.channel_id,
    p.channel_title,
    p.text,
    p.content_type,
    COALESCE(c.comments, 0) AS comments,
    COALESCE(c.commenters, 0) AS commenters,
    c.first_comment_at,
    ROW_NUMBER() OVER (
      PARTITION BY p.chat_id
      ORDER BY COALESCE(c.comments, 0) DESC, p.sent_at DESC, p.origin_chat_id, p.message_id DESC
    ) AS n
  FROM channel_copies AS p
  LEFT JOIN commented AS c
    ON c.origin_chat_id = p.origin_chat_id AND c.message_id = p.message_id
  WHERE p.day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
)
SELECT
  r.chat_id,
  CAST(r.message_id AS BIGINT) AS message_id,
  CAST(r.channel_id AS BIGINT) AS channel_id,
  r.channel_title,
  r.sent_at,
  SUBSTRING(r.text, 1, 200) AS text,
  r.content_type,
  CAST(r.comments AS BIGINT) AS comments,
  CAST(r.commenters AS BIGINT) AS commenters,
  CAST(EPOCH(r.first_comment_at) - EPOCH(r.sent_at) AS DOUBLE) AS first_comment_seconds,
  r.origin_chat_id,
  CASE WHEN r.origin_chat_id = r.chat_id THEN u.chat_username END AS chat_username,
  CAST(r.n AS BIGINT) AS rank
FROM ranked AS r
LEFT JOIN group_usernames AS u
  ON u.chat_id = r.chat_id
WHERE r.n <= $posts_limit
ORDER BY chat_id, rank
