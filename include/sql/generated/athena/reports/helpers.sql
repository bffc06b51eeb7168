-- Generated from include/sql/reports/helpers.sql and the stages it reads (migration_messages, migration_state, chat_migrations, group_updates, message_versions, membership_updates, history_state, group_history, forum_topics, chosen_topics, latest_revisions, counted_versions, sender_names, message_reactions, counted_messages, replies, sender_labels) by sqlglot
-- (Trino dialect). Do not edit: run `python -m telegram_pipeline report --write-athena-sql` after
-- changing the DuckDB SQL. Parameters (:name) and the tables tracked_keywords(keyword, term) / migration_markers(old_chat_id, new_chat_id) / text_days(day, bucket) are bound at run time.
/* Who answers other members' questions in each group: their replies sent in the range to a question of */
/* someone else (asked in the range or the period of the same length before it, as interactions counts */
/* replies), the median time from the question to their reply, and their rank (1 = most answers; ties */
/* share a rank). */
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
), forum_topics AS (
  /* The forum topics of each group, as far back as the curated zone goes (the history state of the days */
  /* before the recent ones, then the recent partitions): every topic a forum_topic_created or */
  /* forum_topic_edited message is about, with the name the latest of them gave it, else the name it was */
  /* created with that its messages carry (group_updates' topic_named_at); and the General topic */
  /* (id 1) of every forum (a group with a message in a topic), "General" until renamed. A forum's messages */
  /* outside any topic (its messages from before it had topics, too) are the General topic's. */
  WITH named AS (
    SELECT
      chat_id,
      topic_id,
      MAX_BY(topic, named_at) AS topic
    FROM (
      SELECT
        chat_id,
        id AS topic_id,
        name AS topic,
        last_at AS named_at
      FROM group_history
      WHERE
        kind = 'topic'
      UNION ALL
      SELECT
        chat_id,
        topic_id,
        topic_name AS topic,
        topic_named_at AS named_at
      FROM group_updates
      WHERE
        context_date BETWEEN :recent_from AND :scan_to
        AND NOT topic_name IS NULL
        AND NOT topic_id IS NULL
    ) AS names
    GROUP BY
      chat_id,
      topic_id
  ), forums AS (
    SELECT
      chat_id
    FROM group_history
    WHERE
      kind = 'forum'
    UNION
    SELECT
      chat_id
    FROM group_updates
    WHERE
      context_date BETWEEN :recent_from AND :scan_to AND NOT topic_id IS NULL
  )
  SELECT
    chat_id,
    topic_id,
    topic
  FROM named
  UNION ALL
  SELECT
    chat_id,
    1 AS topic_id,
    'General' AS topic
  FROM forums
  WHERE
    NOT chat_id IN (
      SELECT
        chat_id
      FROM named
      WHERE
        topic_id = 1
    )
), chosen_topics AS (
  /* The forum topics the counting is limited to (the topic parameter: a topic's id, or its name in any */
  /* case), in every forum that has one of that id or name; none when the parameter is empty, and then */
  /* every message counts (counted_versions). The search reads it too, so --topic means the same in both. */
  SELECT
    chat_id,
    topic_id
  FROM forum_topics
  WHERE
    :topic <> ''
    AND (
      CAST(topic_id AS VARCHAR) = :topic OR LOWER(topic) = LOWER(:topic)
    )
), latest_revisions AS (
  /* The latest version of each message stored more than once: edited (an edit is stored as a row of its */
  /* own, in its edit day's partition) or imported from an export, which can overlap what the webhook */
  /* stored. The latest is the greatest coalesce(edited_at, sent_at); on a tie the live update wins over */
  /* the imported one (imports have negative update_ids). Bots' versions are left out unless include_bots. */
  /* Every other message is its live original alone (Telegram sends a message once), so only these few */
  /* are ranked, not every message of the span. */
  WITH versions AS (
    /* the partitions read once for both uses below (DuckDB keeps a query's result that is read twice): */
    /* reading them is most of this stage's time, and over a long history it reads twice the days the */
    /* ranges count (the comparison period before them) */
    SELECT
      origin_chat_id,
      message_id,
      context_date,
      update_id,
      live_original,
      sender_is_bot,
      COALESCE(edited_at, sent_at) AS versioned_at
    FROM message_versions
    WHERE
      context_date BETWEEN :scan_from AND :scan_to
  ), revised AS (
    SELECT DISTINCT
      origin_chat_id,
      message_id
    FROM versions
    WHERE
      NOT live_original
  )
  /* the latest as an aggregate of each message's versions: a window ranking them (ROW_NUMBER) sorts the */
  /* 300,000 versions of 3 million messages in twice the time */
  SELECT
    v.origin_chat_id,
    v.message_id,
    MAX_BY(v.context_date, (v.versioned_at, v.update_id)) AS context_date,
    MAX_BY(v.update_id, (v.versioned_at, v.update_id)) AS update_id
  FROM versions AS v
  JOIN revised AS r
    ON r.origin_chat_id = v.origin_chat_id AND r.message_id = v.message_id
  WHERE
    :include_bots OR NOT v.sender_is_bot
  GROUP BY
    v.origin_chat_id,
    v.message_id
), counted_versions AS (
  /* The version every report counts of each message: its latest_revisions row where it has one, else its */
  /* live original. Bots are left out unless include_bots; with a topic parameter, only the messages of */
  /* that forum topic count (chosen_topics). With the day and local time of sent_at in the */
  /* timezone parameter: partitions are scanned with a margin (scan_from..scan_to), since an edit lands in */
  /* its edit day's partition but counts on the day the message was sent. */
  SELECT
    v.chat_id,
    v.origin_chat_id,
    v.message_id,
    v.update_id,
    CAST(v.sent_at AT TIME ZONE :timezone AS DATE) AS day,
    v.sent_at,
    v.sent_at AT TIME ZONE :timezone AS local_sent_at,
    v.sender_id,
    v.content_type,
    v.reply_to_message_id,
    v.text,
    v.language,
    v.terms,
    v.term_forms,
    v.emojis,
    v.mentions,
    v.topic_id,
    v.message_thread_id,
    v.is_question,
    v.link_domains,
    v.forward_origin_type,
    v.forward_source_id,
    v.forward_source_name,
    v.context_date
  FROM message_versions AS v
  LEFT JOIN latest_revisions AS l
    ON l.origin_chat_id = v.origin_chat_id AND l.message_id = v.message_id
  /* a join, not a subquery per message: with no topic chosen it matches nothing and costs nothing */
  LEFT JOIN chosen_topics AS t
    ON t.chat_id = v.chat_id AND t.topic_id = COALESCE(v.topic_id, 1)
  WHERE
    v.context_date BETWEEN :scan_from AND :scan_to
    AND (
      :include_bots OR NOT v.sender_is_bot
    )
    AND CASE
      WHEN l.message_id IS NULL
      THEN v.live_original
      ELSE l.context_date = v.context_date AND l.update_id = v.update_id
    END
    AND (
      :topic = '' OR NOT t.topic_id IS NULL
    )
), sender_names AS (
  /* What each sender was called, per group and day (the update's own day): the name on their latest */
  /* message or edit that day, latest by when it was sent or edited (update ids alone do not order */
  /* imported and live updates). A user's name is their first and last name, else @username; a chat's */
  /* (an anonymous admin, a channel) its title. The days from compare_from up to the ranges' own */
  /* (text_from) are one, named by its first: each range compares with those days whole or not at all, */
  /* and what a sender was called on the latest of them (a later day's updates are sent later) is what */
  /* the days together give (sender_labels reads the latest): one row per sender, not one per day. */
  SELECT
    chat_id,
    sender_id,
    day,
    named_at,
    CASE
      WHEN NOT named.sender_chat_title IS NULL
      THEN named.sender_chat_title
      ELSE COALESCE(
        NULLIF(
          TRIM(
            CONCAT(
              CAST(COALESCE(named.user_first_name, '') AS VARCHAR),
              CAST(' ' AS VARCHAR),
              CAST(COALESCE(named.user_last_name, '') AS VARCHAR)
            )
          ),
          ''
        ),
        CONCAT(CAST('@' AS VARCHAR), CAST(named.user_username AS VARCHAR))
      )
    END AS name
  FROM (
    /* the parts of the latest name (of the latest row that names the sender at all: an exported */
    /* message can name nobody), put together once per sender and day rather than on every row */
    SELECT
      chat_id,
      sender_id,
      CASE
        WHEN context_date >= :compare_from AND context_date < :text_from
        THEN CAST(:compare_from AS DATE)
        ELSE CAST(context_date AS DATE)
      END AS day,
      MAX(COALESCE(edited_at, sent_at)) AS named_at,
      MAX_BY(
        CAST(ROW(sender_chat_title, user_first_name, user_last_name, user_username) AS ROW(
          sender_chat_title VARCHAR,
          user_first_name VARCHAR,
          user_last_name VARCHAR,
          user_username VARCHAR
        )),
        (COALESCE(edited_at, sent_at), update_id)
      ) FILTER(WHERE
        NOT sender_chat_title IS NULL
        OR NOT user_username IS NULL
        OR TRIM(user_first_name) <> ''
        OR TRIM(user_last_name) <> '') AS named
    FROM message_versions
    WHERE
      context_date BETWEEN :scan_from AND :scan_to
    GROUP BY
      chat_id,
      sender_id,
      CASE
        WHEN context_date >= :compare_from AND context_date < :text_from
        THEN CAST(:compare_from AS DATE)
        ELSE CAST(context_date AS DATE)
      END
  ) AS latest
), message_reactions AS (
  /* How many of each reaction every message holds at the range's end. Each reactor's latest */
  /* message_reaction counts what it holds then: a change replaces, a removal (an empty new_reaction) */
  /* takes away. Where reactions are anonymous, message_reaction_count gives totals: the latest of those */
  /* counts where it is larger. Reactions by bots are left out unless include_bots. */
  WITH reaction_updates AS (
    /* both kinds of reaction update, read from the lake in one pass */
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
      context_date BETWEEN :near_from AND :to_date
      AND update_type IN ('message_reaction', 'message_reaction_count')
      AND NOT message_id IS NULL
      AND /* only the messages from text_from on are read with their reactions (counted_messages, */ /* reacted_messages), and a reaction is dated (or, undated, received) at or after its message (an */ /* imported one with it): the partitions before near_from are left unopened, and in those after it the */ /* row groups of the updates sent before are skipped by their statistics */ (
        sent_at IS NULL OR sent_at >= CAST(:text_from AS TIMESTAMP) - INTERVAL '1' DAY
      )
  ), latest AS (
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
      AND NOT COALESCE(sender_chat_id, user_id) IS NULL
      AND (
        :include_bots OR NOT sender_chat_id IS NULL OR NOT COALESCE(user_is_bot, FALSE)
      )
  ), held AS (
    SELECT
      l.origin_chat_id,
      l.message_id,
      r.emoji,
      COUNT(*) AS reactions
    FROM (
      SELECT
        origin_chat_id,
        message_id,
        reaction_emojis
      FROM latest
      WHERE
        n = 1
    ) AS l
    CROSS JOIN UNNEST(l.reaction_emojis) AS r(emoji)
    GROUP BY
      l.origin_chat_id,
      l.message_id,
      r.emoji
  ), latest_totals AS (
    SELECT
      origin_chat_id,
      message_id,
      reaction_count_emojis,
      reaction_count_totals,
      ROW_NUMBER() OVER (PARTITION BY origin_chat_id, message_id ORDER BY sent_at DESC, update_id DESC) AS n
    FROM reaction_updates
    WHERE
      update_type = 'message_reaction_count'
  ), anonymous AS (
    SELECT
      t.origin_chat_id,
      t.message_id,
      t.reaction_count_emojis[p.i] AS emoji,
      t.reaction_count_totals[p.i] AS reactions
    FROM (
      SELECT
        origin_chat_id,
        message_id,
        reaction_count_emojis,
        reaction_count_totals
      FROM latest_totals
      /* a latest count of none (every anonymous reaction taken back) has nothing to unnest: Athena's */
      /* SEQUENCE(1, 0) would be [1, 0], and its subscripts fail the query */
      WHERE
        n = 1 AND CARDINALITY(reaction_count_emojis) > 0
    ) AS t
    CROSS JOIN UNNEST(SEQUENCE(1, CARDINALITY(t.reaction_count_emojis))) AS p(i)
  )
  SELECT
    COALESCE(h.origin_chat_id, a.origin_chat_id) AS origin_chat_id,
    COALESCE(h.message_id, a.message_id) AS message_id,
    COALESCE(h.emoji, a.emoji) AS emoji,
    GREATEST(COALESCE(h.reactions, 0), COALESCE(a.reactions, 0)) AS reactions
  FROM held AS h
  FULL OUTER JOIN anonymous AS a
    ON a.origin_chat_id = h.origin_chat_id
    AND a.message_id = h.message_id
    AND a.emoji = h.emoji
), counted_messages AS (
  /* The messages every report counts, each once per (origin_chat_id, message_id) in the version */
  /* counted_versions chooses, with its day and local time, and whether it asks a question. From text_from */
  /* on (the reports' own days; the period before them is only counted) with its emoji, mentions and link */
  /* domains, and its text where a report shows it: the reacted messages' (reacted_messages) and the */
  /* questions' (unanswered_questions); and its language. Their terms are counted in keyword_uses, straight */
  /* from the lake's term lists. Senders' names are in sender_names. */
  WITH reacted AS (
    SELECT DISTINCT
      origin_chat_id,
      message_id
    FROM message_reactions
    WHERE
      reactions > 0
  )
  SELECT
    m.chat_id,
    m.origin_chat_id,
    m.message_id,
    m.day,
    m.sent_at,
    m.local_sent_at,
    m.sender_id,
    m.content_type,
    m.reply_to_message_id,
    COALESCE(m.is_question, FALSE) AS is_question,
    CASE
      WHEN (
        NOT r.message_id IS NULL OR m.is_question
      )
      AND m.local_sent_at >= CAST(:text_from AS TIMESTAMP)
      THEN m.text
    END AS text,
    CASE WHEN m.local_sent_at >= CAST(:text_from AS TIMESTAMP) THEN m.emojis END AS emojis,
    CASE WHEN m.local_sent_at >= CAST(:text_from AS TIMESTAMP) THEN m.mentions END AS mentions,
    CASE WHEN m.local_sent_at >= CAST(:text_from AS TIMESTAMP) THEN m.link_domains END AS link_domains,
    m.topic_id,
    m.message_thread_id,
    m.language
  FROM counted_versions AS m
  LEFT JOIN reacted AS r
    ON r.origin_chat_id = m.origin_chat_id AND r.message_id = m.message_id
  /* the partitions from rows_from to rows_to: all of them in one statement (Athena), or some at a time (DuckDB: */
  /* compressed as they come, reports/duckdb_engine.py) */
  WHERE
    m.context_date BETWEEN :rows_from AND :rows_to
), replies AS (
  /* Every reply to a message of the same group by someone else (a reply to oneself answers nobody), sent */
  /* on the ranges' own days (from text_from on) or answering a message of them: the reply's day, time */
  /* and sender, and the message it answers with its sender, time and forum topic, and whether that */
  /* message asks a question. */
  SELECT
    r.chat_id,
    r.day,
    r.sent_at AS replied_at,
    r.sender_id AS from_id,
    m.origin_chat_id,
    m.message_id,
    m.day AS message_day,
    m.sent_at AS message_sent_at,
    m.local_sent_at AS message_local_sent_at,
    m.sender_id AS to_id,
    m.topic_id,
    m.is_question AS to_question
  FROM (
    SELECT
      chat_id,
      day,
      sent_at,
      sender_id,
      origin_chat_id,
      reply_to_message_id
    FROM counted_messages
    WHERE
      NOT reply_to_message_id IS NULL
  ) AS r
  JOIN counted_messages AS m
    ON m.origin_chat_id = r.origin_chat_id AND m.message_id = r.reply_to_message_id
  WHERE
    r.sender_id <> m.sender_id
    AND /* the readers count the replies of the ranges' days (answering messages as far back as the period */ /* before), and the first reply to each message of those days (first_replies), whenever it is dated: */ /* a reply and the message it answers both before the ranges' days are read by none */ (
      r.day >= CAST(:text_from AS DATE) OR m.day >= CAST(:text_from AS DATE)
    )
), sender_labels AS (
  /* What the reports call each sender of the range and of the period before it: the latest name they */
  /* posted under up to the range's end (for anyone who posted in the range, their latest in the range). */
  SELECT
    chat_id,
    sender_id,
    MAX_BY(name, named_at) AS name
  FROM sender_names
  WHERE
    day BETWEEN CAST(:prev_from AS DATE) AND CAST(:to_date AS DATE)
  GROUP BY
    chat_id,
    sender_id
), answers AS (
  SELECT
    chat_id,
    from_id AS user_id,
    TO_UNIXTIME(replied_at) - TO_UNIXTIME(message_sent_at) AS answer_seconds,
    ROW_NUMBER() OVER (
      PARTITION BY chat_id, from_id
      ORDER BY TO_UNIXTIME(replied_at) - TO_UNIXTIME(message_sent_at)
    ) AS n,
    COUNT(*) OVER (PARTITION BY chat_id, from_id) AS total
  FROM replies
  WHERE
    to_question
    AND NOT from_id IS NULL
    AND day BETWEEN CAST(:from_date AS DATE) AND CAST(:to_date AS DATE)
    AND message_day BETWEEN CAST(:prev_from AS DATE) AND CAST(:to_date AS DATE)
), helpers AS (
  SELECT
    chat_id,
    user_id,
    MAX(total) AS answers,
    AVG(CASE WHEN n * 2 BETWEEN total AND total + 2 THEN answer_seconds END) AS median_answer_seconds /* the middle wait, or the mean of the two middle ones */
  FROM answers
  GROUP BY
    chat_id,
    user_id
)
SELECT
  h.chat_id,
  CAST(h.user_id AS BIGINT) AS user_id,
  COALESCE(n.name, CONCAT(CAST('user ' AS VARCHAR), CAST(h.user_id AS VARCHAR))) AS user_name,
  CAST(h.answers AS BIGINT) AS answers,
  CAST(h.median_answer_seconds AS DOUBLE) AS median_answer_seconds,
  CAST(RANK() OVER (PARTITION BY h.chat_id ORDER BY h.answers DESC) AS BIGINT) AS rank
FROM helpers AS h
LEFT JOIN sender_labels AS n
  ON n.chat_id = h.chat_id AND n.sender_id = h.user_id
ORDER BY
  chat_id,
  rank,
  user_id
