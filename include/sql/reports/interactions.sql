-- Who answers or names whom in each group: replies sent in the range to a message of the range or of
-- the period of the same length before it, and messages of the range that @mention someone (each
-- message once per person named). A reply to oneself, or naming oneself, is not an interaction.
WITH replied AS (
  SELECT
    chat_id,
    from_id AS from_user_id,
    to_id AS to_user_id,
    COUNT(*) AS replies
  FROM replies
  WHERE
    day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    AND message_day BETWEEN CAST($prev_from AS DATE) AND CAST($to_date AS DATE)
  GROUP BY chat_id, from_id, to_id
),
named AS (
  SELECT DISTINCT
    m.chat_id,
    m.origin_chat_id,
    m.message_id,
    m.sender_id,
    LOWER(SUBSTRING(n.mention, 2)) AS username
  FROM (
    SELECT chat_id, origin_chat_id, message_id, sender_id, mentions FROM counted_messages
    WHERE ARRAY_LENGTH(mentions) > 0 AND day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
  ) AS m
  CROSS JOIN UNNEST(m.mentions) AS n(mention)
),
mentioned AS (
  SELECT
    n.chat_id,
    n.sender_id AS from_user_id,
    u.user_id AS to_user_id,
    COUNT(*) AS mentions
  FROM named AS n
  JOIN usernames AS u
    ON u.username = n.username
  WHERE u.user_id <> n.sender_id
  GROUP BY n.chat_id, n.sender_id, u.user_id
)
SELECT
  COALESCE(r.chat_id, m.chat_id) AS chat_id,
  CAST(COALESCE(r.from_user_id, m.from_user_id) AS BIGINT) AS from_user_id,
  CAST(COALESCE(r.to_user_id, m.to_user_id) AS BIGINT) AS to_user_id,
  CAST(COALESCE(r.replies, 0) AS BIGINT) AS replies,
  CAST(COALESCE(m.mentions, 0) AS BIGINT) AS mentions
FROM replied AS r
FULL OUTER JOIN mentioned AS m
  ON m.chat_id = r.chat_id AND m.from_user_id = r.from_user_id AND m.to_user_id = r.to_user_id
ORDER BY chat_id, replies + mentions DESC, replies DESC, from_user_id, to_user_id
