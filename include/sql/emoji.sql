-- The emoji of one text: the body of the DuckDB macro emojis_of(text), the one definition of what the
-- emoji report counts. Consolidation stores its result (sorted) in the curated column emojis; the
-- reports read that column and apply this same expression where a partition written before the column
-- lacks it (Athena: inlined by reports/sql.py). An emoji is one grapheme: a skin tone, a keycap, a flag
-- or a sequence joined by zero-width joiners stays whole; variation selectors are dropped, so ❤ and ❤️
-- (☪ and ☪️) are one. Each once per text; NULL where the text holds none. One quick match finds the
-- texts with a pictograph at all; only those are taken apart.
CASE
  WHEN REGEXP_MATCHES(text, '[\x{1F000}-\x{1FAFF}\x{2300}-\x{23FF}\x{2600}-\x{27BF}\x{2B00}-\x{2BFF}\x{20E3}]')
    THEN ARRAY_DISTINCT(REGEXP_EXTRACT_ALL(REPLACE(REPLACE(text, CHR(65038), ''), CHR(65039), ''), '[\x{1F1E6}-\x{1F1FF}]{2}|[0-9#*]\x{FE0F}?\x{20E3}|[\x{1F000}-\x{1FAFF}\x{2300}-\x{23FF}\x{2600}-\x{27BF}\x{2B00}-\x{2BFF}][\x{FE0E}\x{FE0F}]?[\x{1F3FB}-\x{1F3FF}]?(?:[\x{E0020}-\x{E007E}]+\x{E007F})?(?:\x{200D}[\x{1F000}-\x{1FAFF}\x{2300}-\x{23FF}\x{2600}-\x{27BF}\x{2B00}-\x{2BFF}][\x{FE0E}\x{FE0F}]?[\x{1F3FB}-\x{1F3FF}]?)*'))
END
