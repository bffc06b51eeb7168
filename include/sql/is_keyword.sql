-- Whether a term counts as a keyword: a tracked keyword or a hashtag always does; else it is no URL,
-- e-mail address or @mention, has at least 3 letters and is no stopword. The body of the macro
-- is_keyword(term) (reports/macros.py), written out in the Athena SQL; it depends on the term alone, so
-- the reports decide it once per distinct term after counting. Reads the bound tables
-- tracked_keywords(keyword) and stopwords(word).
term IN (SELECT keyword FROM tracked_keywords)
OR term LIKE '#%'
OR (
  term NOT LIKE '%@%'
  AND term NOT LIKE '%/%'
  AND term NOT LIKE '%.%'
  AND LENGTH(term) >= 3
  AND term NOT IN (SELECT word FROM stopwords)
)
