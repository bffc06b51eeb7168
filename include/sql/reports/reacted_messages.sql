-- Every counted message from text_from on that holds reactions at the end of the ranges built together
-- (they all end on the span's last day), with how many it holds, the Telegram Stars its paid reaction
-- holds, the reaction it holds most of, and the first 200 characters of its text: joined once for all the
-- ranges, each then takes its own days. A paid reaction's total counts stars, one for each star sent, not
-- people: it is kept apart (stars), so that a post's reactions are what people gave and the reaction it
-- holds most of is never paid.
WITH per_message AS (
  SELECT
    origin_chat_id,
    message_id,
    SUM(CASE WHEN emoji <> 'paid' THEN reactions ELSE 0 END) AS reactions,
    SUM(CASE WHEN emoji = 'paid' THEN reactions ELSE 0 END) AS stars,
    -- the reaction held most (on a tie, the first in code point order)
    MIN(CASE WHEN top = 1 AND emoji <> 'paid' THEN emoji END) AS top_emoji
  FROM (
    SELECT
      origin_chat_id,
      message_id,
      emoji,
      reactions,
      ROW_NUMBER() OVER (
        PARTITION BY origin_chat_id, message_id ORDER BY emoji = 'paid', reactions DESC, emoji
      ) AS top
    FROM message_reactions
    WHERE reactions > 0
  ) AS ranked_emoji
  GROUP BY origin_chat_id, message_id
)
SELECT
  m.chat_id,
  m.origin_chat_id,
  m.message_id,
  m.day,
  m.sender_id,
  m.sent_at,
  SUBSTRING(m.text, 1, 200) AS text,
  r.reactions,
  r.stars,
  r.top_emoji
FROM counted_messages AS m
JOIN per_message AS r
  ON r.origin_chat_id = m.origin_chat_id AND r.message_id = m.message_id
WHERE m.day >= CAST($text_from AS DATE)
