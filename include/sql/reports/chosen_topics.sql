-- The forum topics the counting is limited to (the topic parameter: a topic's id, or its name in any
-- case), in every forum that has one of that id or name; none when the parameter is empty, and then
-- every message counts (counted_versions). The search reads it too, so --topic means the same in both.
SELECT
  chat_id,
  topic_id
FROM forum_topics
WHERE $topic <> '' AND (CAST(topic_id AS VARCHAR) = $topic OR LOWER(topic) = LOWER($topic))
