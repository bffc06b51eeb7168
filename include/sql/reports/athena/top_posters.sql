-- Generated from include/sql/reports/top_posters.sql and counted_messages.sql by sqlglot (Trino dialect).
-- Do not edit: run `python -m telegram_pipeline report --write-athena-sql` after changing the DuckDB SQL.
-- Parameters (:name) and the tables stopwords(word) / tracked_keywords(keyword) are bound at run time.
/* Messages per sender. The sender is the user, or the chat an anonymous admin or a channel posted as. */
/* Messages with no sender at all (a damaged export) count together under 'unknown sender' (user_id NULL). */
WITH counted_messages AS (
  /* The messages every report counts (DuckDB SQL; the Athena files are generated from it). */
  /* A message is a message/channel post or an edit of one, not a service message, counted once per */
  /* (chat_id, message_id) in its latest version (greatest coalesce(edited_at, sent_at); on a tie the */
  /* live update wins over the imported one). Its day and hour are those of sent_at in the timezone parameter. */
  /* Partitions are scanned with a margin (scan_from..scan_to): an edit lands in its edit day's */
  /* partition but counts on the day the message was sent. Bots are left out unless include_bots; */
  /* anonymous admins post as GroupAnonymousBot (a bot) on behalf of the group, and count for the group. */
  /* keyword_text is the text without the spans its entities mark as links, mentions, e-mails, … */
  /* (partitions written before that column existed read their text). */
  SELECT
    chat_id,
    message_id,
    CAST(local_sent_at AS DATE) AS day,
    local_sent_at,
    sender_id,
    sender_name,
    text,
    keyword_text
  FROM (
    SELECT
      chat_id,
      message_id,
      sent_at AT TIME ZONE :timezone AS local_sent_at,
      sender_id,
      sender_name,
      text,
      keyword_text
    FROM (
      SELECT
        chat_id,
        message_id,
        sent_at,
        CASE WHEN NOT sender_chat_id IS NULL THEN sender_chat_id ELSE user_id END AS sender_id,
        CASE
          WHEN NOT sender_chat_id IS NULL
          THEN sender_chat_title
          ELSE COALESCE(
            NULLIF(
              TRIM(
                CONCAT(
                  CAST(COALESCE(user_first_name, '') AS VARCHAR),
                  CAST(' ' AS VARCHAR),
                  CAST(COALESCE(user_last_name, '') AS VARCHAR)
                )
              ),
              ''
            ),
            CONCAT(CAST('@' AS VARCHAR), CAST(user_username AS VARCHAR))
          )
        END AS sender_name,
        sender_chat_id IS NULL AND COALESCE(user_is_bot, FALSE) AS sender_is_bot,
        text,
        COALESCE(keyword_text, text) AS keyword_text,
        ROW_NUMBER() OVER (
          PARTITION BY chat_id, message_id
          ORDER BY COALESCE(edited_at, sent_at) DESC, update_id DESC
        ) AS version
      FROM messages
      WHERE
        context_date BETWEEN :scan_from AND :scan_to
        AND update_type IN ('message', 'edited_message', 'channel_post', 'edited_channel_post')
        AND COALESCE(content_type, '') <> 'service'
        AND NOT message_id IS NULL
        AND NOT sent_at IS NULL
    ) AS versions
    WHERE
      version = 1 AND (
        :include_bots OR NOT sender_is_bot
      )
  ) AS latest
  WHERE
    CAST(local_sent_at AS DATE) BETWEEN CAST(:from_date AS DATE) AND CAST(:to_date AS DATE)
), per_sender AS (
  SELECT
    sender_id,
    MAX_BY(sender_name, local_sent_at) AS sender_name,
    COUNT(*) AS messages
  FROM counted_messages
  GROUP BY
    sender_id
)
SELECT
  CAST(sender_id AS BIGINT) AS user_id,
  CASE
    WHEN sender_id IS NULL
    THEN 'unknown sender'
    ELSE COALESCE(sender_name, CONCAT(CAST('user ' AS VARCHAR), CAST(sender_id AS VARCHAR)))
  END AS user_name,
  CAST(messages AS BIGINT) AS messages,
  CAST(messages AS DOUBLE) / SUM(messages) OVER () AS share,
  CAST(RANK() OVER (ORDER BY messages DESC) AS BIGINT) AS rank
FROM per_sender
ORDER BY
  rank,
  user_id
