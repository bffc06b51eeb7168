-- Whether a stored term counts as a topic's keyword: every term consolidation stored is already a word
-- that counts (text/words.py: no stopword, no URL, e-mail or @mention, no short word but an acronym), so
-- what is left to decide is that it is a word or a hashtag, not a two-word phrase, or a tracked keyword's
-- term. The body of the macro is_keyword(candidate) (reports/macros.py), written out in the Athena SQL.
-- Reads the bound table tracked_keywords(keyword, term).
candidate IN (SELECT term FROM tracked_keywords)
OR candidate NOT LIKE '% %'
