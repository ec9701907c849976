-- Chairs (operatories) per clinic.
WITH typed AS (
    SELECT
        util.clean_text("Chair") AS chair_id,
        util.clean_text("Clinic") AS clinic_id,
        util.clean_name("Name") AS name,
        "_batch_id", "_source_file", "_source_record"
    FROM {{ source "operatory" }} src
)
SELECT
    *,
    -- Nothing here can fail to type; the column keeps every staging model's
    -- shape the same for data_quality.
    util.dq_list([]) AS _dq
FROM typed
