-- Note targets: each note → its patient (made through the API; Twenty's
-- CSV import cannot link notes, issue 14694).
SELECT
    util.det_uuid('note_target', axium_id) AS id,
    id AS note_id,
    "_person_id" AS person_id,
    "_source_object", "_source_key", "_batch_id", "_source_file", "_source_record"
FROM {{ ref "twenty_note" }}
