-- What each sender was called, per group and day (the update's own day): the name on their latest
-- message or edit that day, latest by when it was sent or edited (update ids alone do not order
-- imported and live updates). A user's name is their first and last name, else @username; a chat's
-- (an anonymous admin, a channel) its title. The days from compare_from up to the ranges' own
-- (text_from) are one, named by its first: each range compares with those days whole or not at all,
-- and what a sender was called on the latest of them (a later day's updates are sent later) is what
-- the days together give (sender_labels reads the latest): one row per sender, not one per day.
SELECT
  chat_id,
  sender_id,
  day,
  named_at,
  CASE
    WHEN named.sender_chat_title IS NOT NULL THEN named.sender_chat_title
    ELSE COALESCE(
      NULLIF(TRIM(COALESCE(named.user_first_name, '') || ' ' || COALESCE(named.user_last_name, '')), ''),
      '@' || named.user_username
    )
  END AS name
FROM (
  -- the parts of the latest name (of the latest row that names the sender at all: an exported
  -- message can name nobody), put together once per sender and day rather than on every row
  SELECT
    chat_id,
    sender_id,
    CASE
      WHEN context_date >= $compare_from AND context_date < $text_from THEN CAST($compare_from AS DATE)
      ELSE CAST(context_date AS DATE)
    END AS day,
    MAX(COALESCE(edited_at, sent_at)) AS named_at,
    ARG_MAX(
      CAST(
        ROW(sender_chat_title, user_first_name, user_last_name, user_username)
        AS STRUCT(sender_chat_title VARCHAR, user_first_name VARCHAR, user_last_name VARCHAR, user_username VARCHAR)
      ),
      (COALESCE(edited_at, sent_at), update_id)
    ) FILTER (
      WHERE
        sender_chat_title IS NOT NULL
        OR user_username IS NOT NULL
        OR TRIM(user_first_name) <> ''
        OR TRIM(user_last_name) <> ''
    ) AS named
  FROM message_versions
  WHERE context_date BETWEEN $scan_from AND $scan_to
  GROUP BY
    chat_id,
    sender_id,
    CASE
      WHEN context_date >= $compare_from AND context_date < $text_from THEN CAST($compare_from AS DATE)
      ELSE CAST(context_date AS DATE)
    END
) AS latest
