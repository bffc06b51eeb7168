-- The latest version of each message: one row per (chat_id, message_id) among the message rows
-- (message, edited_message, channel_post, edited_channel_post), the one with the greatest
-- coalesce(edited_at, sent_at); on a tie the greatest update_id (a live update over an imported one).
-- Runs unchanged on DuckDB and on Athena (Trino); it reads the `messages` table of the schema in use.
SELECT *
FROM (
    SELECT
        m.*,
        row_number() OVER (
            PARTITION BY m.chat_id, m.message_id
            ORDER BY coalesce(m.edited_at, m.sent_at) DESC, m.update_id DESC
        ) AS version_rank
    FROM messages AS m
    WHERE m.update_type IN ('message', 'edited_message', 'channel_post', 'edited_channel_post')
      AND m.message_id IS NOT NULL
) AS versions
WHERE version_rank = 1
