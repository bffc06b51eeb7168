-- Messages per weekday (1 = Monday … 7 = Sunday) and hour (0–23) of sent_at in the group's time
-- zone: all 168 cells, zeros included.
WITH cells AS (
  SELECT
    ISODOW(local_sent_at) AS weekday,
    HOUR(local_sent_at) AS hour,
    COUNT(*) AS messages
  FROM counted_messages
  GROUP BY ISODOW(local_sent_at), HOUR(local_sent_at)
)
SELECT
  CAST(w.weekday AS INTEGER) AS weekday,
  CAST(h.hour AS INTEGER) AS hour,
  CAST(COALESCE(c.messages, 0) AS BIGINT) AS messages
FROM (VALUES (1), (2), (3), (4), (5), (6), (7)) AS w(weekday)
CROSS JOIN (
  VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11),
    (12), (13), (14), (15), (16), (17), (18), (19), (20), (21), (22), (23)
) AS h(hour)
LEFT JOIN cells AS c
  ON c.weekday = w.weekday AND c.hour = h.hour
ORDER BY weekday, hour
