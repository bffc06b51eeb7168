-- Members who joined or left, per group and day (the update's own day), from both sources Telegram
-- has, each change once: the new_chat_members and left_chat_member service messages, and chat_member
-- updates whose member was not in the chat before and is after (a join) or the reverse (a leave);
-- parse.in_chat says who is in the chat (a restricted user only while still a member). Bots joining or
-- leaving are left out unless include_bots.
WITH changes AS (
  SELECT
    u.chat_id,
    u.context_date,
    u.sent_at,
    j.member_id,
    'join' AS change
  FROM (
    SELECT chat_id, context_date, sent_at, new_member_ids, new_member_bot_ids FROM group_updates
    WHERE service_action = 'new_chat_members' AND context_date BETWEEN $scan_from AND $scan_to
  ) AS u
  CROSS JOIN UNNEST(u.new_member_ids) AS j(member_id)
  WHERE $include_bots OR NOT LIST_CONTAINS(COALESCE(u.new_member_bot_ids, []), j.member_id)
  UNION ALL
  SELECT
    chat_id,
    context_date,
    sent_at,
    member_user_id AS member_id,
    CASE WHEN member_is_in_chat THEN 'join' ELSE 'leave' END AS change
  FROM group_updates
  WHERE
    context_date BETWEEN $scan_from AND $scan_to
    AND member_user_id IS NOT NULL
    AND member_was_in_chat <> member_is_in_chat
    AND ($include_bots OR NOT COALESCE(member_is_bot, FALSE))
)
SELECT
  chat_id,
  CAST(context_date AS DATE) AS day,
  member_id,
  change,
  sent_at AS changed_at
FROM changes
