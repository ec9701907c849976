-- Clinical, procedure, progress and SOAP notes. Note text keeps its inner
-- line breaks, quotes and the spaces at its ends: it arrives exactly.
WITH typed AS (
    SELECT
        src AS r,
        util.clean_text("Note") AS note_id,
        util.clean_text("Patient") AS patient_id,
        util.clean_text("Provider") AS provider_id,
        util.parse_ts("NoteDate") AS note_at,
        util.clean_text("NoteType") AS note_type,
        util.clean_text("Procedure") AS procedure_code_original,
        util.cdt_base("Procedure") AS procedure_code_base,
        util.cdt_suffix("Procedure") AS procedure_code_suffix,
        util.clean_text("Treatment") AS treatment_id,
        util.free_text("Subjective") AS subjective,
        util.free_text("Objective") AS objective,
        util.free_text("Assessment") AS assessment,
        util.free_text("Plan") AS plan,
        util.free_text("NoteText") AS note_text,
        "_batch_id", "_source_file", "_source_record"
    FROM {{ source "clinical_note" }} src
)
SELECT
    t.note_id,
    t.patient_id,
    t.provider_id,
    t.note_at,
    t.note_type,
    coalesce(util.clean_text(x.new_code), t.procedure_code_base) AS procedure_code,
    t.procedure_code_original,
    t.procedure_code_base,
    t.procedure_code_suffix,
    t.treatment_id,
    t.subjective,
    t.objective,
    t.assessment,
    t.plan,
    t.note_text,
    t."_batch_id", t."_source_file", t."_source_record",
    util.dq_list([
        util.dq_typed('NoteDate', t.r."NoteDate", t.note_at, util.parse_ts_issue(t.r."NoteDate")),
        util.dq_typed('Procedure', t.r."Procedure", t.procedure_code_base, util.cdt_base_issue(t.r."Procedure")),
        util.dq('Procedure', t.r."Procedure", CASE WHEN t.procedure_code_suffix IS NOT NULL THEN 'code suffix stripped' END),
        util.dq('Procedure', t.r."Procedure",
            util.cdt_retired_issue(x.old_code, x.new_code, x.retired_in, t.note_at))
    ]) AS _dq
FROM typed t
LEFT JOIN {{ seed "cdt_crosswalk" }} x ON util.clean_text(x.old_code) = t.procedure_code_base
