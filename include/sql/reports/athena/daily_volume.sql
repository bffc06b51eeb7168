-- Generated from include/sql/reports/daily_volume.sql and counted_messages.sql by sqlglot (Trino dialect).
-- Do not edit: run `python -m telegram_pipeline report --write-athena-sql` after changing the DuckDB SQL.
-- Parameters (:name) and the tables stopwords(word) / tracked_keywords(keyword) are bound at run time.
/* Per day of the range (every day, zeros included): messages, distinct senders, and the distinct users */
/* who joined and who left that day, each day in the group's time zone. Joins and leaves come from both */
/* sources Telegram has, and count once each: the service messages (new_chat_members, left_chat_member) */
/* and the chat_member updates (a member not in the chat before and in it after is a join; the reverse a */
/* leave). Bots are left out unless include_bots. */
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
), days AS (
  SELECT
    CAST(d.day AS DATE) AS day
  FROM UNNEST(SEQUENCE(CAST(:from_date AS DATE), CAST(:to_date AS DATE), INTERVAL '1' DAY)) AS d(day)
), volume AS (
  SELECT
    day,
    COUNT(*) AS messages,
    COUNT(DISTINCT sender_id) AS active_users
  FROM counted_messages
  GROUP BY
    day
), member_changes AS (
  SELECT
    CAST(m.sent_at AT TIME ZONE :timezone AS DATE) AS day,
    j.member_id,
    TRUE AS joined
  FROM messages AS m
  CROSS JOIN UNNEST(m.new_member_ids) AS j(member_id)
  WHERE
    m.context_date BETWEEN :scan_from AND :scan_to
    AND m.content_type = 'service'
    AND m.service_action = 'new_chat_members'
    AND (
      :include_bots OR NOT COALESCE(CONTAINS(m.new_member_bot_ids, j.member_id), FALSE)
    )
  UNION ALL
  SELECT
    CAST(sent_at AT TIME ZONE :timezone AS DATE) AS day,
    member_user_id AS member_id,
    member_is_in_chat AS joined
  FROM messages
  WHERE
    context_date BETWEEN :scan_from AND :scan_to
    AND NOT member_user_id IS NULL
    AND member_was_in_chat <> member_is_in_chat
    AND (
      :include_bots OR NOT COALESCE(member_is_bot, FALSE)
    )
), members AS (
  SELECT
    day,
    COUNT(DISTINCT CASE WHEN joined THEN member_id END) AS new_members,
    COUNT(DISTINCT CASE WHEN NOT joined THEN member_id END) AS left_members
  FROM member_changes
  GROUP BY
    day
)
SELECT
  days.day AS date,
  CAST(COALESCE(volume.messages, 0) AS BIGINT) AS messages,
  CAST(COALESCE(volume.active_users, 0) AS BIGINT) AS active_users,
  CAST(COALESCE(members.new_members, 0) AS BIGINT) AS new_members,
  CAST(COALESCE(members.left_members, 0) AS BIGINT) AS left_members
FROM days
LEFT JOIN volume
  ON volume.day = days.day
LEFT JOIN members
  ON members.day = days.day
ORDER BY
  date
