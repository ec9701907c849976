-- Task targets: each task → its patient (targetPerson, since Twenty 1.17). Twenty's CSV import cannot make
-- these (issue 14694); the exporter creates them through the API.
SELECT
    util.det_uuid('task_target', "_source_object" || ':' || "_source_key") AS id,
    id AS task_id,
    "_person_id" AS target_person_id,
    "_source_object", "_source_key", "_batch_id", "_source_file", "_source_record"
FROM {{ ref "twenty_task" }}
