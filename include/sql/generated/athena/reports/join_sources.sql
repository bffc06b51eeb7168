-- Generated from include/sql/reports/join_sources.sql and the stages it reads (migration_messages, migration_state, chat_migrations, group_updates, message_versions, membership_updates, history_state, group_history, member_history, member_changes) by sqlglot
-- (Trino dialect). Do not edit: run `python -m telegram_pipeline report --write-athena-sql` after
-- changing the DuckDB SQL. Parameters (:name) and the tables tracked_keywords(keyword, term) / migration_markers(old_chat_id, new_chat_id) / text_days(day, bucket) are bound at run time.
/* Where each group's new members come from: every member who joined in the range counts once, under the */
/* most specific source Telegram gave for any of their joins in the range (membership_updates: an invite */
/* link by its name, an approved join request, added by a member, a link, unknown), from their first join */
/* in the range: joins, how many of them are still members at the range's end (their latest join or */
/* leave up to then is a join), and how many posted at least once after joining (member_history). */
WITH migration_messages AS (
  /* Every migration service message, as (old chat id, new chat id) with its day and time: the old group's carries */
  /* migrate_to_chat_id, the supergroup's first message migrate_from_chat_id (both in migrate_chat_id). */
  SELECT
    context_date,
    sent_at,
    CASE
      WHEN service_action = 'migrate_to_chat_id'
      THEN chat_id
      ELSE migrate_chat_id
    END AS old_chat_id,
    CASE
      WHEN service_action = 'migrate_to_chat_id'
      THEN migrate_chat_id
      ELSE chat_id
    END AS new_chat_id
  FROM messages
  WHERE
    service_action IN ('migrate_to_chat_id', 'migrate_from_chat_id')
    AND NOT migrate_chat_id IS NULL
), migration_state AS (
  /* The history state's migrations (see history_state): each group that became a supergroup on a day */
  /* before the recent ones, with the id it moved to, as its migration service messages say (the old */
  /* group's carries migrate_to_chat_id, the supergroup's first message migrate_from_chat_id; both in */
  /* migrate_chat_id). DuckDB reads it from the state consolidation keeps (lake/history.py); Athena */
  /* computes it here. */
  SELECT
    'migration' AS kind,
    old_chat_id AS chat_id,
    new_chat_id AS id,
    FALSE AS is_bot,
    CAST(NULL AS VARCHAR) AS name,
    MIN(sent_at) AS first_at,
    MAX(sent_at) AS last_at
  FROM migration_messages
  WHERE
    context_date < :recent_from
  GROUP BY
    old_chat_id,
    new_chat_id
), chat_migrations AS (
  /* Groups that became supergroups: each old chat id with the id it moved to, so that a group is one */
  /* group across the move. A migration counts for all time: found in the days before the recent ones */
  /* (migration_state), in every partition from the recent days on (migration_messages), and in the */
  /* webhook's markers (raw zone _migrations/{new_id}.json), bound at run time as */
  /* migration_markers(old_chat_id, new_chat_id). */
  SELECT
    old_chat_id,
    MAX(new_chat_id) AS new_chat_id
  FROM (
    SELECT
      chat_id AS old_chat_id,
      id AS new_chat_id
    FROM migration_state
    UNION ALL
    SELECT
      old_chat_id,
      new_chat_id
    FROM migration_messages
    WHERE
      context_date >= :recent_from
    UNION ALL
    SELECT
      old_chat_id,
      new_chat_id
    FROM migration_markers
  ) AS found
  WHERE
    old_chat_id <> new_chat_id
  GROUP BY
    old_chat_id
), group_updates AS (
  /* Every update with its group: chat_id is the group's current id (a group that became a supergroup */
  /* is reported under the supergroup's id), origin_chat_id the id the update was sent under. Message ids */
  /* are only unique within origin_chat_id: a supergroup numbers its messages anew. */
  SELECT
    COALESCE(moved.new_chat_id, m.chat_id) AS chat_id,
    m.chat_id AS origin_chat_id,
    m.context_date,
    m.update_id,
    m.update_type,
    m.chat_title,
    m.message_id,
    m.sent_at,
    m.edited_at,
    m.user_id,
    m.user_is_bot,
    m.user_first_name,
    m.user_last_name,
    m.user_username,
    m.sender_chat_id,
    m.sender_chat_title,
    m.text,
    m.keyword_text,
    m.content_type,
    m.service_action,
    m.new_member_ids,
    m.new_member_bot_ids,
    m.member_user_id,
    m.member_is_bot,
    m.member_old_status,
    m.member_new_status,
    m.member_was_in_chat,
    m.member_is_in_chat,
    m.new_member_names,
    m.member_name,
    m.reply_to_message_id,
    m.mentions,
    m.reaction_emojis,
    m.reaction_count_emojis,
    m.reaction_count_totals,
    m.emojis,
    m.chat_type,
    m.topic_id,
    m.topic_name,
    CASE
      WHEN m.service_action IN ('forum_topic_created', 'forum_topic_edited')
      THEN m.sent_at
      ELSE CAST('1970-01-01 00:00:00' AS TIMESTAMP)
    END AS topic_named_at, /* when topic_name was given: a forum_topic_created or forum_topic_edited message's time; 1970 for the */ /* name a topic's other messages carry from its first message, which any naming then outranks (a later */ /* message still carries the first name of a topic renamed since) */
    m.chat_username,
    m.language,
    m.terms,
    m.term_forms,
    m.member_invite_link,
    m.member_invite_link_name,
    m.member_joined_by,
    m.forward_origin_type,
    m.forward_source_id,
    m.forward_source_name,
    m.is_question,
    m.link_domains,
    m.message_thread_id,
    COALESCE(
      m.sender_chat_id <> m.chat_id
      AND (
        m.sender_chat_id = m.forward_source_id
        OR (
          m.forward_origin_type = 'hidden_user'
          AND m.forward_source_name = m.sender_chat_title
        )
      ),
      FALSE
    ) AS copied_from_channel /* a channel's post that Telegram copies into the channel's discussion group (the Bot API's */ /* is_automatic_forward), told by what both the Bot API and an export store: sent on behalf of a chat */ /* other than the group, forwarded from that same chat (by its id, or by its name where an older export */ /* names the origin only). Of the update's own columns alone, so that a scan tests it as it reads. */
  FROM messages AS m
  LEFT JOIN chat_migrations AS moved
    ON moved.old_chat_id = m.chat_id
), message_versions AS (
  /* Every version of every message, the rows the reports count from. A message is a message or channel */
  /* post (or an edit of one) that is not a service message. Its sender is the user, or the chat it was */
  /* sent on behalf of (anonymous admins post as GroupAnonymousBot for the group; channels as themselves). */
  /* sender_is_bot says whether a bot sent it (the readers leave bots out unless include_bots). A channel's */
  /* post that Telegram copies into the channel's discussion group (group_updates' copied_from_channel) is */
  /* the channel's, not the group's: no version of it is counted (channel_copies reads them). */
  SELECT
    chat_id,
    origin_chat_id,
    context_date,
    update_id,
    CONTAINS(ARRAY['message', 'channel_post'], update_type) AND update_id >= 0 AS live_original,
    message_id,
    sent_at,
    edited_at,
    CASE WHEN NOT sender_chat_id IS NULL THEN sender_chat_id ELSE user_id END AS sender_id,
    sender_chat_title,
    user_first_name,
    user_last_name,
    user_username,
    sender_chat_id IS NULL AND COALESCE(user_is_bot, FALSE) AS sender_is_bot,
    text,
    language, /* the language and the terms as consolidation stored them (text/): a partition written before them has */ /* NULL, and is consolidated again rather than taken apart here */
    terms,
    term_forms,
    COALESCE(
      emojis,
      CASE
        WHEN REGEXP_LIKE(
          text,
          '[\x{1F000}-\x{1FAFF}\x{2300}-\x{23FF}\x{2600}-\x{27BF}\x{2B00}-\x{2BFF}\x{20E3}]'
        )
        THEN ARRAY_DISTINCT(
          REGEXP_EXTRACT_ALL(
            REPLACE(REPLACE(text, CHR(  65038), ''), CHR(  65039), ''),
            '[\x{1F1E6}-\x{1F1FF}]{2}|[0-9#*]\x{FE0F}?\x{20E3}|[\x{1F000}-\x{1FAFF}\x{2300}-\x{23FF}\x{2600}-\x{27BF}\x{2B00}-\x{2BFF}][\x{FE0E}\x{FE0F}]?[\x{1F3FB}-\x{1F3FF}]?(?:[\x{E0020}-\x{E007E}]+\x{E007F})?(?:\x{200D}[\x{1F000}-\x{1FAFF}\x{2300}-\x{23FF}\x{2600}-\x{27BF}\x{2B00}-\x{2BFF}][\x{FE0E}\x{FE0F}]?[\x{1F3FB}-\x{1F3FF}]?)*'
          )
        )
      END
    ) AS emojis, /* computed at consolidation; where a partition was written before that column existed, the same rule */ /* runs on the text (include/sql/emoji.sql, lake/tokens.py) */
    content_type,
    reply_to_message_id,
    mentions,
    topic_id, /* the forum topic (NULL outside forums); the thread Telegram keeps a message in (a reply's, a */ /* comment's on a channel's post), NULL where the update names none (no reply, or a reply imported */ /* before the import gave replies their thread) */
    message_thread_id,
    is_question, /* found at consolidation (text/facts.py); NULL in partitions written before these columns existed */
    link_domains,
    forward_origin_type,
    forward_source_id,
    forward_source_name
  FROM group_updates
  WHERE
    CONTAINS(
      ARRAY['message', 'edited_message', 'channel_post', 'edited_channel_post'],
      update_type
    )
    AND COALESCE(content_type, '') <> 'service'
    AND NOT message_id IS NULL
    AND NOT sent_at IS NULL
    AND NOT copied_from_channel
), membership_updates AS (
  /* Every update of every group that says members joined or left, as far back as the curated zone goes, */
  /* from both sources Telegram has: the new_chat_members and left_chat_member service messages, and */
  /* chat_member updates whose member was not in the chat before and is after (a join) or the reverse (a */
  /* leave); parse.in_chat says who is in the chat (a restricted user only while still a member). One row */
  /* per update with its group (chat_id; origin_chat_id, the id it was sent under), its members */
  /* (member_ids), their names at the same positions (member_names: NULL when pseudonymised, and in a */
  /* partition consolidated before the names were kept) and which of them are bots (bot_ids): the */
  /* readers pick their days first, then unnest. A join's source is the most that Telegram says of it, in this order: the */
  /* invite link it came by (its name, else the link), an approved join request, a member who added them */
  /* (the update's sender is not one of the members), a link (an export's join_group_by_link, a chat */
  /* folder's link), else unknown; specificity orders them the same way (1 = an invite link). */
  WITH changes AS (
    SELECT
      chat_id,
      origin_chat_id,
      context_date,
      sent_at,
      'join' AS change,
      user_id,
      member_joined_by,
      CAST(NULL AS VARCHAR) AS member_invite_link,
      CAST(NULL AS VARCHAR) AS member_invite_link_name,
      new_member_ids AS member_ids,
      new_member_names AS member_names,
      COALESCE(new_member_bot_ids, ARRAY[]) AS bot_ids
    FROM group_updates
    WHERE
      service_action = 'new_chat_members'
    UNION ALL
    SELECT
      chat_id,
      origin_chat_id,
      context_date,
      sent_at,
      CASE WHEN member_is_in_chat THEN 'join' ELSE 'leave' END AS change,
      user_id,
      member_joined_by,
      member_invite_link,
      member_invite_link_name,
      ARRAY[member_user_id] AS member_ids,
      ARRAY[member_name] AS member_names,
      CASE WHEN member_is_bot THEN ARRAY[member_user_id] ELSE ARRAY[] END AS bot_ids
    FROM group_updates
    WHERE
      NOT member_user_id IS NULL AND member_was_in_chat <> member_is_in_chat
  ), sourced AS (
    SELECT
      chat_id,
      origin_chat_id,
      context_date,
      sent_at,
      change,
      member_ids,
      member_names,
      bot_ids,
      CASE
        WHEN change <> 'join'
        THEN NULL
        WHEN NOT member_invite_link IS NULL
        THEN 1
        WHEN member_joined_by = 'request'
        THEN 2
        WHEN NOT user_id IS NULL AND NOT CONTAINS(member_ids, user_id)
        THEN 3
        WHEN member_joined_by = 'link'
        THEN 4
        ELSE 5
      END AS specificity,
      COALESCE(member_invite_link_name, member_invite_link) AS invite_link
    FROM changes
  )
  SELECT
    chat_id,
    origin_chat_id,
    context_date,
    sent_at,
    change,
    member_ids,
    member_names,
    bot_ids,
    specificity,
    CASE specificity
      WHEN 1
      THEN CONCAT(CAST('invite link: ' AS VARCHAR), CAST(invite_link AS VARCHAR))
      WHEN 2
      THEN 'joined by request'
      WHEN 3
      THEN 'added by a member'
      WHEN 4
      THEN 'joined by link'
      WHEN 5
      THEN 'unknown'
    END AS source
  FROM sourced
), history_state AS (
  /* What the reports need of the days before the recent ones (context_date < recent_from: the ranges' own */
  /* days and their margin; the periods before them are only counted), kept small: one */
  /* row per kind and key, under the chat id each update was sent under (origin_chat_id; group_history */
  /* puts it under the group's current id), bots told apart (is_bot) so that include_bots can leave them */
  /* out later. kind: */
  /*   sender    a sender's (id) first and last message in a chat (first_at, last_at: member_history) */
  /*   join      a member's (id) first join of a chat (first_at: join_history) */
  /*   username  the user (id) who last used a username (name, lower-cased) and when (last_at: usernames) */
  /*   topic     a forum topic's (id) latest name (name) and when it was given (last_at: forum_topics; */
  /*             group_updates' topic_named_at) */
  /*   forum     a chat with a message in a forum topic, the first and the last (forum_topics) */
  /* DuckDB reads it from the state consolidation keeps per day and month (lake/history.py: its rows */
  /* aggregated again give the same rows); Athena computes it here. migration_state holds the migrations. */
  /* Every row has its times (first_at, last_at), so that no column is a NULL of a type of its own. */
  SELECT
    'sender' AS kind,
    origin_chat_id AS chat_id,
    sender_id AS id,
    sender_is_bot AS is_bot,
    CAST(NULL AS VARCHAR) AS name,
    MIN(sent_at) AS first_at,
    MAX(sent_at) AS last_at
  FROM message_versions
  WHERE
    context_date < :recent_from
  GROUP BY
    origin_chat_id,
    sender_id,
    sender_is_bot
  UNION ALL
  SELECT
    'join' AS kind,
    u.origin_chat_id AS chat_id,
    m.member_id AS id,
    CONTAINS(u.bot_ids, m.member_id) AS is_bot,
    CAST(NULL AS VARCHAR) AS name,
    MIN(u.sent_at) AS first_at,
    MIN(u.sent_at) AS last_at
  FROM (
    SELECT
      *
    FROM membership_updates
    WHERE
      change = 'join' AND context_date < :recent_from
  ) AS u
  CROSS JOIN UNNEST(u.member_ids) AS m(member_id)
  GROUP BY
    u.origin_chat_id,
    m.member_id,
    CONTAINS(u.bot_ids, m.member_id)
  UNION ALL
  SELECT
    'username' AS kind,
    CAST(NULL AS BIGINT) AS chat_id,
    MAX_BY(user_id, sent_at) AS id,
    COALESCE(user_is_bot, FALSE) AS is_bot,
    LOWER(user_username) AS name,
    MIN(sent_at) AS first_at,
    MAX(sent_at) AS last_at
  FROM messages
  WHERE
    context_date < :recent_from
    AND NOT user_username IS NULL
    AND NOT user_id IS NULL
    AND NOT sent_at IS NULL
  GROUP BY
    LOWER(user_username),
    COALESCE(user_is_bot, FALSE)
  UNION ALL
  SELECT
    'topic' AS kind,
    origin_chat_id AS chat_id,
    topic_id AS id,
    FALSE AS is_bot,
    MAX_BY(topic_name, topic_named_at) AS name,
    MIN(sent_at) AS first_at,
    MAX(topic_named_at) AS last_at
  FROM group_updates
  WHERE
    context_date < :recent_from AND NOT topic_name IS NULL AND NOT topic_id IS NULL
  GROUP BY
    origin_chat_id,
    topic_id
  UNION ALL
  SELECT
    'forum' AS kind,
    origin_chat_id AS chat_id,
    CAST(NULL AS BIGINT) AS id,
    FALSE AS is_bot,
    CAST(NULL AS VARCHAR) AS name,
    MIN(sent_at) AS first_at,
    MAX(sent_at) AS last_at
  FROM group_updates
  WHERE
    context_date < :recent_from AND NOT topic_id IS NULL
  GROUP BY
    origin_chat_id
), group_history AS (
  /* The history state of the days before the recent ones (history_state) under each group's current id */
  /* (a group that became a supergroup under the supergroup's). */
  SELECT
    s.kind,
    COALESCE(moved.new_chat_id, s.chat_id) AS chat_id,
    s.id,
    s.is_bot,
    s.name,
    s.first_at,
    s.last_at
  FROM history_state AS s
  LEFT JOIN chat_migrations AS moved
    ON moved.old_chat_id = s.chat_id
), member_history AS (
  /* Each member's first and last message in each group as far back as the curated zone goes (the history */
  /* state of the days before the recent ones, and the recent partitions up to the range's end), so that */
  /* a member whose first message ever falls in the range is new. */
  SELECT
    chat_id,
    sender_id,
    MIN(first_sent_at) AS first_sent_at,
    MAX(last_sent_at) AS last_sent_at
  FROM (
    SELECT
      chat_id,
      id AS sender_id,
      first_at AS first_sent_at,
      last_at AS last_sent_at
    FROM group_history
    WHERE
      kind = 'sender' AND (
        :include_bots OR NOT is_bot
      )
    UNION ALL
    SELECT
      chat_id,
      sender_id,
      sent_at AS first_sent_at,
      sent_at AS last_sent_at
    FROM message_versions
    WHERE
      context_date BETWEEN :recent_from AND :to_date
      AND (
        :include_bots OR NOT sender_is_bot
      )
  ) AS seen
  GROUP BY
    chat_id,
    sender_id
), member_changes AS (
  /* Members who joined or left, per group and day (the update's own day), as membership_updates finds */
  /* them (both of Telegram's sources: a join it reports both ways is two rows), each join with its */
  /* source, and the member's name as the change gave it (NULL where it gave none). Bots joining or */
  /* leaving are left out unless include_bots. The ranges' own days (from recent_from: the readers count */
  /* the ranges' changes, join_history the days before from the history state). */
  SELECT
    u.chat_id,
    u.day,
    u.member_id,
    u.member_name,
    u.change,
    u.changed_at,
    u.specificity,
    u.source
  FROM (
    /* each member beside their name (the two lists are aligned), unnested side by side: DuckDB does */
    /* that in one pass, Athena as UNNEST(member_ids, member_names) (reports/sql.py) */
    SELECT
      chat_id,
      CAST(context_date AS DATE) AS day,
      change,
      sent_at AS changed_at,
      specificity,
      source,
      bot_ids,
      unnested.member_id AS member_id,
      unnested.member_name AS member_name
    FROM membership_updates
    CROSS JOIN UNNEST(member_ids, member_names) AS unnested(member_id, member_name)
    WHERE
      context_date BETWEEN :recent_from AND :scan_to
  ) AS u
  WHERE
    :include_bots OR NOT CONTAINS(u.bot_ids, u.member_id)
), joined AS (
  SELECT
    chat_id,
    member_id,
    changed_at,
    specificity,
    source,
    MIN(changed_at) OVER (PARTITION BY chat_id, member_id) AS joined_at,
    ROW_NUMBER() OVER (PARTITION BY chat_id, member_id ORDER BY specificity, changed_at DESC, source) AS choice
  FROM member_changes
  WHERE
    change = 'join'
    AND day BETWEEN CAST(:from_date AS DATE) AND CAST(:to_date AS DATE)
), latest AS (
  SELECT
    chat_id,
    member_id,
    MAX(CASE WHEN change = 'join' THEN changed_at END) AS joined_at,
    MAX(CASE WHEN change = 'leave' THEN changed_at END) AS left_at
  FROM member_changes
  WHERE
    day <= CAST(:to_date AS DATE)
  GROUP BY
    chat_id,
    member_id
)
SELECT
  j.chat_id,
  j.source,
  CAST(COUNT(*) AS BIGINT) AS joins,
  CAST(COUNT(CASE WHEN l.left_at IS NULL OR l.joined_at >= l.left_at THEN 1 END) AS BIGINT) AS still_members,
  CAST(COUNT(CASE WHEN h.last_sent_at >= j.joined_at THEN 1 END) AS BIGINT) AS posted
FROM joined AS j
JOIN latest AS l
  ON l.chat_id = j.chat_id AND l.member_id = j.member_id
LEFT JOIN member_history AS h
  ON h.chat_id = j.chat_id AND h.sender_id = j.member_id
WHERE
  j.choice = 1
GROUP BY
  j.chat_id,
  j.source
ORDER BY
  chat_id,
  joins DESC,
  source
