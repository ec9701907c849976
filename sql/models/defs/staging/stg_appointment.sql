-- Scheduler appointments, typed. The start keeps its time of day (clinic
-- local time as exported).
WITH typed AS (
    SELECT
        src AS r,
        util.clean_text("Appointment") AS appointment_id,
        util.clean_text("Patient") AS patient_id,
        util.clean_text("Provider") AS provider_id,
        util.clean_text("Clinic") AS clinic_id,
        util.clean_text("Chair") AS chair_id,
        util.parse_ts("AppointmentDate") AS appointment_at,
        CAST(util.parse_int("Duration") AS INTEGER) AS duration_minutes,
        util.clean_text("ProcedureType") AS procedure_type,
        util.clean_text("Status") AS status,
        util.free_text("Notes") AS notes,
        util.parse_ts("CreatedDate") AS created_at,
        util.parse_ts("ModifiedDate") AS modified_at,
        "_batch_id", "_source_file", "_source_record"
    FROM {{ source "appointment" }} src
)
SELECT
    * EXCLUDE (r),
    util.dq_list([
        util.dq_typed('AppointmentDate', r."AppointmentDate", appointment_at, util.parse_ts_issue(r."AppointmentDate")),
        util.dq_typed('Duration', r."Duration", duration_minutes, util.parse_int_issue(r."Duration")),
        util.dq('Duration', r."Duration", util.range_issue(duration_minutes, 0, 24 * 60, 'duration out of range')),
        util.dq_typed('CreatedDate', r."CreatedDate", created_at, util.parse_ts_issue(r."CreatedDate")),
        util.dq_typed('ModifiedDate', r."ModifiedDate", modified_at, util.parse_ts_issue(r."ModifiedDate"))
    ]) AS _dq
FROM typed
