-- Where the messages each group forwards come from (forwarded_messages): per source (a channel, a group, a user by their id;
-- a source Telegram names but does not identify, by that name), its kind, its latest name in the range,
-- the forwarded messages of the range, and its rank (ties share one).
WITH forwarded AS (
  SELECT
    chat_id,
    CASE forward_origin_type
      WHEN 'chat' THEN 'group'
      -- a hidden user, live; imported, any source an export names without its id (a channel too): the
      -- Bot API has no other origin for either, and 'name only' is what both are
      WHEN 'hidden_user' THEN 'name only'
      ELSE forward_origin_type
    END AS source_type,
    forward_source_id AS source_id,
    forward_source_name AS source_name,
    sent_at
  FROM forwarded_messages
  WHERE day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
),
sources AS (
  SELECT
    chat_id,
    source_type,
    source_id,
    ARG_MAX(source_name, CASE WHEN source_name IS NOT NULL THEN sent_at END) AS source_name,
    COUNT(*) AS messages
  FROM forwarded
  GROUP BY chat_id, source_type, source_id, CASE WHEN source_id IS NULL THEN source_name END
)
SELECT
  chat_id,
  CAST(source_id AS BIGINT) AS source_id,
  source_name,
  source_type,
  CAST(messages AS BIGINT) AS messages,
  CAST(RANK() OVER (PARTITION BY chat_id ORDER BY messages DESC) AS BIGINT) AS rank
FROM sources
ORDER BY chat_id, rank, source_type, source_id, source_name
