-- How many of each reaction every message holds at the range's end. Each reactor's latest
-- message_reaction counts what it holds then: a change replaces, a removal (an empty new_reaction)
-- takes away. Where reactions are anonymous, message_reaction_count gives totals: the latest of those
-- counts where it is larger. Reactions by bots are left out unless include_bots.
WITH reaction_updates AS (
  -- both kinds of reaction update, read from the lake in one pass
  SELECT
    origin_chat_id,
    message_id,
    update_type,
    update_id,
    sent_at,
    sender_chat_id,
    user_id,
    user_is_bot,
    reaction_emojis,
    reaction_count_emojis,
    reaction_count_totals
  FROM group_updates
  WHERE
    context_date BETWEEN $near_from AND $to_date
    AND update_type IN ('message_reaction', 'message_reaction_count')
    AND message_id IS NOT NULL
    -- only the messages from text_from on are read with their reactions (counted_messages,
    -- reacted_messages), and a reaction is dated (or, undated, received) at or after its message (an
    -- imported one with it): the partitions before near_from are left unopened, and in those after it the
    -- row groups of the updates sent before are skipped by their statistics
    AND (sent_at IS NULL OR sent_at >= CAST($text_from AS TIMESTAMP) - INTERVAL '1' DAY)
),
latest AS (
  SELECT
    origin_chat_id,
    message_id,
    reaction_emojis,
    ROW_NUMBER() OVER (
      PARTITION BY origin_chat_id, message_id, COALESCE(sender_chat_id, user_id)
      ORDER BY sent_at DESC, update_id DESC
    ) AS n
  FROM reaction_updates
  WHERE
    update_type = 'message_reaction'
    AND COALESCE(sender_chat_id, user_id) IS NOT NULL
    AND ($include_bots OR sender_chat_id IS NOT NULL OR NOT COALESCE(user_is_bot, FALSE))
),
held AS (
  SELECT
    l.origin_chat_id,
    l.message_id,
    r.emoji,
    COUNT(*) AS reactions
  FROM (SELECT origin_chat_id, message_id, reaction_emojis FROM latest WHERE n = 1) AS l
  CROSS JOIN UNNEST(l.reaction_emojis) AS r(emoji)
  GROUP BY l.origin_chat_id, l.message_id, r.emoji
),
latest_totals AS (
  SELECT
    origin_chat_id,
    message_id,
    reaction_count_emojis,
    reaction_count_totals,
    ROW_NUMBER() OVER (PARTITION BY origin_chat_id, message_id ORDER BY sent_at DESC, update_id DESC) AS n
  FROM reaction_updates
  WHERE update_type = 'message_reaction_count'
),
anonymous AS (
  SELECT
    t.origin_chat_id,
    t.message_id,
    t.reaction_count_emojis[p.i] AS emoji,
    t.reaction_count_totals[p.i] AS reactions
  FROM (
    SELECT origin_chat_id, message_id, reaction_count_emojis, reaction_count_totals
    FROM latest_totals
    -- a latest count of none (every anonymous reaction taken back) has nothing to unnest: Athena's
    -- SEQUENCE(1, 0) would be [1, 0], and its subscripts fail the query
    WHERE n = 1 AND ARRAY_LENGTH(reaction_count_emojis) > 0
  ) AS t
  CROSS JOIN UNNEST(GENERATE_SERIES(1, ARRAY_LENGTH(t.reaction_count_emojis))) AS p(i)
)
SELECT
  COALESCE(h.origin_chat_id, a.origin_chat_id) AS origin_chat_id,
  COALESCE(h.message_id, a.message_id) AS message_id,
  COALESCE(h.emoji, a.emoji) AS emoji,
  GREATEST(COALESCE(h.reactions, 0), COALESCE(a.reactions, 0)) AS reactions
FROM held AS h
FULL OUTER JOIN anonymous AS a
  ON a.origin_chat_id = h.origin_chat_id AND a.message_id = h.message_id AND a.emoji = h.emoji
