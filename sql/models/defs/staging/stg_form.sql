-- Custom form instances (axiUm PFORM): one filled-in form per patient.
WITH typed AS (
    SELECT
        src AS r,
        util.clean_text("PForm") AS form_id,
        util.clean_text("Patient") AS patient_id,
        util.clean_text("FormCode") AS form_code,
        util.parse_date("Date") AS form_date,
        coalesce(util.yn("Inactive"), false) AS is_inactive,
        "_batch_id", "_source_file", "_source_record"
    FROM {{ source "form" }} src
)
SELECT
    * EXCLUDE (r),
    util.dq_list([
        util.dq_typed('Date', r."Date", form_date, util.parse_date_issue(r."Date")),
        util.dq('Inactive', r."Inactive", util.yn_issue(r."Inactive"))
    ]) AS _dq
FROM typed
