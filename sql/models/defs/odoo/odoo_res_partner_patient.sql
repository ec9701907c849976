-- Patients as res.partner persons, with their clinical and insurance
-- metadata in custom x_ fields (seed rows Patient Card, Medical Alerts,
-- Insurance Records, Odontogram).
--
-- parent_id: the guarantor, when axiUm holds a separate guarantor record.
-- Such a patient gets type 'other', not 'contact': Odoo overwrites a
-- 'contact' child's address with its parent's on create (res.partner
-- _fields_sync), and a patient's own address must survive.
--
-- Every aggregate is one GROUP BY per patient (alerts, policies,
-- odontograms) joined by key: no per-row subqueries, so the plan stays
-- hash joins at any size.
WITH p AS (
    SELECT * FROM {{ ref "stg_patient" }} p
    ANTI JOIN {{ ref "dq_duplicates" }} d
        ON d.model = 'stg_patient' AND d.record_key = p.patient_id AND d."_source_file" = p."_source_file" AND d."_source_record" = p."_source_record"
), alert AS (
    SELECT a.* FROM {{ ref "stg_medical_alert" }} a
    ANTI JOIN {{ ref "dq_duplicates" }} d
        ON d.model = 'stg_medical_alert' AND d.record_key = a.alert_id AND d."_source_file" = a."_source_file" AND d."_source_record" = a."_source_record"
    WHERE NOT a.is_inactive AND a.alert_text IS NOT NULL
), alerts AS (
    -- The most severe first, then in the order they were entered.
    SELECT
        patient_id,
        -- Sorted lists, not ORDER BY aggregates, which keep a sort state
        -- per patient.
        util.join_sorted(list({
            'v0': CASE severity WHEN 'Critical' THEN 0 WHEN 'High' THEN 1 WHEN 'Moderate' THEN 2 WHEN 'Low' THEN 3 ELSE 4 END,
            'k1': entered_date IS NULL, 'v1': entered_date, 'k2': alert_id IS NULL, 'v2': alert_id, 'line': alert_text}), '; ') AS medical_alert,
        util.join_sorted(list({'k1': entered_date IS NULL, 'v1': entered_date, 'k2': alert_id IS NULL, 'v2': alert_id, 'line': alert_text})
            FILTER (WHERE category = 'Allergy'), '; ') AS allergy_list,
        list_sort(list(alert_id), 'ASC', 'NULLS LAST') AS alert_keys
    FROM alert
    GROUP BY patient_id
), policy AS (
    -- Per patient and ordinal, the policy in force (no term date) with the
    -- latest effective date; a terminated one only when none is in force.
    SELECT
        pol.patient_id, pol.policy_id, pol.ordinal, pol.subscriber_id, pol.effective_date,
        bp.group_number, bp.plan_type, c.name AS carrier_name, c.carrier_id
    FROM {{ ref "stg_policy" }} pol
    LEFT JOIN (SELECT * FROM {{ ref "stg_benefit_plan" }} QUALIFY row_number() OVER (PARTITION BY plan_id ORDER BY "_batch_id", "_source_file", "_source_record") = 1) bp
        ON bp.plan_id = pol.plan_id
    LEFT JOIN (SELECT carrier_id, name FROM {{ ref "stg_carrier" }} QUALIFY row_number() OVER (PARTITION BY carrier_id ORDER BY "_batch_id", "_source_file", "_source_record") = 1) c
        ON c.carrier_id = bp.carrier_id
    WHERE pol.ordinal IN (1, 2)
    QUALIFY row_number() OVER (PARTITION BY pol.patient_id, pol.ordinal
        ORDER BY pol.term_date IS NULL DESC, pol.effective_date DESC NULLS LAST, pol.policy_id) = 1
), odontogram AS (
    SELECT patient_id, arg_max(attachment_id, (scan_date, attachment_id)) AS attachment_id
    FROM {{ ref "stg_attachment" }}
    WHERE document_type = 'Odontogram'
    GROUP BY patient_id
), partner AS (
SELECT
    util.odoo_xid('patient', p.patient_id) AS id,
    coalesce(nullif(concat_ws(' ', p.first_name, p.middle_name, p.last_name), ''), 'Patient ' || coalesce(p.chart_number, p.patient_id)) AS name,
    false AS is_company,
    CASE WHEN g.id IS NOT NULL THEN 'other' ELSE 'contact' END AS type,
    g.id AS "parent_id/id",
    NOT p.is_deleted AS active,
    p.email,
    coalesce(p.home_phone, p.work_phone) AS phone,
    p.cell_phone AS mobile,
    p.address1 AS street,
    p.address2 AS street2,
    p.city,
    p.zip,
    'base.us' AS "country_id/id",
    'patient' AS x_partner_type,
    p.patient_id AS x_source_system_id,
    p.chart_number AS x_chart_number,
    p.birth_date AS x_birth_date,
    util.odoo_sel(p.gender) AS x_gender,
    p.preferred_name AS x_preferred_name,
    p.language AS x_language,
    -- Kept when a home phone already fills phone.
    CASE WHEN p.home_phone IS NOT NULL THEN p.work_phone END AS x_work_phone,
    util.odoo_sel(p.status) AS x_patient_status,
    util.odoo_sel(p.guarantor_relationship) AS x_guarantor_relationship,
    a.medical_alert AS x_medical_alert,
    a.allergy_list AS x_allergy_list,
    pri.carrier_name AS x_insurance_carrier,
    util.odoo_xid('carrier', pri.carrier_id) AS "x_insurance_carrier_id/id",
    pri.group_number AS x_group_number,
    pri.subscriber_id AS x_subscriber_id,
    util.odoo_sel(pri.plan_type) AS x_coverage_type,
    pri.effective_date AS x_insurance_effective_date,
    sec.carrier_name AS x_secondary_insurance_carrier,
    util.odoo_xid('carrier', sec.carrier_id) AS "x_secondary_insurance_carrier_id/id",
    sec.group_number AS x_secondary_group_number,
    sec.subscriber_id AS x_secondary_subscriber_id,
    util.odoo_sel(sec.plan_type) AS x_secondary_coverage_type,
    sec.effective_date AS x_secondary_insurance_effective_date,
    util.odoo_xid('attachment', o.attachment_id) AS x_odontogram_ref,
    rf.id AS "x_referral_source_id/id",
    rf.name AS x_referral_source,
    cl.id AS "x_clinic_id/id",
    u.id AS "x_assigned_provider_id/id",
    p.created_at AS x_axium_created_at,
    p.state AS "_state_code",
    -- What was merged into this partner, for odoo.reconciliation.
    a.alert_keys AS "_alert_keys",
    pri.policy_id AS "_primary_policy_key",
    sec.policy_id AS "_secondary_policy_key",
    'patient' AS "_source_object",
    p.patient_id AS "_source_key",
    p."_batch_id", p."_source_file", p."_source_record"
FROM p
LEFT JOIN {{ ref "odoo_res_partner_guarantor" }} g ON g.x_source_system_id = p.guarantor_id
LEFT JOIN alerts a ON a.patient_id = p.patient_id
LEFT JOIN policy pri ON pri.patient_id = p.patient_id AND pri.ordinal = 1
LEFT JOIN policy sec ON sec.patient_id = p.patient_id AND sec.ordinal = 2
LEFT JOIN odontogram o ON o.patient_id = p.patient_id
LEFT JOIN {{ ref "odoo_res_partner_company" }} rf ON rf.x_partner_type = 'referrer' AND rf.x_source_system_id = p.referral_id
LEFT JOIN {{ ref "odoo_res_partner_company" }} cl ON cl.x_partner_type = 'clinic' AND cl.x_source_system_id = p.clinic_id
LEFT JOIN {{ ref "odoo_res_users" }} u ON u.x_source_system_id = p.assigned_provider_id
)
-- Every column above, then each column of the patient export that the
-- catalog does not know and meta.carried_column carries: an x_ text field
-- named as its odoo_field, holding the raw text exactly (a blank is no
-- value). See staging.source_column.
{{ carried "patient" "odoo" "partner" }}
