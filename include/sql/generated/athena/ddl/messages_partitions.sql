-- Generated from plugins/telegram_pipeline/lake/schema.py by `python -m telegram_pipeline catalog --write-ddl`.
-- Registered partitions: the consolidation DAG registers each day (or run ALTER TABLE ... ADD PARTITION).
CREATE EXTERNAL TABLE IF NOT EXISTS `telegram_analytics`.`messages` (
  `update_id`             bigint COMMENT 'Telegram\'s update id; negative for updates imported from a Desktop export',
  `update_type`           string COMMENT 'message, edited_message, channel_post, edited_channel_post, message_reaction, my_chat_member, chat_member, …',
  `source`                string COMMENT 'webhook (live) or export (imported from Telegram Desktop)',
  `chat_id`               bigint COMMENT 'Bot API chat id (supergroups: -100…)',
  `chat_type`             string COMMENT 'private, group, supergroup or channel',
  `chat_title`            string COMMENT 'chat title at the time of the update',
  `message_id`            bigint COMMENT 'message id within the chat',
  `message_thread_id`     bigint COMMENT 'forum topic / thread id',
  `sent_at`               timestamp COMMENT 'UTC time the message was sent (the update\'s `date`)',
  `edited_at`             timestamp COMMENT 'UTC time of the edit (`edit_date`), for edits',
  `user_id`               bigint COMMENT 'sender\'s user id (a keyed hash when pseudonymised)',
  `user_is_bot`           boolean COMMENT 'the sender is a bot',
  `user_first_name`       string COMMENT 'sender\'s first name (NULL when pseudonymised)',
  `user_last_name`        string COMMENT 'sender\'s last name (NULL when pseudonymised)',
  `user_username`         string COMMENT 'sender\'s @username without @ (NULL when pseudonymised)',
  `sender_chat_id`        bigint COMMENT 'chat on whose behalf the message was sent: anonymous admins, channels',
  `sender_chat_title`     string COMMENT 'title of sender_chat',
  `text`                  string COMMENT 'the text, or the caption of media',
  `content_type`          string COMMENT 'text, photo, sticker, voice, video, video_note, document, animation, audio, poll, location, contact, … (lake/message_fields.py); service (not counted); reaction, reaction_count (anonymous totals), member; other',
  `service_action`        string COMMENT 'for content_type = service: new_chat_members, left_chat_member, pinned_message, migrate_to_chat_id, …',
  `new_member_ids`        array<bigint> COMMENT 'users who joined (service message new_chat_members)',
  `reply_to_message_id`   bigint COMMENT 'message this one replies to',
  `forward_origin_type`   string COMMENT 'user, hidden_user, chat or channel, for forwarded messages',
  `hashtags`              array<string> COMMENT 'hashtags from the entities, lower-cased, with #',
  `mentions`              array<string> COMMENT '@mentions from the entities, with @',
  `urls`                  array<string> COMMENT 'URLs from url and text_link entities',
  `reaction_emojis`       array<string> COMMENT 'new reactions, for message_reaction updates',
  `new_member_bot_ids`    array<bigint> COMMENT 'those of new_member_ids that are bots',
  `member_user_id`        bigint COMMENT 'the member a membership change is about: chat_member / my_chat_member\'s new_chat_member.user, or a left_chat_member service message\'s user (who performed it is user_id)',
  `member_is_bot`         boolean COMMENT 'member_user_id is a bot',
  `member_old_status`     string COMMENT 'chat_member / my_chat_member: the member\'s status before (member, left, …)',
  `member_new_status`     string COMMENT 'chat_member / my_chat_member: the member\'s status after',
  `reaction_count_emojis` array<string> COMMENT 'message_reaction_count: each reaction (emoji, custom:<id> or paid), with its total at the same position in reaction_count_totals',
  `reaction_count_totals` array<bigint> COMMENT 'message_reaction_count: the anonymous total of each reaction',
  `keyword_text`          string COMMENT 'the text with every span an entity marks as a url, text link, mention, e-mail, phone number, bot command or cashtag blanked out: what the keywords read',
  `member_was_in_chat`    boolean COMMENT 'member_user_id was in the chat before the change (creator, administrator, member, or restricted and still a member); a left_chat_member message: true',
  `member_is_in_chat`     boolean COMMENT 'member_user_id is in the chat after the change; a join is false then true, a leave true then false',
  `migrate_chat_id`       bigint COMMENT 'a migration service message\'s other chat: migrate_to_chat_id in the old group, migrate_from_chat_id in the supergroup it became',
  `keyword_tokens`        array<string> COMMENT 'retired: the words of keyword_text by an older rule (parser versions before 5); NULL since, superseded by terms',
  `emojis`                array<string> COMMENT 'the distinct emoji of text (include/sql/emoji.sql), sorted: what the emoji report counts, computed once at consolidation; NULL where the text holds none',
  `topic_id`              bigint COMMENT 'the forum topic of a message: message_thread_id where is_topic_message, else 1 (the General topic) in a forum (chat.is_forum); NULL outside forums, where message_thread_id names a reply thread',
  `topic_name`            string COMMENT 'forum_topic_created / forum_topic_edited: the topic\'s name, or its new name',
  `chat_username`         string COMMENT 'the group\'s public @username without @, for t.me links; NULL for a private one',
  `language`              string COMMENT 'ISO 639-1 code of the language of keyword_text (text/language.py): by its script, its words, or for a short text its sender\'s that day; NULL without letters',
  `terms`                 array<string> COMMENT 'the distinct terms of keyword_text by the word rule (text/words.py), sorted: stems of the words that count, hashtags, and two-word phrases (\'stem stem\'); what the keywords report counts and the search finds; [] for a text without any, NULL without text',
  `term_forms`            array<string> COMMENT 'each term as this message first wrote it, at the same position as in terms'
)
PARTITIONED BY (`context_date` string)
STORED AS PARQUET
LOCATION 's3://your-lake-bucket/curated/messages/'
TBLPROPERTIES (
  'classification' = 'parquet',
  'parquet.compression' = 'ZSTD'
);
