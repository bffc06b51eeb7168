-- How many members are active in each group on each day of the range (every day, zeros included): dau
-- the distinct members who posted that day, wau those who posted in the 7 days ending that day, mau in
-- the 30 days ending that day (both reaching before the range: daily_posters goes back far enough), and
-- stickiness, dau / mau: the share of the month's active members who came that day.
WITH days AS (
  SELECT
    g.chat_id,
    CAST(d.day AS DATE) AS day
  FROM chats AS g
  CROSS JOIN UNNEST(GENERATE_SERIES(CAST($from_date AS DATE), CAST($to_date AS DATE), INTERVAL 1 DAY)) AS d(day)
),
active AS (
  SELECT
    d.chat_id,
    d.day,
    COUNT(DISTINCT CASE WHEN p.day = d.day THEN p.sender_id END) AS dau,
    COUNT(DISTINCT CASE WHEN p.day >= d.day - INTERVAL 6 DAY THEN p.sender_id END) AS wau,
    COUNT(DISTINCT p.sender_id) AS mau
  FROM days AS d
  JOIN daily_posters AS p
    ON p.chat_id = d.chat_id AND p.day BETWEEN d.day - INTERVAL 29 DAY AND d.day
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
LEFT JOIN active AS a
  ON a.chat_id = days.chat_id AND a.day = days.day
ORDER BY chat_id, date
