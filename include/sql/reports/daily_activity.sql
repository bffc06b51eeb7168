-- How many members were active in each group on each day the stages scan: dau the distinct members who
-- posted that day, wau those who posted in the 7 days ending that day, mau in the 30 days ending that
-- day. Counted without comparing every day with every other: a member who posts on day p counts as
-- weekly active from p to p + 6 and monthly active from p to p + 29, or until the day they post next,
-- which starts the same again; so each posting day adds one member on its day and takes them away on
-- the first day after that stretch, and a running sum over the days gives the counts. The counts of the
-- first 29 scanned days lack the days before them: activity reads only the ranges' own days, which the
-- scan reaches 29 days before.
WITH posting AS (
  SELECT
    chat_id,
    sender_id,
    day,
    LEAD(day) OVER (PARTITION BY chat_id, sender_id ORDER BY day) AS next_day
  FROM daily_posters
),
changes AS (
  SELECT chat_id, day, 1 AS dau, 1 AS wau, 1 AS mau FROM posting
  UNION ALL
  SELECT chat_id, CAST(day + INTERVAL 1 DAY AS DATE) AS day, -1 AS dau, 0 AS wau, 0 AS mau FROM posting
  UNION ALL
  SELECT
    chat_id,
    CASE WHEN next_day < day + INTERVAL 7 DAY THEN next_day ELSE CAST(day + INTERVAL 7 DAY AS DATE) END AS day,
    0 AS dau,
    -1 AS wau,
    0 AS mau
  FROM posting
  UNION ALL
  SELECT
    chat_id,
    CASE WHEN next_day < day + INTERVAL 30 DAY THEN next_day ELSE CAST(day + INTERVAL 30 DAY AS DATE) END AS day,
    0 AS dau,
    0 AS wau,
    -1 AS mau
  FROM posting
),
per_day AS (
  SELECT
    chat_id,
    day,
    SUM(dau) AS dau,
    SUM(wau) AS wau,
    SUM(mau) AS mau
  FROM changes
  GROUP BY chat_id, day
)
SELECT
  chat_id,
  day,
  SUM(dau) OVER (PARTITION BY chat_id ORDER BY day) AS dau,
  SUM(wau) OVER (PARTITION BY chat_id ORDER BY day) AS wau,
  SUM(mau) OVER (PARTITION BY chat_id ORDER BY day) AS mau
FROM per_day
