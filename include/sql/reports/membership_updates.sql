-- Every update of every group that says members joined or left, as far back as the curated zone goes,
-- from both sources Telegram has: the new_chat_members and left_chat_member service messages, and
-- chat_member updates whose member was not in the chat before and is after (a join) or the reverse (a
-- leave); parse.in_chat says who is in the chat (a restricted user only while still a member). One row
-- per update with its group (chat_id; origin_chat_id, the id it was sent under), its members
-- (member_ids), their names at the same positions (member_names: NULL when pseudonymised, and in a
-- partition consolidated before the names were kept) and which of them are bots (bot_ids): the
-- readers pick their days first, then unnest. A join's source is the most that Telegram says of it, in this order: the
-- invite link it came by (its name, else the link), an approved join request, a member who added them
-- (the update's sender is not one of the members), a link (an export's join_group_by_link, a chat
-- folder's link), else unknown; specificity orders them the same way (1 = an invite link).
WITH changes AS (
  SELECT
    chat_id,
    origin_chat_id,
    context_date,
    sent_at,
    'join' AS change,
    user_id,
    member_joined_by,
    CAST(NULL AS VARCHAR) AS member_invite_link,
    CAST(NULL AS VARCHAR) AS member_invite_link_name,
    new_member_ids AS member_ids,
    new_member_names AS member_names,
    COALESCE(new_member_bot_ids, []) AS bot_ids
  FROM group_updates
  WHERE service_action = 'new_chat_members'
  UNION ALL
  SELECT
    chat_id,
    origin_chat_id,
    context_date,
    sent_at,
    CASE WHEN member_is_in_chat THEN 'join' ELSE 'leave' END AS change,
    user_id,
    member_joined_by,
    member_invite_link,
    member_invite_link_name,
    [member_user_id] AS member_ids,
    [member_name] AS member_names,
    CASE WHEN member_is_bot THEN [member_user_id] ELSE [] END AS bot_ids
  FROM group_updates
  WHERE member_user_id IS NOT NULL AND member_was_in_chat <> member_is_in_chat
),
sourced AS (
  SELECT
    chat_id,
    origin_chat_id,
    context_date,
    sent_at,
    change,
    member_ids,
    member_names,
    bot_ids,
    CASE
      WHEN change <> 'join' THEN NULL
      WHEN member_invite_link IS NOT NULL THEN 1
      WHEN member_joined_by = 'request' THEN 2
      WHEN user_id IS NOT NULL AND NOT LIST_CONTAINS(member_ids, user_id) THEN 3
      WHEN member_joined_by = 'link' THEN 4
      ELSE 5
    END AS specificity,
    COALESCE(member_invite_link_name, member_invite_link) AS invite_link
  FROM changes
)
SELECT
  chat_id,
  origin_chat_id,
  context_date,
  sent_at,
  change,
  member_ids,
  member_names,
  bot_ids,
  specificity,
  CASE specificity
    WHEN 1 THEN 'invite link: ' || invite_link
    WHEN 2 THEN 'joined by request'
    WHEN 3 THEN 'added by a member'
    WHEN 4 THEN 'joined by link'
    WHEN 5 THEN 'unknown'
  END AS source
FROM sourced
