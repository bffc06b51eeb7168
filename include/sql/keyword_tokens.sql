-- The keyword tokens of one message: the body of the DuckDB macro keyword_tokens_of(keyword_text), the
-- one definition of how a text becomes the terms the keywords report counts. Consolidation stores its
-- result (sorted) in the curated column keyword_tokens; the reports read that column and apply this
-- same expression where a partition written before the column lacks it (Athena: inlined by
-- reports/sql.py). The text is lower-cased with accents kept and ’ read as '; URLs (any scheme:
-- https://, tg://, …), e-mail addresses and @mentions that no entity marks are matched whole by the
-- first alternatives of the pattern (so the report can drop them); hashtags keep their #; each token
-- once per message. Which tokens count (length, stopwords, tracked keywords) is the report's
-- (reports/keywords.sql).
ARRAY_DISTINCT(REGEXP_EXTRACT_ALL(
  REPLACE(LOWER(keyword_text), '’', ''''),
  '[a-z][a-z0-9+.-]*://\S+|www\.\S+|t\.me/\S+|[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+|@[\p{L}\p{N}_]+|#[\p{L}\p{M}\p{N}_]+|\p{L}[\p{L}\p{M}]*(?:''\p{L}[\p{L}\p{M}]*)*'
))
