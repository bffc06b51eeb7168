-- How many members are active in each group on each day of the range (every day, zeros included): dau
-- the distinct members who posted that day, wau those who posted in the 7 days ending that day, mau in
-- the 30 days ending that day (both reaching before the range: daily_activity), and stickiness,
-- dau / mau: the share of the month's active members who came that day.
WITH days AS (
  SELECT
    g.chat_id,
    CAST(d.day AS DATE) AS day
  FROM chats AS g
  CROSS JOIN UNNEST(GENERATE_SERIES(CAST($from_date AS DATE), CAST($to_date AS DATE), INTERVAL 1 DAY)) AS d(day)
),
-- the latest counts on or before each day (a day nobody's count changed has no row of its own)
latest AS (
  SELECT
    d.chat_id,
    d.day,
    MAX(a.day) AS counted_day
  FROM days AS d
  JOIN daily_activity AS a
    ON a.chat_id = d.chat_id AND a.day <= d.day
  GROUP BY d.chat_id, d.day
)
SELECT
  days.chat_id,
  days.day AS date,
  CAST(COALESCE(a.dau, 0) AS BIGINT) AS dau,
  CAST(COALESCE(a.wau, 0) AS BIGINT) AS wau,
  CAST(COALESCE(a.mau, 0) AS BIGINT) AS mau,
  CASE WHEN a.mau > 0 THEN CAST(a.dau AS DOUBLE) / a.mau END AS stickiness
FROM days
LEFT JOIN latest AS l
  ON l.chat_id = days.chat_id AND l.day = days.day
LEFT JOIN daily_activity AS a
  ON a.chat_id = l.chat_id AND a.day = l.counted_day
ORDER BY chat_id, date
