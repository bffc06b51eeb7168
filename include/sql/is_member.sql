-- Whether a message's sender is a member of the chat it is counted in: someone, and not the chat itself,
-- under the id the chat has now or the one it was sent under (origin_chat_id: a basic group's before it
-- became a supergroup). A group's anonymous admins post as the group, and a channel's posts are the
-- channel's own: neither is a member. A private chat's id is its person's (positive), who is one. The
-- body of the macro is_member(sender_id, chat_id, origin_chat_id) (reports/macros.py), written out in
-- the Athena SQL; every count of members asks it (members, daily_posters, retention, and the active
-- members of chats, daily_volume and activity_heatmap).
sender_id IS NOT NULL AND (sender_id NOT IN (chat_id, origin_chat_id) OR chat_id > 0)
