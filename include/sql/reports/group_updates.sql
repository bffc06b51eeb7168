-- Every update with its group: chat_id is the group's current id (a group that became a supergroup
-- is reported under the supergroup's id), origin_chat_id the id the update was sent under. Message ids
-- are only unique within origin_chat_id: a supergroup numbers its messages anew.
SELECT
  COALESCE(moved.new_chat_id, m.chat_id) AS chat_id,
  m.chat_id AS origin_chat_id,
  m.context_date,
  m.update_id,
  m.update_type,
  m.chat_title,
  m.message_id,
  m.sent_at,
  m.edited_at,
  m.user_id,
  m.user_is_bot,
  m.user_first_name,
  m.user_last_name,
  m.user_username,
  m.sender_chat_id,
  m.sender_chat_title,
  m.text,
  m.keyword_text,
  m.content_type,
  m.service_action,
  m.new_member_ids,
  m.new_member_bot_ids,
  m.member_user_id,
  m.member_is_bot,
  m.member_old_status,
  m.member_new_status,
  m.member_was_in_chat,
  m.member_is_in_chat,
  m.new_member_names,
  m.member_name,
  m.reply_to_message_id,
  m.mentions,
  m.reaction_emojis,
  m.reaction_count_emojis,
  m.reaction_count_totals,
  m.emojis,
  m.chat_type,
  m.topic_id,
  m.topic_name,
  -- when topic_name was given: a forum_topic_created or forum_topic_edited message's time; 1970 for the
  -- name a topic's other messages carry from its first message, which any naming then outranks (a later
  -- message still carries the first name of a topic renamed since)
  CASE
    WHEN m.service_action IN ('forum_topic_created', 'forum_topic_edited') THEN m.sent_at
    ELSE CAST('1970-01-01 00:00:00' AS TIMESTAMP)
  END AS topic_named_at,
  m.chat_username,
  m.language,
  m.terms,
  m.term_forms,
  m.member_invite_link,
  m.member_invite_link_name,
  m.member_joined_by,
  m.forward_origin_type,
  m.forward_source_id,
  m.forward_source_name,
  m.is_question,
  m.link_domains,
  m.message_thread_id,
  -- a channel's post that Telegram copies into the channel's discussion group (the Bot API's
  -- is_automatic_forward), told by what both the Bot API and an export store: sent on behalf of a chat
  -- other than the group, forwarded from that same chat (by its id, or by its name where an older export
  -- names the origin only). Of the update's own columns alone, so that a scan tests it as it reads.
  COALESCE(
    m.sender_chat_id <> m.chat_id
    AND (
      m.sender_chat_id = m.forward_source_id
      OR (m.forward_origin_type = 'hidden_user' AND m.forward_source_name = m.sender_chat_title)
    ),
    FALSE
  ) AS copied_from_channel
FROM messages AS m
LEFT JOIN chat_migrations AS moved
  ON moved.old_chat_id = m.chat_id
