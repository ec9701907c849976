-- Patient alerts (the codes tab): allergies, conditions, medications.
WITH typed AS (
    SELECT
        src AS r,
        util.clean_text("Alert") AS alert_id,
        util.clean_text("Patient") AS patient_id,
        util.clean_text("AlertCode") AS alert_code,
        util.free_text("AlertText") AS alert_text,
        util.clean_text("Category") AS category,
        util.clean_text("Severity") AS severity,
        util.parse_date("EnteredDate") AS entered_date,
        coalesce(util.yn("Inactive"), false) AS is_inactive,
        "_batch_id", "_source_file", "_source_record"
    FROM {{ source "medical_alert" }} src
)
SELECT
    * EXCLUDE (r),
    util.dq_list([
        util.dq_typed('EnteredDate', r."EnteredDate", entered_date, util.parse_date_issue(r."EnteredDate")),
        util.dq('Inactive', r."Inactive", util.yn_issue(r."Inactive"))
    ]) AS _dq
FROM typed
