-- The most discussed terms, read from keyword_text: the text with every span its entities mark as a
-- link, mention, e-mail, phone number, bot command or cashtag blanked out. Text is lower-cased with
-- accents kept; URLs (any scheme: https://, tg://, …), e-mail addresses and @mentions that no entity
-- marks (text without entities) are matched whole by the first alternatives of the pattern and then
-- dropped; hashtags keep their #; words shorter than 3 letters and stopwords are dropped, except
-- tracked keywords, which are always reported, at zero when nobody used them.
WITH tokens AS (
  SELECT
    m.sender_id,
    t.token
  FROM counted_messages AS m
  -- each token once per message
  CROSS JOIN UNNEST(
    ARRAY_DISTINCT(REGEXP_EXTRACT_ALL(
      REPLACE(LOWER(m.keyword_text), '’', ''''),
      '[a-z][a-z0-9+.-]*://\S+|www\.\S+|t\.me/\S+|[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+|@[\p{L}\p{N}_]+|#[\p{L}\p{M}\p{N}_]+|\p{L}[\p{L}\p{M}]*(?:''\p{L}[\p{L}\p{M}]*)*'
    ))
  ) AS t(token)
  WHERE m.keyword_text IS NOT NULL
),
counted AS (
  SELECT
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
  GROUP BY token
),
ranked AS (
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
  k.keyword IS NOT NULL AS tracked
FROM ranked AS r
FULL OUTER JOIN tracked_keywords AS k
  ON r.keyword = k.keyword
WHERE
  r.rank <= $keyword_limit OR k.keyword IS NOT NULL
ORDER BY messages DESC, users DESC, keyword
