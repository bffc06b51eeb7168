-- Members who joined or left, per group and day (the update's own day), as membership_updates finds
-- them (both of Telegram's sources: a join it reports both ways is two rows; bots left out unless
-- include_bots), each join with its source.
SELECT
  chat_id,
  CAST(context_date AS DATE) AS day,
  member_id,
  change,
  sent_at AS changed_at,
  specificity,
  source
FROM membership_updates
WHERE context_date BETWEEN $scan_from AND $scan_to
