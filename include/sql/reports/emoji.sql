-- The emoji of texts and captions: per group, each emoji (one grapheme: a skin tone, a keycap, a flag
-- or a sequence joined by zero-width joiners stays whole; as typed, so ❤ and ❤️ are two), the messages
-- containing it (each message once), the distinct members who used it, and its rank (ties share one).
WITH found AS (
  SELECT DISTINCT
    m.chat_id,
    m.origin_chat_id,
    m.message_id,
    m.sender_id,
    e.emoji
  FROM (
    SELECT
      chat_id,
      origin_chat_id,
      message_id,
      sender_id,
      REGEXP_EXTRACT_ALL(text, '[\x{1F1E6}-\x{1F1FF}]{2}|[0-9#*]\x{FE0F}?\x{20E3}|[\x{1F000}-\x{1FAFF}\x{2300}-\x{23FF}\x{2600}-\x{27BF}\x{2B00}-\x{2BFF}][\x{FE0E}\x{FE0F}]?[\x{1F3FB}-\x{1F3FF}]?(?:[\x{E0020}-\x{E007E}]+\x{E007F})?(?:\x{200D}[\x{1F000}-\x{1FAFF}\x{2300}-\x{23FF}\x{2600}-\x{27BF}\x{2B00}-\x{2BFF}][\x{FE0E}\x{FE0F}]?[\x{1F3FB}-\x{1F3FF}]?)*') AS emojis
    FROM counted_messages
    WHERE
      day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
      -- one quick pass finds the texts with a pictograph at all; only those are taken apart
      AND REGEXP_MATCHES(text, '[\x{1F000}-\x{1FAFF}\x{2300}-\x{23FF}\x{2600}-\x{27BF}\x{2B00}-\x{2BFF}\x{20E3}]')
  ) AS m
  CROSS JOIN UNNEST(m.emojis) AS e(emoji)
)
SELECT
  chat_id,
  emoji,
  CAST(COUNT(*) AS BIGINT) AS messages,
  CAST(COUNT(DISTINCT sender_id) AS BIGINT) AS users,
  CAST(RANK() OVER (PARTITION BY chat_id ORDER BY COUNT(*) DESC, COUNT(DISTINCT sender_id) DESC) AS BIGINT) AS rank
FROM found
GROUP BY chat_id, emoji
ORDER BY chat_id, rank, emoji
