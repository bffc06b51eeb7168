-- Terms that took off on the range's last day (surging_terms: more than three times their mean per day
-- over the 28 days before, and at least surge_min_messages messages), each with its messages that day,
-- that mean, whether it is a tracked keyword, and two example messages of the day; the steepest first. A
-- term is shown as most of the day's messages using it wrote it (keyword; on a tie, the form used latest),
-- and as stored (term, as keywords has it).
SELECT
  chat_id,
  keyword,
  CAST(messages AS BIGINT) AS messages,
  CAST(daily_mean AS DOUBLE) AS daily_mean,
  tracked,
  term,
  example,
  second_example,
  CAST(RANK() OVER (PARTITION BY chat_id ORDER BY messages / (daily_mean + 1) DESC, messages DESC) AS BIGINT) AS rank
FROM surging_terms
ORDER BY chat_id, rank, keyword, term
