-- Where each group's new members come from: every member who joined in the range counts once, under the
-- most specific source Telegram gave for any of their joins in the range (membership_updates: an invite
-- link by its name, an approved join request, added by a member, a link, unknown), from their first join
-- in the range: joins, how many of them are still members at the range's end (their latest join or
-- leave up to then is a join), and how many posted at least once after joining (member_history).
WITH joined AS (
  SELECT
    chat_id,
    member_id,
    changed_at,
    specificity,
    source,
    MIN(changed_at) OVER (PARTITION BY chat_id, member_id) AS joined_at,
    ROW_NUMBER() OVER (PARTITION BY chat_id, member_id ORDER BY specificity, changed_at DESC, source) AS choice
  FROM member_changes
  WHERE change = 'join' AND day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
),
latest AS (
  SELECT
    chat_id,
    member_id,
    MAX(CASE WHEN change = 'join' THEN changed_at END) AS joined_at,
    MAX(CASE WHEN change = 'leave' THEN changed_at END) AS left_at
  FROM member_changes
  WHERE day <= CAST($to_date AS DATE)
  GROUP BY chat_id, member_id
)
SELECT
  j.chat_id,
  j.source,
  CAST(COUNT(*) AS BIGINT) AS joins,
  CAST(COUNT(CASE WHEN l.left_at IS NULL OR l.joined_at >= l.left_at THEN 1 END) AS BIGINT) AS still_members,
  CAST(COUNT(CASE WHEN h.last_sent_at >= j.joined_at THEN 1 END) AS BIGINT) AS posted
FROM joined AS j
JOIN latest AS l
  ON l.chat_id = j.chat_id AND l.member_id = j.member_id
LEFT JOIN member_history AS h
  ON h.chat_id = j.chat_id AND h.sender_id = j.member_id
WHERE j.choice = 1
GROUP BY j.chat_id, j.source
ORDER BY chat_id, joins DESC, source
