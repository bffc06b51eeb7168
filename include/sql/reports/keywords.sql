-- The most discussed terms. Text is lower-cased with accents kept; URLs, e-mail addresses and
-- @mentions are matched whole by the first alternatives of the pattern and then dropped; hashtags keep
-- their #; words shorter than 3 letters and stopwords are dropped, except tracked keywords, which are
-- always reported, at zero when nobody used them.
WITH tokens AS (
  SELECT
    m.chat_id,
    m.sender_id,
    t.token
  FROM counted_messages AS m
  -- each token once per message
  CROSS JOIN UNNEST(
    ARRAY_DISTINCT(REGEXP_EXTRACT_ALL(
      REPLACE(LOWER(m.text), '’', ''''),
      'https?://\S+|www\.\S+|t\.me/\S+|[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+|@[\p{L}\p{N}_]+|#[\p{L}\p{M}\p{N}_]+|\p{L}[\p{L}\p{M}]*(?:''\p{L}[\p{L}\p{M}]*)*'
    ))
  ) AS t(token)
  WHERE m.text IS NOT NULL AND m.day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
),
counted AS (
  SELECT
    chat_id,
    token AS keyword,
    COUNT(*) AS messages,
    COUNT(DISTINCT sender_id) AS users
  FROM tokens
  WHERE
    token IN (SELECT keyword FROM tracked_keywords)
    OR token LIKE '#%'
    OR (
      token NOT LIKE '%@%'
      AND token NOT LIKE '%/%'
      AND token NOT LIKE '%.%'
      AND LENGTH(token) >= 3
      AND token NOT IN (SELECT word FROM stopwords)
    )
  GROUP BY chat_id, token
),
ranked AS (
  SELECT
    chat_id,
    keyword,
    messages,
    users,
    RANK() OVER (PARTITION BY chat_id ORDER BY messages DESC, users DESC) AS rank
  FROM counted
),
tracked AS (
  SELECT
    g.chat_id,
    t.keyword
  FROM chats AS g
  CROSS JOIN tracked_keywords AS t
)
SELECT
  COALESCE(r.chat_id, k.chat_id) AS chat_id,
  COALESCE(r.keyword, k.keyword) AS keyword,
  CAST(COALESCE(r.messages, 0) AS BIGINT) AS messages,
  CAST(COALESCE(r.users, 0) AS BIGINT) AS users,
  CAST(r.rank AS BIGINT) AS rank,
  k.keyword IS NOT NULL AS tracked
FROM ranked AS r
FULL OUTER JOIN tracked AS k
  ON r.chat_id = k.chat_id AND r.keyword = k.keyword
WHERE
  r.rank <= $keyword_limit OR k.keyword IS NOT NULL
ORDER BY chat_id, messages DESC, users DESC, keyword
