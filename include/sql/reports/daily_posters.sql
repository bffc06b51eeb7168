-- Who posted in each group on each day of the counted messages (every day the stages scan, which
-- reaches the 29 days before each range: its monthly active members): the distinct senders per day,
-- from which activity counts the daily, weekly and monthly active members and retention who came back.
-- Members only (is_member: not the group itself, its anonymous admins), as members counts them.
SELECT DISTINCT
  chat_id,
  day,
  sender_id
FROM counted_messages
WHERE is_member(sender_id, chat_id, origin_chat_id)
