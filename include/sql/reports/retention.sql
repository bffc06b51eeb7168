-- Whether new members stay, per group, as weekly cohorts: the members first seen in the range (their
-- first join or first message ever in the group, whichever came first: join_history, member_history,
-- whose senders are under the group's current id; is_member), by the Monday of that week (cohort_week);
-- for each week since (week 0 is the cohort's own) up to the range's end, how many of them posted in it
-- (active). members is the cohort's size; activated, how many of them posted within 7 days of being
-- first seen (someone first seen posting has).
WITH firsts AS (
  SELECT
    COALESCE(h.chat_id, j.chat_id) AS chat_id,
    COALESCE(h.sender_id, j.member_id) AS member_id,
    h.first_sent_at,
    CASE
      WHEN j.first_joined_at IS NULL OR h.first_sent_at < j.first_joined_at THEN h.first_sent_at
      ELSE j.first_joined_at
    END AS first_seen_at
  FROM (SELECT chat_id, sender_id, first_sent_at FROM member_history WHERE is_member(sender_id, chat_id, chat_id)) AS h
  FULL OUTER JOIN join_history AS j
    ON j.chat_id = h.chat_id AND j.member_id = h.sender_id
),
cohorts AS (
  SELECT
    chat_id,
    member_id,
    CAST(DATE_TRUNC('week', first_seen_day) AS DATE) AS cohort_week,
    first_sent_at IS NOT NULL AND EPOCH(first_sent_at) - EPOCH(first_seen_at) <= 7 * 86400 AS activated
  FROM (
    SELECT
      *,
      CAST(local_time_of(first_seen_at, $timezone) AS DATE) AS first_seen_day
    FROM firsts
  ) AS seen
  WHERE first_seen_day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
),
sizes AS (
  SELECT
    chat_id,
    cohort_week,
    COUNT(*) AS members,
    COUNT(CASE WHEN activated THEN 1 END) AS activated
  FROM cohorts
  GROUP BY chat_id, cohort_week
),
weeks AS (
  SELECT
    s.chat_id,
    s.cohort_week,
    CAST(w.week_start AS DATE) AS week_start
  FROM sizes AS s
  CROSS JOIN UNNEST(
    GENERATE_SERIES(s.cohort_week, CAST(DATE_TRUNC('week', CAST($to_date AS DATE)) AS DATE), INTERVAL 7 DAY)
  ) AS w(week_start)
),
came_back AS (
  SELECT
    c.chat_id,
    c.cohort_week,
    CAST(DATE_TRUNC('week', p.day) AS DATE) AS week_start,
    COUNT(DISTINCT c.member_id) AS active
  FROM cohorts AS c
  JOIN daily_posters AS p
    ON p.chat_id = c.chat_id AND p.sender_id = c.member_id
  WHERE p.day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
  GROUP BY c.chat_id, c.cohort_week, CAST(DATE_TRUNC('week', p.day) AS DATE)
)
SELECT
  w.chat_id,
  w.cohort_week,
  CAST(DATE_DIFF('day', w.cohort_week, w.week_start) / 7 AS BIGINT) AS week,
  CAST(s.members AS BIGINT) AS members,
  CAST(COALESCE(b.active, 0) AS BIGINT) AS active,
  CAST(s.activated AS BIGINT) AS activated
FROM weeks AS w
JOIN sizes AS s
  ON s.chat_id = w.chat_id AND s.cohort_week = w.cohort_week
LEFT JOIN came_back AS b
  ON b.chat_id = w.chat_id AND b.cohort_week = w.cohort_week AND b.week_start = w.week_start
ORDER BY chat_id, cohort_week, week
