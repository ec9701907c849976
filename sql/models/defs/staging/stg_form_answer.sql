-- Custom form answers (axiUm PITEM). A question answered again later has
-- several rows; the latest entered_at wins, which later models decide.
WITH typed AS (
    SELECT
        src AS r,
        util.clean_text("PItem") AS form_answer_id,
        util.clean_text("PForm") AS form_id,
        util.clean_text("Patient") AS patient_id,
        util.clean_text("FItem") AS form_item_id,
        util.clean_text("FormCode") AS form_code,
        util.parse_date("Date") AS answer_date,
        util.parse_ts("EntryDateTime") AS entered_at,
        util.yn("AnsYes") AS answer_yes,
        util.free_text("AnsText") AS answer_text,
        util.clean_text("AppUser") AS entered_by,
        util.clean_text("Status") AS status,
        "_batch_id", "_source_file", "_source_record"
    FROM {{ source "form_answer" }} src
)
SELECT
    * EXCLUDE (r),
    util.dq_list([
        util.dq_typed('Date', r."Date", answer_date, util.parse_date_issue(r."Date")),
        util.dq_typed('EntryDateTime', r."EntryDateTime", entered_at, util.parse_ts_issue(r."EntryDateTime")),
        util.dq_typed('AnsYes', r."AnsYes", answer_yes, util.yn_issue(r."AnsYes"))
    ]) AS _dq
FROM typed
