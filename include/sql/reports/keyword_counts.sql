-- The most discussed topics of each group, counted, before they are shown in words (keywords): added up
-- from keyword_uses over the range's buckets, the terms consolidation stored for each counted message
-- (text/words.py: word stems with no stopword of the message's language among them, hashtags, and
-- two-word phrases "stem stem"). A phrase is a topic where it recurs (3 messages or more) and holds at
-- least half the uses of one of its words; a word is then left out where one such phrase holds 80 % of its
-- uses (the phrase says it better). A name's first word may be no term of its own ("são paul": São is a
-- stopword but in a name), and holds no use outside its names. The top keyword_limit ranks, and the
-- tracked keywords (tracked_keywords: each keyword's terms, as text/words.py reads it in every language of
-- its script), always reported for every group, at zero when nobody used them (tracked_keyword: the
-- keyword as configured, for those not among the ranked topics; NULL for the others).
WITH per_sender AS (
  SELECT
    chat_id,
    keyword AS term,
    sender_id,
    SUM(messages) AS messages
  FROM keyword_uses
  WHERE bucket BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
  GROUP BY chat_id, keyword, sender_id
),
counted AS (
  SELECT
    chat_id,
    term,
    SUM(messages) AS messages,
    COUNT(sender_id) AS users
  FROM per_sender
  GROUP BY chat_id, term
),
phrases AS (
  SELECT
    p.chat_id,
    p.term,
    p.messages,
    p.users,
    w1.term AS first_term,
    w1.messages AS first_messages,
    w2.term AS second_term,
    w2.messages AS second_messages
  FROM counted AS p
  LEFT JOIN counted AS w1
    ON w1.chat_id = p.chat_id AND w1.term = SPLIT_PART(p.term, ' ', 1)
  JOIN counted AS w2
    ON w2.chat_id = p.chat_id AND w2.term = SPLIT_PART(p.term, ' ', 2)
  WHERE
    p.term LIKE '% %'
    AND p.messages >= 3
    AND 2 * p.messages >= LEAST(COALESCE(w1.messages, p.messages), w2.messages)
),
covered AS (
  SELECT chat_id, first_term AS term FROM phrases WHERE 5 * messages >= 4 * first_messages
  UNION
  SELECT chat_id, second_term AS term FROM phrases WHERE 5 * messages >= 4 * second_messages
),
topics AS (
  SELECT c.chat_id, c.term, c.messages, c.users, FALSE AS phrase
  FROM counted AS c
  LEFT JOIN covered AS v
    ON v.chat_id = c.chat_id AND v.term = c.term
  WHERE c.term NOT LIKE '% %' AND v.term IS NULL
  UNION ALL
  SELECT chat_id, term, messages, users, TRUE AS phrase
  FROM phrases
),
ranked AS (
  SELECT
    chat_id,
    term,
    messages,
    users,
    phrase,
    RANK() OVER (PARTITION BY chat_id ORDER BY messages DESC, users DESC) AS rank
  FROM topics
),
shown AS (
  SELECT r.*, t.term IS NOT NULL AS tracked
  FROM ranked AS r
  LEFT JOIN (SELECT DISTINCT term FROM tracked_keywords) AS t
    ON t.term = r.term
  WHERE r.rank <= $keyword_limit
),
-- tracked keywords none of whose terms is among the group's shown topics: reported apart, at zero if unused
tracked_rest AS (
  SELECT g.chat_id, k.keyword, k.term
  FROM chats AS g
  CROSS JOIN tracked_keywords AS k
  WHERE NOT EXISTS (SELECT 1 FROM shown AS s JOIN tracked_keywords AS o ON o.term = s.term
    WHERE s.chat_id = g.chat_id AND o.keyword = k.keyword)
),
tracked_counts AS (
  SELECT
    k.chat_id,
    k.keyword,
    -- the term most used, else the keyword as typed (folded), else any of its terms
    COALESCE(ARG_MAX(k.term, p.messages), MIN(CASE WHEN k.term = LOWER(k.keyword) THEN k.term END), MIN(k.term))
      AS term,
    CAST(COALESCE(SUM(p.messages), 0) AS BIGINT) AS messages,
    COUNT(DISTINCT p.sender_id) AS users
  FROM tracked_rest AS k
  LEFT JOIN per_sender AS p
    ON p.chat_id = k.chat_id AND p.term = k.term
  GROUP BY k.chat_id, k.keyword
)
SELECT
  chat_id,
  term,
  CAST(NULL AS VARCHAR) AS tracked_keyword,
  CAST(messages AS BIGINT) AS messages,
  CAST(users AS BIGINT) AS users,
  CAST(rank AS BIGINT) AS rank,
  tracked,
  phrase
FROM shown
UNION ALL
SELECT
  chat_id,
  term,
  keyword AS tracked_keyword,
  messages,
  CAST(users AS BIGINT) AS users,
  CAST(NULL AS BIGINT) AS rank,
  TRUE AS tracked,
  term LIKE '% %' AS phrase
FROM tracked_counts
