-- Generated from include/sql/reports/topics.sql and the stages it reads (migration_messages, migration_state, chat_migrations, group_updates, message_versions, membership_updates, history_state, group_history, forum_topics, chosen_topics, latest_revisions, counted_versions, keyword_uses, topic_keyword_uses, message_reactions, group_days, counted_messages, replies, first_replies, chats, keyword_counts, topic_top_terms, keyword_forms) by sqlglot
-- (Trino dialect). Do not edit: run `python -m telegram_pipeline report --write-athena-sql` after
-- changing the DuckDB SQL. Parameters (:name) and the tables tracked_keywords(keyword, term) / migration_markers(old_chat_id, new_chat_id) / text_days(day, bucket) are bound at run time.
/* The topics of each forum group: every topic it ever named (forum_topics) and every topic posted in */
/* during the range, quiet ones at zero, so that busy and quiet topics show side by side; a forum's */
/* messages outside any topic are the General topic's (1). Per topic: its */
/* name (the latest it was given; "topic <id>" when the curated zone holds no name for it), the messages */
/* of the range, the distinct members who posted them, the replies in the range to a message of the topic */
/* (by someone else, as in interactions), the median wait for a first reply to the topic's messages of the */
/* range, and its five most used keywords (topic_top_terms), most used first. Groups without topics have no row. */
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
), keyword_uses AS (
  /* How many counted messages of each sender use each term, per group and per bucket of days, in each of */
  /* the forms they wrote it (term_forms, beside terms: keyword_forms shows a term in its most used form), */
  /* and the latest of them (its update_id: the examples, and a tie between forms). */
  /* The terms are the lake's (terms: text/words.py, stored at consolidation). A bucket is named by its first */
  /* day; text_days gives each day from terms_from on its bucket (the ranges' days and the surges' baseline), and the buckets are cut at the first day of */
  /* every range built together (they all end on the same day), so each range adds up whole buckets and the */
  /* terms of the span are unnested and counted once, not once per range. The days counted are those from */
  /* terms_from to terms_to: all of text_days in one statement (Athena), or one bucket at a time (DuckDB: one */
  /* bucket's groups in memory at once, reports/duckdb_engine.py). */
  SELECT
    m.chat_id,
    m.bucket,
    m.sender_id,
    m.keyword,
    m.form,
    COUNT(*) AS messages,
    MAX(m.update_id) AS last_update_id
  FROM (
    /* each term beside the form it was written in (the two lists are aligned), unnested side by side: */
    /* DuckDB does that in one pass, Athena as UNNEST(terms, term_forms) (reports/sql.py) */
    SELECT
      v.chat_id,
      d.bucket,
      v.sender_id,
      v.update_id,
      unnested.keyword AS keyword,
      unnested.form AS form
    FROM counted_versions AS v
    /* the days as dates before the join: a cast after it would run once per term (17 million times for */
    /* 3 million messages), where it runs once per day here */
    JOIN (
      SELECT
        CAST(day AS DATE) AS day,
        CAST(bucket AS DATE) AS bucket
      FROM text_days
    ) AS d
      ON d.day = v.day
      AND d.day BETWEEN CAST(:terms_from AS DATE) AND CAST(:terms_to AS DATE)
    CROSS JOIN UNNEST(v.terms, v.term_forms) AS unnested(keyword, form)
    /* no message sent more than a day before terms_from or after terms_to falls on one of those days (in */
    /* any time zone): said here, the partitions outside them are left unread rather than counted and then */
    /* dropped by the join */
    WHERE
      v.sent_at >= CAST(:terms_from AS TIMESTAMP) - INTERVAL '1' DAY
      AND v.sent_at < CAST(:terms_to AS TIMESTAMP) + INTERVAL '2' DAY
  ) AS m
  GROUP BY
    m.chat_id,
    m.bucket,
    m.sender_id,
    m.keyword,
    m.form
), topic_keyword_uses AS (
  /* How many counted messages of each forum topic use each term (terms: text/words.py), per group and bucket of days: as */
  /* keyword_uses, by topic instead of by sender. Only the messages that name their topic (topic_id set: */
  /* every message of a forum the Bot API marks as one): a forum's messages from before it had topics, which */
  /* the topics report counts in General, are left out of General's keywords, since finding them would mean */
  /* reading every group's messages once more, where topic_id IS NOT NULL skips every other group's files. */
  SELECT
    m.chat_id,
    m.bucket,
    m.topic_id,
    t.keyword,
    COUNT(*) AS messages
  FROM (
    SELECT
      v.chat_id,
      d.bucket,
      v.topic_id,
      v.terms
    FROM counted_versions AS v
    /* the days as dates before the join: a cast after it would run once per term (17 million times for */
    /* 3 million messages), where it runs once per day here */
    JOIN (
      SELECT
        CAST(day AS DATE) AS day,
        CAST(bucket AS DATE) AS bucket
      FROM text_days
    ) AS d
      ON d.day = v.day
    /* as keyword_uses: no message sent more than a day before terms_from falls on one of its days, and */
    /* none of its versions is stored before near_from: the partitions before are left unopened */
    WHERE
      NOT v.topic_id IS NULL
      AND v.context_date >= :near_from
      AND v.sent_at >= CAST(:terms_from AS TIMESTAMP) - INTERVAL '1' DAY
  ) AS m
  CROSS JOIN UNNEST(m.terms) AS t(keyword)
  GROUP BY
    m.chat_id,
    m.bucket,
    m.topic_id,
    t.keyword
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
), group_days AS (
  /* Which groups had updates on which day (the update's own day), and the title, type (group, */
  /* supergroup, channel or private chat) and public @username (NULL: none) each went by. */
  SELECT
    chat_id,
    CAST(context_date AS DATE) AS day,
    COUNT(*) AS updates,
    MAX_BY(chat_title, CASE WHEN NOT chat_title IS NULL THEN sent_at END) AS title,
    MAX_BY(chat_type, CASE WHEN NOT chat_type IS NULL THEN sent_at END) AS chat_type,
    NULLIF(
      MAX_BY(COALESCE(chat_username, ''), CASE WHEN NOT chat_type IS NULL THEN sent_at END),
      ''
    ) AS chat_username /* the latest update's, NULL included (a group that made itself private has no public link any more) */
  FROM group_updates
  WHERE
    context_date BETWEEN :scan_from AND :scan_to
  GROUP BY
    chat_id,
    CAST(context_date AS DATE)
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
), first_replies AS (
  /* How long each message waited for its first answer: the earliest reply by someone else up to the */
  /* range's end, in seconds after the message; and whether the message asks a question. */
  SELECT
    chat_id,
    origin_chat_id,
    message_id,
    to_id AS sender_id,
    message_day AS day,
    message_local_sent_at AS local_sent_at,
    to_question AS question,
    TO_UNIXTIME(MIN(replied_at)) - TO_UNIXTIME(message_sent_at) AS reply_seconds,
    topic_id
  FROM replies
  WHERE
    day <= CAST(:to_date AS DATE)
  GROUP BY
    chat_id,
    origin_chat_id,
    message_id,
    to_id,
    message_day,
    message_sent_at,
    message_local_sent_at,
    to_question,
    topic_id
), chats AS (
  /* The groups of the range: every group with an update in the range or in the period of the same */
  /* length before it, under its current id, with its latest title, the id it had before it became a */
  /* supergroup, its messages and active members (distinct senders that are members: is_member, not the */
  /* group's anonymous admins nor a channel's own posts) in the range and in the period before it, the */
  /* median wait for a first reply to its messages of the range, and its latest type (group, supergroup, */
  /* channel or private: what the page calls it). */
  WITH present AS (
    SELECT
      chat_id,
      MAX_BY(title, CASE WHEN NOT title IS NULL THEN day END) AS title,
      MAX_BY(chat_type, CASE WHEN NOT chat_type IS NULL THEN day END) AS chat_type
    FROM group_days
    WHERE
      day BETWEEN CAST(:prev_from AS DATE) AND CAST(:to_date AS DATE)
    GROUP BY
      chat_id
  ), posted AS (
    SELECT
      chat_id,
      COUNT(CASE WHEN day >= CAST(:from_date AS DATE) THEN 1 END) AS messages,
      COUNT(
        DISTINCT CASE
          WHEN day >= CAST(:from_date AS DATE)
          AND (
            NOT sender_id IS NULL
            AND (
              NOT sender_id IN (chat_id, origin_chat_id) OR chat_id > 0
            )
          )
          THEN sender_id
        END
      ) AS active_users,
      COUNT(CASE WHEN day < CAST(:from_date AS DATE) THEN 1 END) AS previous_messages,
      COUNT(
        DISTINCT CASE
          WHEN day < CAST(:from_date AS DATE)
          AND (
            NOT sender_id IS NULL
            AND (
              NOT sender_id IN (chat_id, origin_chat_id) OR chat_id > 0
            )
          )
          THEN sender_id
        END
      ) AS previous_active_users
    FROM counted_messages
    WHERE
      day BETWEEN CAST(:prev_from AS DATE) AND CAST(:to_date AS DATE)
    GROUP BY
      chat_id
  ), waits AS (
    SELECT
      chat_id,
      reply_seconds,
      ROW_NUMBER() OVER (PARTITION BY chat_id ORDER BY reply_seconds) AS n,
      COUNT(*) OVER (PARTITION BY chat_id) AS total
    FROM first_replies
    WHERE
      day BETWEEN CAST(:from_date AS DATE) AND CAST(:to_date AS DATE)
  ), medians AS (
    /* the middle wait, or the mean of the two middle ones */
    SELECT
      chat_id,
      AVG(reply_seconds) AS median_reply_seconds
    FROM waits
    WHERE
      n * 2 BETWEEN total AND total + 2
    GROUP BY
      chat_id
  ), moved AS (
    SELECT
      new_chat_id,
      MAX(old_chat_id) AS old_chat_id
    FROM chat_migrations
    GROUP BY
      new_chat_id
  )
  SELECT
    g.chat_id,
    g.title,
    moved.old_chat_id AS migrated_from_chat_id,
    CAST(COALESCE(p.messages, 0) AS BIGINT) AS messages,
    CAST(COALESCE(p.active_users, 0) AS BIGINT) AS active_users,
    CAST(COALESCE(p.previous_messages, 0) AS BIGINT) AS previous_messages,
    CAST(COALESCE(p.previous_active_users, 0) AS BIGINT) AS previous_active_users,
    CAST(w.median_reply_seconds AS DOUBLE) AS median_reply_seconds,
    g.chat_type
  FROM present AS g
  LEFT JOIN posted AS p
    ON p.chat_id = g.chat_id
  LEFT JOIN medians AS w
    ON w.chat_id = g.chat_id
  LEFT JOIN moved
    ON moved.new_chat_id = g.chat_id
  ORDER BY
    chat_id
), keyword_counts AS (
  /* The most discussed topics of each group, counted, before they are shown in words (keywords): added up */
  /* from keyword_uses over the range's buckets, the terms consolidation stored for each counted message */
  /* (text/words.py: word stems with no stopword of the message's language among them, hashtags, and */
  /* two-word phrases "stem stem"). A phrase is a topic where it recurs (3 messages or more) and holds at */
  /* least half the uses of one of its words; a word is then left out where one such phrase holds 80 % of its */
  /* uses (the phrase says it better). A name's first word may be no term of its own ("são paul": São is a */
  /* stopword but in a name), and holds no use outside its names. The top keyword_limit ranks, and the */
  /* tracked keywords (tracked_keywords: each keyword's terms, as text/words.py reads it in every language of */
  /* its script), always reported for every group, at zero when nobody used them (tracked_keyword: the */
  /* keyword as configured, for those not among the ranked topics; NULL for the others). */
  WITH per_sender AS (
    SELECT
      chat_id,
      keyword AS term,
      sender_id,
      SUM(messages) AS messages
    FROM keyword_uses
    WHERE
      bucket BETWEEN CAST(:from_date AS DATE) AND CAST(:to_date AS DATE)
    GROUP BY
      chat_id,
      keyword,
      sender_id
  ), counted AS (
    SELECT
      chat_id,
      term,
      SUM(messages) AS messages,
      COUNT(sender_id) AS users
    FROM per_sender
    GROUP BY
      chat_id,
      term
  ), phrases AS (
    SELECT
      p.chat_id,
      p.term,
      p.messages,
      p.users,
      w1.term AS first_term,
      w1.messages AS first_messages,
      w2.term AS second_term,
      w2.messages AS second_messages
    FROM counted AS p
    LEFT JOIN counted AS w1
      ON w1.chat_id = p.chat_id AND w1.term = SPLIT_PART(p.term, ' ', 1)
    JOIN counted AS w2
      ON w2.chat_id = p.chat_id AND w2.term = SPLIT_PART(p.term, ' ', 2)
    WHERE
      p.term LIKE '% %'
      AND p.messages >= 3
      AND 2 * p.messages >= LEAST(COALESCE(w1.messages, p.messages), w2.messages)
  ), covered AS (
    SELECT
      chat_id,
      first_term AS term
    FROM phrases
    WHERE
      5 * messages >= 4 * first_messages
    UNION
    SELECT
      chat_id,
      second_term AS term
    FROM phrases
    WHERE
      5 * messages >= 4 * second_messages
  ), topics AS (
    SELECT
      c.chat_id,
      c.term,
      c.messages,
      c.users,
      FALSE AS phrase
    FROM counted AS c
    LEFT JOIN covered AS v
      ON v.chat_id = c.chat_id AND v.term = c.term
    WHERE
      c.term NOT LIKE '% %' AND v.term IS NULL
    UNION ALL
    SELECT
      chat_id,
      term,
      messages,
      users,
      TRUE AS phrase
    FROM phrases
  ), ranked AS (
    SELECT
      chat_id,
      term,
      messages,
      users,
      phrase,
      RANK() OVER (PARTITION BY chat_id ORDER BY messages DESC, users DESC) AS rank
    FROM topics
  ), shown AS (
    SELECT
      r.*,
      NOT t.term IS NULL AS tracked
    FROM ranked AS r
    LEFT JOIN (
      SELECT DISTINCT
        term
      FROM tracked_keywords
    ) AS t
      ON t.term = r.term
    WHERE
      r.rank <= :keyword_limit
  ), tracked_rest /* tracked keywords none of whose terms is among the group's shown topics: reported apart, at zero if unused */ AS (
    SELECT
      g.chat_id,
      k.keyword,
      k.term
    FROM chats AS g
    CROSS JOIN tracked_keywords AS k
    WHERE
      NOT EXISTS(
        SELECT
          1
        FROM shown AS s
        JOIN tracked_keywords AS o
          ON o.term = s.term
        WHERE
          s.chat_id = g.chat_id AND o.keyword = k.keyword
      )
  ), tracked_counts AS (
    SELECT
      k.chat_id,
      k.keyword,
      COALESCE(
        MAX_BY(k.term, p.messages),
        MIN(CASE WHEN k.term = LOWER(k.keyword) THEN k.term END),
        MIN(k.term)
      ) AS term, /* the term most used, else the keyword as typed (folded), else any of its terms */
      CAST(COALESCE(SUM(p.messages), 0) AS BIGINT) AS messages,
      COUNT(DISTINCT p.sender_id) AS users
    FROM tracked_rest AS k
    LEFT JOIN per_sender AS p
      ON p.chat_id = k.chat_id AND p.term = k.term
    GROUP BY
      k.chat_id,
      k.keyword
  )
  SELECT
    chat_id,
    term,
    CAST(NULL AS VARCHAR) AS tracked_keyword,
    CAST(messages AS BIGINT) AS messages,
    CAST(users AS BIGINT) AS users,
    CAST(rank AS BIGINT) AS rank,
    tracked,
    phrase
  FROM shown
  UNION ALL
  SELECT
    chat_id,
    term,
    keyword AS tracked_keyword,
    messages,
    CAST(users AS BIGINT) AS users,
    CAST(NULL AS BIGINT) AS rank,
    TRUE AS tracked,
    term LIKE '% %' AS phrase
  FROM tracked_counts
), topic_top_terms AS (
  /* The five most used keywords of each forum topic in the range (topic_keyword_uses; is_keyword: a word or */
  /* hashtag, not a two-word phrase, or a tracked keyword's term), most used first (n: 1 to 5; ties by the */
  /* term). What the topics report lists, and what keyword_forms finds a written form for. */
  WITH terms AS (
    SELECT
      chat_id,
      topic_id,
      keyword AS term,
      SUM(messages) AS messages
    FROM topic_keyword_uses
    WHERE
      bucket BETWEEN CAST(:from_date AS DATE) AND CAST(:to_date AS DATE)
    GROUP BY
      chat_id,
      topic_id,
      keyword
  ), ranked AS (
    SELECT
      chat_id,
      topic_id,
      term,
      ROW_NUMBER() OVER (PARTITION BY chat_id, topic_id ORDER BY messages DESC, term) AS n
    FROM terms
    WHERE
      (
        term IN (
          SELECT
            term
          FROM tracked_keywords
        ) OR term NOT LIKE '% %'
      )
  )
  SELECT
    chat_id,
    topic_id,
    term,
    n
  FROM ranked
  WHERE
    n <= 5
), keyword_forms AS (
  /* Each term a report shows (the group's topics and tracked keywords, keyword_counts; its forum topics' */
  /* keywords, topic_top_terms) in the written form most of the range's counted messages using it wrote */
  /* (term_forms: each term as its message first wrote it, so a message counts once); ties: the form used */
  /* latest (by update_id, the order Telegram numbers updates in). The forms are counted with the terms, in */
  /* keyword_uses, whose one read of the messages serves every range of the span; a form is chosen here */
  /* only for these terms, a hundred or a few hundred per group. */
  WITH shown AS (
    SELECT
      chat_id,
      term
    FROM keyword_counts
    UNION
    SELECT
      chat_id,
      term
    FROM topic_top_terms
  ), counted AS (
    SELECT
      u.chat_id,
      u.keyword AS term,
      u.form,
      SUM(u.messages) AS messages,
      MAX(u.last_update_id) AS last_update_id
    FROM keyword_uses AS u
    JOIN shown AS s
      ON s.chat_id = u.chat_id AND s.term = u.keyword
    WHERE
      u.bucket BETWEEN CAST(:from_date AS DATE) AND CAST(:to_date AS DATE)
    GROUP BY
      u.chat_id,
      u.keyword,
      u.form
  ), ranked AS (
    SELECT
      chat_id,
      term,
      form,
      ROW_NUMBER() OVER (PARTITION BY chat_id, term ORDER BY messages DESC, last_update_id DESC) AS n
    FROM counted
  )
  SELECT
    chat_id,
    term,
    form
  FROM ranked
  WHERE
    n = 1
), forums AS (
  SELECT DISTINCT
    chat_id
  FROM forum_topics
), posted AS (
  SELECT
    m.chat_id,
    COALESCE(m.topic_id, 1) AS topic_id,
    COUNT(*) AS messages,
    COUNT(DISTINCT m.sender_id) AS users
  FROM counted_messages AS m
  JOIN forums AS f
    ON f.chat_id = m.chat_id
  WHERE
    m.day BETWEEN CAST(:from_date AS DATE) AND CAST(:to_date AS DATE)
  GROUP BY
    m.chat_id,
    COALESCE(m.topic_id, 1)
), answered AS (
  SELECT
    r.chat_id,
    COALESCE(r.topic_id, 1) AS topic_id,
    COUNT(*) AS replies
  FROM replies AS r
  JOIN forums AS f
    ON f.chat_id = r.chat_id
  WHERE
    r.day BETWEEN CAST(:from_date AS DATE) AND CAST(:to_date AS DATE)
    AND r.message_day BETWEEN CAST(:prev_from AS DATE) AND CAST(:to_date AS DATE)
  GROUP BY
    r.chat_id,
    COALESCE(r.topic_id, 1)
), waits AS (
  SELECT
    w.chat_id,
    COALESCE(w.topic_id, 1) AS topic_id,
    w.reply_seconds,
    ROW_NUMBER() OVER (PARTITION BY w.chat_id, COALESCE(w.topic_id, 1) ORDER BY w.reply_seconds) AS n,
    COUNT(*) OVER (PARTITION BY w.chat_id, COALESCE(w.topic_id, 1)) AS total
  FROM first_replies AS w
  JOIN forums AS f
    ON f.chat_id = w.chat_id
  WHERE
    w.day BETWEEN CAST(:from_date AS DATE) AND CAST(:to_date AS DATE)
), medians AS (
  /* the middle wait, or the mean of the two middle ones */
  SELECT
    chat_id,
    topic_id,
    AVG(reply_seconds) AS median_reply_seconds
  FROM waits
  WHERE
    n * 2 BETWEEN total AND total + 2
  GROUP BY
    chat_id,
    topic_id
), top_terms AS (
  SELECT
    t.chat_id,
    t.topic_id,
    LISTAGG(COALESCE(f.form, t.term), ', ') WITHIN GROUP (ORDER BY
      t.n) AS top_keywords /* each as the group's topics show it (keyword_forms: the form most of the range's messages wrote) */
  FROM topic_top_terms AS t
  LEFT JOIN keyword_forms AS f
    ON f.chat_id = t.chat_id AND f.term = t.term
  GROUP BY
    t.chat_id,
    t.topic_id
), every_topic AS (
  SELECT
    chat_id,
    topic_id
  FROM forum_topics
  WHERE
    chat_id IN (
      SELECT
        chat_id
      FROM chats
    )
  UNION
  SELECT
    chat_id,
    topic_id
  FROM posted
)
SELECT
  e.chat_id,
  CAST(e.topic_id AS BIGINT) AS topic_id,
  COALESCE(f.topic, CONCAT(CAST('topic ' AS VARCHAR), CAST(e.topic_id AS VARCHAR))) AS topic,
  CAST(COALESCE(p.messages, 0) AS BIGINT) AS messages,
  CAST(COALESCE(p.users, 0) AS BIGINT) AS users,
  CAST(COALESCE(a.replies, 0) AS BIGINT) AS replies,
  CAST(w.median_reply_seconds AS DOUBLE) AS median_first_reply_seconds,
  t.top_keywords
FROM every_topic AS e
LEFT JOIN forum_topics AS f
  ON f.chat_id = e.chat_id AND f.topic_id = e.topic_id
LEFT JOIN posted AS p
  ON p.chat_id = e.chat_id AND p.topic_id = e.topic_id
LEFT JOIN answered AS a
  ON a.chat_id = e.chat_id AND a.topic_id = e.topic_id
LEFT JOIN medians AS w
  ON w.chat_id = e.chat_id AND w.topic_id = e.topic_id
LEFT JOIN top_terms AS t
  ON t.chat_id = e.chat_id AND t.topic_id = e.topic_id
ORDER BY
  chat_id,
  messages DESC,
  topic_id
