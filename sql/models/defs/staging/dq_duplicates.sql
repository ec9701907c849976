-- Keys held by more than one current row. The source already keeps only
-- each key's newest batch, so these are repeats within one delivery (a
-- report that wrote a record twice). Every copy after the first in export
-- order is listed; the first is the one later models keep.
--
-- The copies come from later_copies, which numbers every staging model's
-- repeated keys once for the models and for this report; a key with a
-- NULL part is left to the not_null tests.
SELECT
    model,
    object,
    record_key,
    "column",
    record_key AS raw_value,
    'duplicate key' AS reason,
    "_source_file",
    "_source_record"
FROM {{ ref "later_copies" }}
WHERE key_complete
