-- The latest version of each message stored more than once: edited (an edit is stored as a row of its
-- own, in its edit day's partition) or imported from an export, which can overlap what the webhook
-- stored. The latest is the greatest coalesce(edited_at, sent_at); on a tie the live update wins over
-- the imported one (imports have negative update_ids). Bots' versions are left out unless include_bots.
-- Every other message is its live original alone (Telegram sends a message once), so only these few
-- are ranked, not every message of the span.
WITH revised AS (
  SELECT DISTINCT
    origin_chat_id,
    message_id
  FROM message_versions
  WHERE context_date BETWEEN $scan_from AND $scan_to AND NOT live_original
)
SELECT
  origin_chat_id,
  message_id,
  context_date,
  update_id
FROM (
  SELECT
    v.origin_chat_id,
    v.message_id,
    v.context_date,
    v.update_id,
    ROW_NUMBER() OVER (
      PARTITION BY v.origin_chat_id, v.message_id
      ORDER BY COALESCE(v.edited_at, v.sent_at) DESC, v.update_id DESC
    ) AS version
  FROM message_versions AS v
  JOIN revised AS r
    ON r.origin_chat_id = v.origin_chat_id AND r.message_id = v.message_id
  WHERE v.context_date BETWEEN $scan_from AND $scan_to AND ($include_bots OR NOT v.sender_is_bot)
) AS versions
WHERE version = 1
