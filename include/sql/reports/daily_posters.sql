-- Who posted in each group on each day of the counted messages (every day the stages scan, which
-- reaches the 29 days before each range: its monthly active members): the distinct senders per day,
-- from which activity counts the daily, weekly and monthly active members and retention who came back.
-- Not the group itself (its anonymous admins), which is no member (as members counts them); a private
-- chat's id is its person's (positive), who is.
SELECT DISTINCT
  chat_id,
  day,
  sender_id
FROM counted_messages
WHERE sender_id IS NOT NULL AND (sender_id NOT IN (chat_id, origin_chat_id) OR chat_id > 0)
