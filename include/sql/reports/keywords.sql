-- The most discussed terms of each group, added up from keyword_uses over the range's buckets: each
-- counted message's keyword_tokens (its distinct terms, by the rule of include/sql/keyword_tokens.sql:
-- from keyword_text, the text with every span its entities mark as a link, mention, e-mail, phone
-- number, bot command or cashtag blanked out; lower-cased with accents kept; URLs, e-mail addresses and
-- @mentions no entity marks taken whole). URLs, e-mail addresses and @mentions are dropped; hashtags
-- keep their #; words shorter than 3 letters and stopwords are dropped, except tracked keywords, which
-- are always reported for every group, at zero when nobody used them.
WITH counted AS (
  SELECT
    chat_id,
    keyword,
    SUM(messages) AS messages,
    COUNT(sender_id) AS users
  FROM (
    SELECT
      chat_id,
      keyword,
      sender_id,
      SUM(messages) AS messages
    FROM keyword_uses
    WHERE bucket BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    GROUP BY chat_id, keyword, sender_id
  ) AS per_sender
  GROUP BY chat_id, keyword
),
kept AS (
  -- which terms count depends on the term alone (include/sql/is_keyword.sql), so it is decided once per
  -- distinct term after counting, not on each of the tens of millions of token rows
  SELECT *
  FROM counted
  WHERE is_keyword(keyword)
),
ranked AS (
  SELECT
    chat_id,
    keyword,
    messages,
    users,
    RANK() OVER (PARTITION BY chat_id ORDER BY messages DESC, users DESC) AS rank
  FROM kept
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
