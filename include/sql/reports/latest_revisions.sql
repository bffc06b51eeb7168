-- The latest version of each message stored more than once: edited (an edit is stored as a row of its
-- own, in its edit day's partition) or imported from an export, which can overlap what the webhook
-- stored. The latest is the greatest coalesce(edited_at, sent_at); on a tie the live update wins over
-- the imported one (imports have negative update_ids). Bots' versions are left out unless include_bots.
-- Every other message is its live original alone (Telegram sends a message once), so only these few
-- are ranked, not every message of the span.
WITH versions AS (
  -- the partitions read once for both uses below (DuckDB keeps a query's result that is read twice):
  -- reading them is most of this stage's time, and over a long history it reads twice the days the
  -- ranges count (the comparison period before them)
  SELECT
    origin_chat_id,
    message_id,
    context_date,
    update_id,
    live_original,
    sender_is_bot,
    COALESCE(edited_at, sent_at) AS versioned_at
  FROM message_versions
  WHERE context_date BETWEEN $scan_from AND $scan_to
),
revised AS (
  SELECT DISTINCT
    origin_chat_id,
    message_id
  FROM versions
  WHERE NOT live_original
)
-- the latest as an aggregate of each message's versions: a window ranking them (ROW_NUMBER) sorts the
-- 300,000 versions of 3 million messages in twice the time
SELECT
  v.origin_chat_id,
  v.message_id,
  ARG_MAX(v.context_date, (v.versioned_at, v.update_id)) AS context_date,
  ARG_MAX(v.update_id, (v.versioned_at, v.update_id)) AS update_id
FROM versions AS v
JOIN revised AS r
  ON r.origin_chat_id = v.origin_chat_id AND r.message_id = v.message_id
WHERE $include_bots OR NOT v.sender_is_bot
GROUP BY v.origin_chat_id, v.message_id
