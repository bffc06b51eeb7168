-- Every join and leave of every group, as far back as the curated zone goes, from both sources Telegram
-- has: the new_chat_members and left_chat_member service messages, and chat_member updates whose member
-- was not in the chat before and is after (a join) or the reverse (a leave); parse.in_chat says who is
-- in the chat (a restricted user only while still a member). Bots joining or leaving are left out unless
-- include_bots. A join's source is the most that Telegram says of it, in this order: the invite link it
-- came by (its name, else the link), an approved join request, a member who added them (the update's
-- sender is someone else), a link (an export's join_group_by_link, a chat folder's link), else unknown;
-- specificity orders them the same way (1 = an invite link).
WITH changes AS (
  SELECT
    u.chat_id,
    u.context_date,
    u.sent_at,
    j.member_id,
    'join' AS change,
    u.user_id,
    u.member_joined_by,
    CAST(NULL AS VARCHAR) AS member_invite_link,
    CAST(NULL AS VARCHAR) AS member_invite_link_name
  FROM (
    SELECT chat_id, context_date, sent_at, user_id, member_joined_by, new_member_ids, new_member_bot_ids
    FROM group_updates
    WHERE service_action = 'new_chat_members'
  ) AS u
  CROSS JOIN UNNEST(u.new_member_ids) AS j(member_id)
  WHERE $include_bots OR NOT LIST_CONTAINS(COALESCE(u.new_member_bot_ids, []), j.member_id)
  UNION ALL
  SELECT
    chat_id,
    context_date,
    sent_at,
    member_user_id AS member_id,
    CASE WHEN member_is_in_chat THEN 'join' ELSE 'leave' END AS change,
    user_id,
    member_joined_by,
    member_invite_link,
    member_invite_link_name
  FROM group_updates
  WHERE
    member_user_id IS NOT NULL
    AND member_was_in_chat <> member_is_in_chat
    AND ($include_bots OR NOT COALESCE(member_is_bot, FALSE))
),
sourced AS (
  SELECT
    chat_id,
    context_date,
    sent_at,
    member_id,
    change,
    CASE
      WHEN change <> 'join' THEN NULL
      WHEN member_invite_link IS NOT NULL THEN 1
      WHEN member_joined_by = 'request' THEN 2
      WHEN user_id IS NOT NULL AND user_id <> member_id THEN 3
      WHEN member_joined_by = 'link' THEN 4
      ELSE 5
    END AS specificity,
    COALESCE(member_invite_link_name, member_invite_link) AS invite_link
  FROM changes
)
SELECT
  chat_id,
  context_date,
  sent_at,
  member_id,
  change,
  specificity,
  CASE specificity
    WHEN 1 THEN 'invite link: ' || invite_link
    WHEN 2 THEN 'joined by request'
    WHEN 3 THEN 'added by a member'
    WHEN 4 THEN 'joined by link'
    WHEN 5 THEN 'unknown'
  END AS source
FROM sourced
