-- The sites each group shares: per registered domain of the links in the range's counted messages (url
-- and text_link entities and plain addresses, found at consolidation: t.me links by their first path
-- part), the messages linking to it (each message once), the distinct members who did, and its rank
-- (ties share one).
SELECT
  m.chat_id,
  d.domain,
  CAST(COUNT(*) AS BIGINT) AS messages,
  CAST(COUNT(DISTINCT m.sender_id) AS BIGINT) AS users,
  CAST(RANK() OVER (PARTITION BY m.chat_id ORDER BY COUNT(*) DESC, COUNT(DISTINCT m.sender_id) DESC) AS BIGINT) AS rank
-- the list as a column of a filtered relation first: DuckDB unnests that in one pass
FROM (
  SELECT chat_id, sender_id, link_domains FROM counted_messages
  WHERE ARRAY_LENGTH(link_domains) > 0 AND day BETWEEN CAST($from_date AS DATE) AND CAST($to_date AS DATE)
) AS m
CROSS JOIN UNNEST(m.link_domains) AS d(domain)
GROUP BY m.chat_id, d.domain
ORDER BY chat_id, rank, domain
