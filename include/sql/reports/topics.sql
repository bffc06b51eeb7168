-- The topics of each forum group: every topic it ever named (forum_topics) and every topic posted in
-- during the range, quiet ones at zero, so that busy and quiet topics show side by side; a forum's
-- messages outside any topic are the General topic's (1). Per topic: its
-- name (the latest it was given; "topic <id>" when the curated zone holds no name for it), the messages
-- of the range, the distinct members who posted them, the replies in the range to a message of the topic
-- (by someone else, as in interactions), the median wait for a first reply to the topic's messages of the
-- range, and its five most used keywords (topic_top_terms), most used first. Groups without topics have no row.
WITH forums AS (
  SELECT DISTINCT chat_id FROM forum_topics
),
posted AS (
  SELECT
    m.chat_id,
    COALESCE(m.topic_id, 1) AS topic_id,
    COUNT(*) AS messages,
    COUNT(DISTINCT m.sender_id) AS users
  FROM counted_messages AS m
  JOIN forums AS f
    ON f.chat_id = m.chat_id
  WHERE m.day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
  GROUP BY m.chat_id, COALESCE(m.topic_id, 1)
),
answered AS (
  SELECT
    r.chat_id,
    COALESCE(r.topic_id, 1) AS topic_id,
    COUNT(*) AS replies
  FROM replies AS r
  JOIN forums AS f
    ON f.chat_id = r.chat_id
  WHERE
    r.day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
    AND r.message_day BETWEEN CAST($prev_from AS DATE) AND CAST($to_date AS DATE)
  GROUP BY r.chat_id, COALESCE(r.topic_id, 1)
),
waits AS (
  SELECT
    w.chat_id,
    COALESCE(w.topic_id, 1) AS topic_id,
    w.reply_seconds,
    ROW_NUMBER() OVER (PARTITION BY w.chat_id, COALESCE(w.topic_id, 1) ORDER BY w.reply_seconds) AS n,
    COUNT(*) OVER (PARTITION BY w.chat_id, COALESCE(w.topic_id, 1)) AS total
  FROM first_replies AS w
  JOIN forums AS f
    ON f.chat_id = w.chat_id
  WHERE w.day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
),
medians AS (
  -- the middle wait, or the mean of the two middle ones
  SELECT
    chat_id,
    topic_id,
    AVG(reply_seconds) AS median_reply_seconds
  FROM waits
  WHERE n * 2 BETWEEN total AND total + 2
  GROUP BY chat_id, topic_id
),
top_terms AS (
  SELECT
    t.chat_id,
    t.topic_id,
    -- each as the group's topics show it (keyword_forms: the form most of the range's messages wrote)
    STRING_AGG(COALESCE(f.form, t.term), ', ' ORDER BY t.n) AS top_keywords
  FROM topic_top_terms AS t
  LEFT JOIN keyword_forms AS f
    ON f.chat_id = t.chat_id AND f.term = t.term
  GROUP BY t.chat_id, t.topic_id
),
every_topic AS (
  SELECT chat_id, topic_id FROM forum_topics WHERE chat_id IN (SELECT chat_id FROM chats)
  UNION
  SELECT chat_id, topic_id FROM posted
)
SELECT
  e.chat_id,
  CAST(e.topic_id AS BIGINT) AS topic_id,
  COALESCE(f.topic, 'topic ' || CAST(e.topic_id AS VARCHAR)) AS topic,
  CAST(COALESCE(p.messages, 0) AS BIGINT) AS messages,
  CAST(COALESCE(p.users, 0) AS BIGINT) AS users,
  CAST(COALESCE(a.replies, 0) AS BIGINT) AS replies,
  CAST(w.median_reply_seconds AS DOUBLE) AS median_first_reply_seconds,
  t.top_keywords
FROM every_topic AS e
LEFT JOIN forum_topics AS f
  ON f.chat_id = e.chat_id AND f.topic_id = e.topic_id
LEFT JOIN posted AS p
  ON p.chat_id = e.chat_id AND p.topic_id = e.topic_id
LEFT JOIN answered AS a
  ON a.chat_id = e.chat_id AND a.topic_id = e.topic_id
LEFT JOIN medians AS w
  ON w.chat_id = e.chat_id AND w.topic_id = e.topic_id
LEFT JOIN top_terms AS t
  ON t.chat_id = e.chat_id AND t.topic_id = e.topic_id
ORDER BY chat_id, messages DESC, topic_id
