-- Treatment visits as crm.lead opportunities (seed row EHR - Treatment
-- History): one per patient and appointment, or per patient and date when
-- a treatment has no appointment, so the patient's pipeline reads as their
-- clinical visits.
--
-- type 'opportunity' (not 'lead'): a lead is an unqualified contact to
-- convert; a visit belongs to a known customer (the patient partner) and
-- carries revenue, which is what an opportunity is. Performed work (status
-- C completed, I in progress) makes a visit; a visit whose work is all
-- completed is Won (crm.stage_lead4) on its date. Planned work (P) makes
-- an open opportunity per patient and planned appointment (or planned
-- date): the treatment plan, in stage New (crm.stage_lead1).
-- Conditions (A), existing work (E), soft-deleted treatments, treatments of
-- unknown patients and repeated keys are not visits; reconciliation counts
-- each.
--
-- x_axium_xid repeats the external id on the record: the push creates
-- visits with create (Odoo's load took them at 0.62 of a batched create's
-- rate at 1,000 patients) and knows them by it; appointments name their
-- visit by its database id (opportunity_id/.id), found by that key.
--
-- Built in passes over shares of the patients (see the .yml); every visit
-- comes from t, which keeps one pass's share.
WITH t AS (
    SELECT t.* FROM {{ ref "stg_treatment" }} t
    ANTI JOIN {{ ref "dq_duplicates" }} d
        ON d.model = 'stg_treatment' AND d.record_key = t.treatment_id AND d."_source_file" = t."_source_file" AND d."_source_record" = t."_source_record"
    SEMI JOIN {{ ref "odoo_res_partner_patient" }} p ON p.x_source_system_id = t.patient_id
    WHERE NOT t.is_deleted AND t.status IN ('C', 'I', 'P') AND {{ batch "t.patient_id" }}
), keyed AS (
    SELECT
        t.*,
        CASE WHEN t.status = 'P' THEN 'treatment_plan' ELSE 'visit' END AS kind,
        t.patient_id || '|' || CASE
            WHEN t.appointment_id IS NOT NULL THEN 'A' || t.appointment_id
            WHEN t.status = 'P' THEN coalesce('D' || strftime(t.planned_date, '%Y%m%d'), 'plan')
            ELSE coalesce('D' || strftime(t.treatment_date, '%Y%m%d'), 'undated')
        END AS visit_key,
        coalesce(l.label, t.description, t.procedure_code_original) AS label,
        '<li>' || util.html_text(concat_ws(' ',
            coalesce(t.procedure_code, t.procedure_code_original),
            coalesce(l.label, t.description),
            CASE WHEN t.tooth IS NOT NULL THEN '- tooth ' || t.tooth END,
            CASE WHEN t.surfaces IS NOT NULL THEN 'surfaces ' || t.surfaces END,
            CASE WHEN t.fee IS NOT NULL THEN '- ' || printf('%.2f', t.fee) END,
            '(status ' || t.status || ', axiUm treatment ' || t.treatment_id || ')')) || '</li>' AS line
    FROM t
    LEFT JOIN {{ seed "cdt_label" }} l ON l.code = t.procedure_code
), visits AS (
    SELECT
        kind,
        visit_key,
        any_value(patient_id) AS patient_id,
        -- Lists sorted after grouping: DuckDB's DISTINCT and ORDER BY
        -- aggregates cost twice as much here.
        util.sorted_distinct_text(list(label) FILTER (WHERE label IS NOT NULL), ', ') AS name,
        '<ul>' || util.join_sorted(list({'k1': treatment_date IS NULL, 'v1': treatment_date,
            'k2': treatment_id IS NULL, 'v2': length(treatment_id), 'v3': treatment_id, 'line': line}), '') || '</ul>' AS description,
        util.sorted_distinct_text(list(procedure_code) FILTER (WHERE procedure_code IS NOT NULL), ', ') AS codes,
        util.sorted_distinct_text(list(tooth) FILTER (WHERE tooth IS NOT NULL), ', ') AS teeth,
        arg_min(provider_id, (provider_id IS NULL, treatment_date, treatment_id)) AS provider_id,
        min(treatment_date) AS visit_date,
        min(planned_date) AS planned_date,
        sum(fee) AS revenue,
        bool_and(status = 'C') AS all_completed,
        count(*) AS treatments,
        any_value(appointment_id) AS appointment_id,
        arg_min({'b': "_batch_id", 'f': "_source_file", 'r': "_source_record", 'k': treatment_id},
            ("_batch_id", "_source_file", "_source_record")) AS first_row
    FROM keyed
    GROUP BY kind, visit_key
), appointment_day AS (
    -- A visit whose treatments carry no usable date (staging reported
    -- them) is dated by its appointment.
    SELECT a.appointment_id, CAST(a.appointment_at AS DATE) AS day
    FROM {{ ref "stg_appointment" }} a
    ANTI JOIN {{ ref "dq_duplicates" }} d
        ON d.model = 'stg_appointment' AND d.record_key = a.appointment_id AND d."_source_file" = a."_source_file" AND d."_source_record" = a."_source_record"
    SEMI JOIN (SELECT appointment_id FROM visits
               WHERE CASE WHEN kind = 'visit' THEN visit_date ELSE planned_date END IS NULL) v USING (appointment_id)
    WHERE a.appointment_at IS NOT NULL
)
SELECT
    util.odoo_xid(v.kind, v.visit_key) AS id,
    coalesce(v.name, 'Visit') AS name,
    'opportunity' AS type,
    util.odoo_xid('patient', v.patient_id) AS "partner_id/id",
    u.id AS "user_id/id",
    CASE WHEN v.kind = 'visit' AND v.all_completed THEN 'crm.stage_lead4' ELSE 'crm.stage_lead1' END AS "stage_id/id",
    CASE WHEN v.kind = 'visit' AND v.all_completed THEN 100.0 END AS probability,
    coalesce(v.revenue, 0.00) AS expected_revenue,
    coalesce(CASE WHEN v.kind = 'visit' THEN v.visit_date ELSE v.planned_date END, a.day) AS date_deadline,
    CASE WHEN v.kind = 'visit' AND v.all_completed THEN CAST(coalesce(v.visit_date, a.day) AS TIMESTAMP) END AS date_closed,
    v.description,
    v.kind AS x_visit_kind,
    v.codes AS x_procedure_codes,
    v.teeth AS x_teeth,
    v.treatments AS x_treatment_count,
    util.odoo_xid(v.kind, v.visit_key) AS x_axium_xid,
    'treatment' AS "_source_object",
    v.visit_key AS "_source_key",
    v.first_row.b AS "_batch_id",
    v.first_row.f AS "_source_file",
    v.first_row.r AS "_source_record"
FROM visits v
LEFT JOIN {{ ref "odoo_res_users" }} u ON u.x_source_system_id = v.provider_id
LEFT JOIN appointment_day a ON a.appointment_id = v.appointment_id
