-- Recalls (due and overdue patient follow-ups), typed.
WITH typed AS (
    SELECT
        src AS r,
        util.clean_text("Recall") AS recall_id,
        util.clean_text("Patient") AS patient_id,
        util.clean_text("Provider") AS provider_id,
        util.clean_text("RecallCode") AS recall_code,
        util.clean_text("RecallType") AS recall_type,
        CAST(util.parse_int("IntervalMonths") AS INTEGER) AS interval_months,
        -- The date the recall falls due.
        util.parse_date("RecallDate") AS due_date,
        util.parse_date("AppointmentDate") AS appointment_date,
        util.clean_text("Status") AS status,
        "_batch_id", "_source_file", "_source_record"
    FROM {{ source "recall" }} src
)
SELECT
    * EXCLUDE (r),
    util.dq_list([
        util.dq_typed('IntervalMonths', r."IntervalMonths", interval_months, util.parse_int_issue(r."IntervalMonths")),
        util.dq('IntervalMonths', r."IntervalMonths", util.range_issue(interval_months, 1, 120, 'interval out of range')),
        util.dq_typed('RecallDate', r."RecallDate", due_date, util.parse_date_issue(r."RecallDate")),
        util.dq_typed('AppointmentDate', r."AppointmentDate", appointment_date, util.parse_date_issue(r."AppointmentDate"))
    ]) AS _dq
FROM typed
