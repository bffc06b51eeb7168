-- The forum topics of each group, as far back as the curated zone goes (the history state of the days
-- before the recent ones, then the recent partitions): every topic a forum_topic_created or
-- forum_topic_edited message is about, with the name the latest of them gave it, else the name it was
-- created with that its messages carry (group_updates' topic_named_at); and the General topic
-- (id 1) of every forum (a group with a message in a topic), "General" until renamed. A forum's messages
-- outside any topic (its messages from before it had topics, too) are the General topic's.
WITH named AS (
  SELECT
    chat_id,
    topic_id,
    ARG_MAX(topic, named_at) AS topic
  FROM (
    SELECT
      chat_id,
      id AS topic_id,
      name AS topic,
      last_at AS named_at
    FROM group_history
    WHERE kind = 'topic'
    UNION ALL
    SELECT
      chat_id,
      topic_id,
      topic_name AS topic,
      topic_named_at AS named_at
    FROM group_updates
    WHERE context_date BETWEEN $recent_from AND $scan_to AND topic_name IS NOT NULL AND topic_id IS NOT NULL
  ) AS names
  GROUP BY chat_id, topic_id
),
forums AS (
  SELECT chat_id
  FROM group_history
  WHERE kind = 'forum'
  UNION
  SELECT chat_id
  FROM group_updates
  WHERE context_date BETWEEN $recent_from AND $scan_to AND topic_id IS NOT NULL
)
SELECT
  chat_id,
  topic_id,
  topic
FROM named
UNION ALL
SELECT
  chat_id,
  1 AS topic_id,
  'General' AS topic
FROM forums
WHERE chat_id NOT IN (SELECT chat_id FROM named WHERE topic_id = 1)
