-- Treatments (axiUm TRX), typed. The procedure code comes three ways:
--   procedure_code_original  as exported (D1204A)
--   procedure_code_base      the CDT code without the school's suffix (D1204)
--   procedure_code           the code to use today: the base, or its
--                            successor when the crosswalk retired it (D1208)
-- The tooth is validated against the Universal system. Soft deletes stay
-- as rows with is_deleted set: later models decide what a deleted
-- treatment means for each destination.
WITH typed AS (
    SELECT
        src AS r,
        util.clean_text("Treatment") AS treatment_id,
        util.clean_text("Patient") AS patient_id,
        util.clean_text("Provider") AS provider_id,
        util.clean_text("Procedure") AS procedure_code_original,
        util.cdt_base("Procedure") AS procedure_code_base,
        util.cdt_suffix("Procedure") AS procedure_code_suffix,
        util.free_text("Description") AS description,
        util.tooth("Tooth") AS tooth,
        util.tooth_type("Tooth") AS tooth_type,
        upper(util.clean_text("Surfaces")) AS surfaces_text,
        -- P planned, I in progress, C completed, A condition, E existing.
        upper(util.clean_text("Status")) AS status,
        util.parse_date("TreatmentDate") AS treatment_date,
        util.parse_date("PlannedDate") AS planned_date,
        util.parse_money("Fee") AS fee,
        CAST(util.parse_int("Units") AS INTEGER) AS units,
        util.clean_text("ApprovedBy") AS approved_by,
        util.parse_date("ApprovedDate") AS approved_date,
        util.clean_text("Appointment") AS appointment_id,
        coalesce(util.yn("Deleted"), false) AS is_deleted,
        "_batch_id", "_source_file", "_source_record"
    FROM {{ source "treatment" }} src
)
SELECT
    t.treatment_id,
    t.patient_id,
    t.provider_id,
    coalesce(util.clean_text(x.new_code), t.procedure_code_base) AS procedure_code,
    t.procedure_code_original,
    t.procedure_code_base,
    t.procedure_code_suffix,
    t.description,
    t.tooth,
    t.tooth_type,
    -- Surfaces are letters of M O D B F L I; anything else is not a surface.
    CASE WHEN regexp_full_match(t.surfaces_text, '[MODBFLI]{1,5}') THEN t.surfaces_text END AS surfaces,
    t.status,
    t.treatment_date,
    t.planned_date,
    t.fee,
    t.units,
    t.approved_by,
    t.approved_date,
    t.appointment_id,
    t.is_deleted,
    t."_batch_id", t."_source_file", t."_source_record",
    util.dq_list([
        util.dq_typed('Procedure', t.r."Procedure", t.procedure_code_base, util.cdt_base_issue(t.r."Procedure")),
        util.dq('Procedure', t.r."Procedure", CASE WHEN t.procedure_code_suffix IS NOT NULL THEN 'code suffix stripped' END),
        util.dq('Procedure', t.r."Procedure",
            util.cdt_retired_issue(x.old_code, x.new_code, x.retired_in, coalesce(t.treatment_date, t.planned_date))),
        util.dq_typed('Tooth', t.r."Tooth", t.tooth, util.tooth_issue(t.r."Tooth")),
        util.dq('Surfaces', t.r."Surfaces",
            CASE WHEN t.surfaces_text IS NOT NULL AND NOT regexp_full_match(t.surfaces_text, '[MODBFLI]{1,5}') THEN 'invalid surfaces' END),
        util.dq('Status', t.r."Status",
            CASE WHEN t.status NOT IN ('P', 'I', 'C', 'A', 'E') THEN 'unknown treatment status' END),
        util.dq_typed('TreatmentDate', t.r."TreatmentDate", t.treatment_date, util.parse_date_issue(t.r."TreatmentDate")),
        util.dq_typed('PlannedDate', t.r."PlannedDate", t.planned_date, util.parse_date_issue(t.r."PlannedDate")),
        util.dq_typed('Fee', t.r."Fee", t.fee, util.parse_money_issue(t.r."Fee")),
        -- Conditions and existing work carry no fee (blank); billable work
        -- always has one. A 0 or a blank where the other belongs is the
        -- blank-vs-zero confusion of old report exports.
        util.dq('Fee', t.r."Fee", CASE
            WHEN t.fee = 0 THEN 'zero fee'
            WHEN util.clean_text(t.r."Fee") IS NULL AND t.status IN ('C', 'I', 'P') THEN 'missing fee'
        END),
        util.dq_typed('Units', t.r."Units", t.units, util.parse_int_issue(t.r."Units")),
        util.dq('Units', t.r."Units", util.range_issue(t.units, 1, 99, 'units out of range')),
        util.dq_typed('ApprovedDate', t.r."ApprovedDate", t.approved_date, util.parse_date_issue(t.r."ApprovedDate")),
        util.dq('Deleted', t.r."Deleted", util.yn_issue(t.r."Deleted"))
    ]) AS _dq
FROM typed t
LEFT JOIN {{ seed "cdt_crosswalk" }} x ON util.clean_text(x.old_code) = t.procedure_code_base
