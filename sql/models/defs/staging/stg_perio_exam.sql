-- Perio chart exams (the header of each chart).
WITH typed AS (
    SELECT
        src AS r,
        util.clean_text("Exam") AS exam_id,
        util.clean_text("Patient") AS patient_id,
        util.clean_text("Provider") AS provider_id,
        util.parse_date("ExamDate") AS exam_date,
        util.clean_text("ExamType") AS exam_type,
        util.clean_text("Prognosis") AS prognosis,
        -- PSR scores by sextant as charted ("2,3*,1,..."), kept as text.
        util.clean_text("PSR") AS psr,
        util.free_text("Notes") AS notes,
        "_batch_id", "_source_file", "_source_record"
    FROM {{ source "perio_exam" }} src
)
SELECT
    * EXCLUDE (r),
    util.dq_list([
        util.dq_typed('ExamDate', r."ExamDate", exam_date, util.parse_date_issue(r."ExamDate"))
    ]) AS _dq
FROM typed
