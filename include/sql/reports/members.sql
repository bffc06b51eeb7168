-- Members who come and go, per group: everyone who posted in the range or in the period of the same
-- length before it, or joined or left in the range (is_member: not the group itself, its anonymous
-- admins, nor a channel's own posts). messages and previous_messages count the two periods;
-- first_message_at is their first message ever (as far as the curated zone goes) and last_message_at
-- their latest up to the range's end. status: new (first message ever in the range),
-- returning (posted in the range, and before it), quiet (posted in the period before, not in the
-- range), silent (only joined or left). joined_at / left_at: their latest join or leave in the range.
-- user_name: the latest name they posted under (sender_labels), else the latest a join or leave of
-- theirs in the range gave (a silent member has posted none), else user <id>.
WITH posted AS (
  SELECT
    chat_id,
    sender_id AS user_id,
    COUNT(CASE WHEN day >= CAST($from_date AS DATE) THEN 1 END) AS messages,
    COUNT(CASE WHEN day < CAST($from_date AS DATE) THEN 1 END) AS previous_messages
  FROM counted_messages
  WHERE
    day BETWEEN CAST($prev_from AS DATE) AND CAST($to_date AS DATE)
    AND is_member(sender_id, chat_id, origin_chat_id)
  GROUP BY chat_id, sender_id
),
changed AS (
  SELECT
    chat_id,
    member_id AS user_id,
    MAX(CASE WHEN change = 'join' THEN changed_at END) AS joined_at,
    MAX(CASE WHEN change = 'leave' THEN changed_at END) AS left_at,
    ARG_MAX(member_name, changed_at) FILTER (WHERE member_name IS NOT NULL) AS member_name
  FROM member_changes
  WHERE day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
  GROUP BY chat_id, member_id
),
everyone AS (
  SELECT
    COALESCE(p.chat_id, c.chat_id) AS chat_id,
    COALESCE(p.user_id, c.user_id) AS user_id,
    COALESCE(p.messages, 0) AS messages,
    COALESCE(p.previous_messages, 0) AS previous_messages,
    c.joined_at,
    c.left_at,
    c.member_name
  FROM posted AS p
  FULL OUTER JOIN changed AS c
    ON c.chat_id = p.chat_id AND c.user_id = p.user_id
)
SELECT
  e.chat_id,
  CAST(e.user_id AS BIGINT) AS user_id,
  CASE
    WHEN e.user_id IS NULL THEN 'unknown sender'
    ELSE COALESCE(n.name, e.member_name, 'user ' || CAST(e.user_id AS VARCHAR))
  END AS user_name,
  CAST(e.messages AS BIGINT) AS messages,
  CAST(e.previous_messages AS BIGINT) AS previous_messages,
  h.first_sent_at AS first_message_at,
  h.last_sent_at AS last_message_at,
  CASE
    WHEN e.messages > 0 AND CAST(local_time_of(h.first_sent_at, $timezone) AS DATE) >= CAST($from_date AS DATE)
      THEN 'new'
    WHEN e.messages > 0 THEN 'returning'
    WHEN e.previous_messages > 0 THEN 'quiet'
    ELSE 'silent'
  END AS status,
  e.joined_at,
  e.left_at
FROM everyone AS e
LEFT JOIN sender_labels AS n
  ON n.chat_id = e.chat_id AND n.sender_id = e.user_id
LEFT JOIN member_history AS h
  ON h.chat_id = e.chat_id AND h.sender_id = e.user_id
ORDER BY chat_id, messages DESC, previous_messages DESC, user_id
