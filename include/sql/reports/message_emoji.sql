-- Every emoji of the counted messages' texts and captions (kept from text_from on), once per message:
-- one grapheme (a skin tone, a keycap, a flag or a sequence joined by zero-width joiners stays whole; as
-- typed, so ❤ and ❤️ are two). Found once for all the ranges built together; each adds up its days.
SELECT DISTINCT
  m.chat_id,
  m.origin_chat_id,
  m.message_id,
  m.day,
  m.sender_id,
  e.emoji
FROM (
  SELECT
    chat_id,
    origin_chat_id,
    message_id,
    day,
    sender_id,
    REGEXP_EXTRACT_ALL(text, '[\x{1F1E6}-\x{1F1FF}]{2}|[0-9#*]\x{FE0F}?\x{20E3}|[\x{1F000}-\x{1FAFF}\x{2300}-\x{23FF}\x{2600}-\x{27BF}\x{2B00}-\x{2BFF}][\x{FE0E}\x{FE0F}]?[\x{1F3FB}-\x{1F3FF}]?(?:[\x{E0020}-\x{E007E}]+\x{E007F})?(?:\x{200D}[\x{1F000}-\x{1FAFF}\x{2300}-\x{23FF}\x{2600}-\x{27BF}\x{2B00}-\x{2BFF}][\x{FE0E}\x{FE0F}]?[\x{1F3FB}-\x{1F3FF}]?)*') AS emojis
  FROM counted_messages
  -- one quick pass finds the texts with a pictograph at all; only those are taken apart
  WHERE REGEXP_MATCHES(text, '[\x{1F000}-\x{1FAFF}\x{2300}-\x{23FF}\x{2600}-\x{27BF}\x{2B00}-\x{2BFF}\x{20E3}]')
) AS m
CROSS JOIN UNNEST(m.emojis) AS e(emoji)