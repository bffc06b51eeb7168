-- Generated from include/sql/reports/keywords.sql and counted_messages.sql by sqlglot (Trino dialect).
-- Do not edit: run `python -m telegram_pipeline report --write-athena-sql` after changing the DuckDB SQL.
-- Parameters (:name) and the tables stopwords(word) / tracked_keywords(keyword) are bound at run time.
/* The most discussed terms, read from keyword_text: the text with every span its entities mark as a */
/* link, mention, e-mail, phone number, bot command or cashtag blanked out. Text is lower-cased with */
/* accents kept; URLs (any scheme: https://, tg://, …), e-mail addresses and @mentions that no entity */
/* marks (text without entities) are matched whole by the first alternatives of the pattern and then */
/* dropped; hashtags keep their #; words shorter than 3 letters and stopwords are dropped, except */
/* tracked keywords, which are always reported, at zero when nobody used them. */
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
), tokens AS (
  SELECT
    m.sender_id,
    t.token
  FROM counted_messages AS m
  /* each token once per message */
  CROSS JOIN UNNEST(ARRAY_DISTINCT(
    REGEXP_EXTRACT_ALL(
      REPLACE(LOWER(m.keyword_text), '’', ''''),
      '[a-z][a-z0-9+.-]*://\S+|www\.\S+|t\.me/\S+|[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+|@[\p{L}\p{N}_]+|#[\p{L}\p{M}\p{N}_]+|\p{L}[\p{L}\p{M}]*(?:''\p{L}[\p{L}\p{M}]*)*'
    )
  )) AS t(token)
  WHERE
    NOT m.keyword_text IS NULL
), counted AS (
  SELECT
    token AS keyword,
    COUNT(*) AS messages,
    COUNT(DISTINCT sender_id) AS users
  FROM tokens
  WHERE
    token IN (
      SELECT
        keyword
      FROM tracked_keywords
    )
    OR token LIKE '#%'
    OR (
      token NOT LIKE '%@%'
      AND token NOT LIKE '%/%'
      AND token NOT LIKE '%.%'
      AND LENGTH(token) >= 3
      AND NOT token IN (
        SELECT
          word
        FROM stopwords
      )
    )
  GROUP BY
    token
), ranked AS (
  SELECT
    keyword,
    messages,
    users,
    RANK() OVER (ORDER BY messages DESC, users DESC) AS rank
  FROM counted
)
SELECT
  COALESCE(r.keyword, k.keyword) AS keyword,
  CAST(COALESCE(r.messages, 0) AS BIGINT) AS messages,
  CAST(COALESCE(r.users, 0) AS BIGINT) AS users,
  CAST(r.rank AS BIGINT) AS rank,
  NOT k.keyword IS NULL AS tracked
FROM ranked AS r
FULL OUTER JOIN tracked_keywords AS k
  ON r.keyword = k.keyword
WHERE
  r.rank <= :keyword_limit OR NOT k.keyword IS NULL
ORDER BY
  messages DESC,
  users DESC,
  keyword
