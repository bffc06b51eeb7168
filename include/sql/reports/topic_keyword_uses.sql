-- How many counted messages of each forum topic use each term (terms: text/words.py), per group and bucket of days: as
-- keyword_uses, by topic instead of by sender. Only the messages that name their topic (topic_id set:
-- every message of a forum the Bot API marks as one): a forum's messages from before it had topics, which
-- the topics report counts in General, are left out of General's keywords, since finding them would mean
-- reading every group's messages once more, where topic_id IS NOT NULL skips every other group's files.
SELECT
  m.chat_id,
  m.bucket,
  m.topic_id,
  t.keyword,
  COUNT(*) AS messages
FROM (
  SELECT
    v.chat_id,
    d.bucket,
    v.topic_id,
    v.terms
  FROM counted_versions AS v
  -- the days as dates before the join: a cast after it would run once per term (17 million times for
  -- 3 million messages), where it runs once per day here
  JOIN (SELECT CAST(day AS DATE) AS day, CAST(bucket AS DATE) AS bucket FROM text_days) AS d
    ON d.day = v.day
  -- as keyword_uses: no message sent more than a day before terms_from falls on one of its days, and
  -- none of its versions is stored before near_from: the partitions before are left unopened
  WHERE
    v.topic_id IS NOT NULL
    AND v.context_date >= $near_from
    AND v.sent_at >= CAST($terms_from AS TIMESTAMP) - INTERVAL '1' DAY
) AS m
CROSS JOIN UNNEST(m.terms) AS t(keyword)
GROUP BY m.chat_id, m.bucket, m.topic_id, t.keyword
