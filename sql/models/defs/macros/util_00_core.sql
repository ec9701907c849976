-- Core helpers the other macro files build on. DuckDB binds a macro's body
-- when it is created, so a macro may only call macros of an earlier file (the
-- runner executes macro files in file-name order) or earlier in its own file.

-- Bytes that must be flagged where they are found: a NUL (PostgreSQL, under
-- both Twenty and Odoo, cannot store one in text, and CSV readers cut the
-- value at it) and a C1 control character U+0080-U+009F (the loader decodes a
-- byte the file's code page leaves undefined, such as 0x81 in Windows-1252,
-- to the control character of the same number, so raw keeps the exact byte;
-- text never holds one on purpose). staging.data_quality lists each raw value
-- holding one. A NUL is removed from the staged value (clean_text,
-- free_text); a C1 character is kept, as the raw byte was.
CREATE OR REPLACE MACRO util.has_flagged_byte(t) AS
    regexp_matches(t, '[\x00\x{80}-\x{9F}]');

CREATE OR REPLACE MACRO util.byte_issue(t) AS
    CASE WHEN contains(t, chr(0)) THEN 'NUL byte removed'
         WHEN util.has_flagged_byte(t) THEN 'undefined byte (C1 control character)' END;

-- The text without NUL bytes (see has_flagged_byte).
CREATE OR REPLACE MACRO util.drop_nul(t) AS
    replace(t, chr(0), '');

-- Exported names, codes and keys, trimmed of spaces; NULL when blank (free
-- text uses free_text instead, which never trims). An export writes a
-- missing value as '' and report writers pad fields with spaces. Only
-- spaces: trim with a character list costs three times as much, and the
-- loader has already split lines and fields, so tabs and CRs inside a value
-- are the value's own.
CREATE OR REPLACE MACRO util.clean_text(t) AS
    nullif(trim(util.drop_nul(t)), '');

-- Free text (note bodies, comments, alert and answer text, descriptions)
-- exactly as exported: only an empty field becomes NULL. Never trimmed or
-- rewritten: a note's leading indent, trailing space and line breaks are
-- its author's, and the migration must deliver them byte for byte. Use
-- clean_text for names, codes and keys only.
CREATE OR REPLACE MACRO util.free_text(t) AS
    nullif(util.drop_nul(t), '');

-- One data-quality entry of a row's _dq list, or NULL when there is no
-- reason. `col` is the raw (catalog) column name so an entry leads back to
-- the export's own header.
CREATE OR REPLACE MACRO util.dq(col, raw, reason) AS
    CASE WHEN reason IS NOT NULL THEN
        {'column': col, 'raw_value': CAST(raw AS VARCHAR), 'reason': CAST(reason AS VARCHAR)}
    END;

-- The entry for a value that was given but could not be typed: the typed
-- value `v` is NULL while `raw` is not blank. `issue` is only evaluated for
-- those rows (CASE evaluates a branch on its matching rows only), so the
-- costly *_issue macros never run on clean values.
CREATE OR REPLACE MACRO util.dq_typed(col, raw, v, issue) AS
    CASE WHEN v IS NULL AND util.clean_text(raw) IS NOT NULL THEN
        {'column': col, 'raw_value': CAST(raw AS VARCHAR), 'reason': coalesce(CAST(issue AS VARCHAR), 'could not be typed')}
    END;

-- A row's _dq column: the entries that are not NULL. Always a list (empty
-- when the row is clean) of STRUCT("column", raw_value, reason).
CREATE OR REPLACE MACRO util.dq_list(entries) AS
    CAST(list_filter(entries, lambda e: e IS NOT NULL) AS STRUCT("column" VARCHAR, raw_value VARCHAR, reason VARCHAR)[]);

-- string_agg(DISTINCT x, sep ORDER BY x) of a list(x) FILTER (WHERE x IS
-- NOT NULL): NULL when the group has no value. Sorting the distinct values
-- of the finished list is much cheaper than a DISTINCT ... ORDER BY
-- aggregate, which keeps a sorted set per group.
CREATE OR REPLACE MACRO util.sorted_distinct_text(l, sep) AS
    array_to_string(list_sort(list_distinct(l)), sep);

-- string_agg(line, sep ORDER BY keys) as list(STRUCT) → text: the structs
-- hold the sort keys first and the text last, in a field named line. For a
-- key sorted NULLS LAST put "key IS NULL" before it. Sorting each finished
-- list costs about half of an ORDER BY aggregate, which sorts per group
-- inside the hash table.
CREATE OR REPLACE MACRO util.join_sorted(l, sep) AS
    array_to_string(list_transform(list_sort(l), lambda x: x.line), sep);
