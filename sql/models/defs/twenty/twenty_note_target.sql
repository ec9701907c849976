-- Note targets: each note → its patient (targetPerson, the field Twenty
-- links targets through since 1.17) (made through the API; Twenty's
-- CSV import cannot link notes, issue 14694).
SELECT
    util.det_uuid('note_target', axium_id) AS id,
    id AS note_id,
    "_person_id" AS target_person_id,
    "_source_object", "_source_key", "_batch_id", "_source_file", "_source_record"
FROM {{ ref "twenty_note" }}
