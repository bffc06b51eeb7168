-- Every emoji of the counted messages' texts and captions (kept from text_from on), once per message:
-- each message's emojis, found at consolidation by the rule of include/sql/emoji.sql. Unnested once for
-- all the ranges built together; each adds up its own days.
SELECT
  m.chat_id,
  m.origin_chat_id,
  m.message_id,
  m.day,
  m.sender_id,
  e.emoji
-- the list as a column of a filtered relation first: DuckDB unnests that in one pass
FROM (
  SELECT
    chat_id,
    origin_chat_id,
    message_id,
    day,
    sender_id,
    emojis
  FROM counted_messages
  WHERE emojis IS NOT NULL
) AS m
CROSS JOIN UNNEST(m.emojis) AS e(emoji)
