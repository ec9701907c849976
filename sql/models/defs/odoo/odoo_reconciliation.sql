-- Where every staging row went: one row per seed mapping row (and per
-- staging object the seed does not map), with the source rows, the
-- destination rows, and each source row's fate counted:
--   carried     reached the destination as its own record (1:1)
--   merged      folded into another record (treatments into a visit,
--               alerts and policies into the patient, older recalls into
--               the series)
--   duplicate   a repeated key's later copy (staging.dq_duplicates)
--   orphan      its patient (or exam) is not migrated (staging.dq_orphans)
--   filtered    left out by a rule, named in `difference`
--   unexplained none of these: a defect of the models; the tests require 0
-- A merged row is counted when its destination record really exists (a
-- join on the destination's id), so a visit that failed to build shows as
-- unexplained. 1:1 rows are checked by count: carried_rows must equal
-- destination_rows (one_to_one), which the tests assert.
WITH
patients AS (SELECT x_source_system_id AS patient_id FROM {{ ref "odoo_res_partner_patient" }}),
dup AS (SELECT model, record_key, "_source_file", "_source_record" FROM {{ ref "dq_duplicates" }}),
-- Each CTE below gives one row per staging row: seq (the reconciliation
-- row), fate and, for filtered rows, the reason.
f_patient AS (
    SELECT 1 AS seq, CASE WHEN d.model IS NOT NULL THEN 'duplicate' ELSE 'carried' END AS fate, NULL AS reason
    FROM {{ ref "stg_patient" }} s
    LEFT JOIN dup d ON d.model = 'stg_patient' AND d.record_key = s.patient_id AND d."_source_file" = s."_source_file" AND d."_source_record" = s."_source_record"
),
f_guarantor AS (
    SELECT 2, CASE WHEN d.model IS NOT NULL THEN 'duplicate' ELSE 'carried' END, NULL
    FROM {{ ref "stg_guarantor" }} s
    LEFT JOIN dup d ON d.model = 'stg_guarantor' AND d.record_key = s.guarantor_id AND d."_source_file" = s."_source_file" AND d."_source_record" = s."_source_record"
),
f_treatment AS (
    SELECT 3,
        CASE
            WHEN d.model IS NOT NULL THEN 'duplicate'
            WHEN p.patient_id IS NULL THEN 'orphan'
            WHEN s.is_deleted THEN 'filtered'
            WHEN s.status IN ('A', 'E') THEN 'filtered'
            WHEN s.status IS NULL OR s.status NOT IN ('C', 'I', 'P') THEN 'filtered'
            WHEN l.id IS NOT NULL THEN 'merged'
            ELSE 'unexplained'
        END,
        CASE
            WHEN d.model IS NOT NULL OR p.patient_id IS NULL THEN NULL
            WHEN s.is_deleted THEN 'deleted in axiUm'
            WHEN s.status = 'A' THEN 'condition charted (status A), not a procedure'
            WHEN s.status = 'E' THEN 'existing work (status E), done elsewhere'
            WHEN s.status IS NULL OR s.status NOT IN ('C', 'I', 'P') THEN 'unknown treatment status'
        END
    FROM {{ ref "stg_treatment" }} s
    LEFT JOIN dup d ON d.model = 'stg_treatment' AND d.record_key = s.treatment_id AND d."_source_file" = s."_source_file" AND d."_source_record" = s."_source_record"
    LEFT JOIN patients p ON p.patient_id = s.patient_id
    LEFT JOIN {{ ref "odoo_crm_lead" }} l ON l.id = util.odoo_xid(CASE WHEN s.status = 'P' THEN 'treatment_plan' ELSE 'visit' END,
        s.patient_id || '|' || CASE
            WHEN s.appointment_id IS NOT NULL THEN 'A' || s.appointment_id
            WHEN s.status = 'P' THEN coalesce('D' || strftime(s.planned_date, '%Y%m%d'), 'plan')
            ELSE coalesce('D' || strftime(s.treatment_date, '%Y%m%d'), 'undated') END)
),
merged_alerts AS (SELECT DISTINCT unnest("_alert_keys") AS alert_id FROM {{ ref "odoo_res_partner_patient" }}),
f_alert AS (
    SELECT 4,
        CASE
            WHEN d.model IS NOT NULL THEN 'duplicate'
            WHEN p.patient_id IS NULL THEN 'orphan'
            WHEN s.is_inactive THEN 'filtered'
            WHEN s.alert_text IS NULL THEN 'filtered'
            WHEN m.alert_id IS NOT NULL THEN 'merged'
            ELSE 'unexplained'
        END,
        CASE
            WHEN d.model IS NOT NULL OR p.patient_id IS NULL THEN NULL
            WHEN s.is_inactive THEN 'inactive alert, no longer a current medical alert'
            WHEN s.alert_text IS NULL THEN 'alert without text'
        END
    FROM {{ ref "stg_medical_alert" }} s
    LEFT JOIN dup d ON d.model = 'stg_medical_alert' AND d.record_key = s.alert_id AND d."_source_file" = s."_source_file" AND d."_source_record" = s."_source_record"
    LEFT JOIN patients p ON p.patient_id = s.patient_id
    LEFT JOIN merged_alerts m ON m.alert_id = s.alert_id
),
exams AS (
    SELECT e.exam_id, bool_or(p.patient_id IS NOT NULL) AS migrated
    FROM {{ ref "stg_perio_exam" }} e LEFT JOIN patients p ON p.patient_id = e.patient_id
    GROUP BY e.exam_id
),
-- At the site grain a measurement is carried as its own record (checked
-- by count); at the tooth and exam grains it is merged into its tooth's
-- (exam's) record, checked on the records, and a site that is not one of
-- the six, which has no field there, is filtered.
{{- $grain := var "perio_grain" }}
{{- if ne $grain "site" }}
perio_records AS (SELECT DISTINCT x_exam_id{{ if eq $grain "tooth" }}, x_tooth{{ end }} FROM {{ ref "odoo_x_perio_record" }}),
{{- end }}
f_perio AS (
    SELECT 5,
        CASE
            WHEN d.model IS NOT NULL THEN 'duplicate'
            WHEN e.migrated IS NOT TRUE THEN 'orphan'
            WHEN s.tooth IS NULL OR s.site IS NULL THEN 'filtered'
{{- if eq $grain "site" }}
            ELSE 'carried'
{{- else }}
            WHEN s.site NOT IN ('DB', 'B', 'MB', 'DL', 'L', 'ML') THEN 'filtered'
            WHEN r.x_exam_id IS NOT NULL THEN 'merged'
            ELSE 'unexplained'
{{- end }}
        END,
        CASE WHEN d.model IS NOT NULL OR e.migrated IS NOT TRUE THEN NULL
             WHEN s.tooth IS NULL OR s.site IS NULL THEN 'no tooth or site'
{{- if ne $grain "site" }}
             WHEN s.site NOT IN ('DB', 'B', 'MB', 'DL', 'L', 'ML') THEN 'site not one of DB B MB DL L ML'
{{- end }}
        END
    FROM {{ ref "stg_perio_measure" }} s
    LEFT JOIN dup d ON d.model = 'stg_perio_measure' AND d.record_key = concat_ws('|', s.exam_id, s.tooth, s.site)
        AND d."_source_file" = s."_source_file" AND d."_source_record" = s."_source_record"
    LEFT JOIN exams e ON e.exam_id = s.exam_id
{{- if ne $grain "site" }}
    LEFT JOIN perio_records r ON r.x_exam_id = s.exam_id{{ if eq $grain "tooth" }} AND r.x_tooth = s.tooth{{ end }}
{{- end }}
),
charted AS (SELECT DISTINCT x_exam_id FROM {{ ref "odoo_x_perio_record" }}),
f_perio_exam AS (
    SELECT 6,
        CASE
            WHEN d.model IS NOT NULL THEN 'duplicate'
            WHEN p.patient_id IS NULL THEN 'orphan'
            WHEN c.x_exam_id IS NOT NULL THEN 'merged'
            ELSE 'filtered'
        END,
        CASE WHEN d.model IS NULL AND p.patient_id IS NOT NULL AND c.x_exam_id IS NULL THEN 'exam without measurements' END
    FROM {{ ref "stg_perio_exam" }} s
    LEFT JOIN dup d ON d.model = 'stg_perio_exam' AND d.record_key = s.exam_id AND d."_source_file" = s."_source_file" AND d."_source_record" = s."_source_record"
    LEFT JOIN patients p ON p.patient_id = s.patient_id
    LEFT JOIN charted c ON c.x_exam_id = s.exam_id
),
f_attachment AS (
    -- Odontograms (seq 7) and other documents (seq 14).
    SELECT CASE WHEN s.document_type = 'Odontogram' THEN 7 ELSE 14 END,
        CASE
            WHEN d.model IS NOT NULL THEN 'duplicate'
            WHEN p.patient_id IS NULL THEN 'orphan'
            WHEN s.file_name IS NULL THEN 'filtered'
            ELSE 'carried'
        END,
        CASE WHEN d.model IS NULL AND p.patient_id IS NOT NULL AND s.file_name IS NULL THEN 'no file name' END
    FROM {{ ref "stg_attachment" }} s
    LEFT JOIN dup d ON d.model = 'stg_attachment' AND d.record_key = s.attachment_id AND d."_source_file" = s."_source_file" AND d."_source_record" = s."_source_record"
    LEFT JOIN patients p ON p.patient_id = s.patient_id
),
f_transaction AS (
    -- Charges and adjustments (seq 8, lines), payments (seq 9).
    SELECT CASE WHEN s.transaction_type IN ('Payment', 'Insurance Payment') THEN 9 ELSE 8 END,
        CASE
            WHEN d.model IS NOT NULL THEN 'duplicate'
            WHEN p.patient_id IS NULL THEN 'orphan'
            WHEN s.amount IS NULL THEN 'filtered'
            WHEN s.transaction_type IS NULL OR s.transaction_type NOT IN ('Charge', 'Adjustment', 'Payment', 'Insurance Payment') THEN 'filtered'
            WHEN s.transaction_type <> 'Charge' AND s.amount = 0 THEN 'filtered'
            ELSE 'carried'
        END,
        CASE
            WHEN d.model IS NOT NULL OR p.patient_id IS NULL THEN NULL
            WHEN s.amount IS NULL THEN 'no amount (see staging.data_quality)'
            WHEN s.transaction_type IS NULL OR s.transaction_type NOT IN ('Charge', 'Adjustment', 'Payment', 'Insurance Payment') THEN 'unknown transaction type'
            WHEN s.transaction_type <> 'Charge' AND s.amount = 0 THEN 'zero payment or adjustment moves no money'
        END
    FROM {{ ref "stg_transaction" }} s
    LEFT JOIN dup d ON d.model = 'stg_transaction' AND d.record_key = s.transaction_id AND d."_source_file" = s."_source_file" AND d."_source_record" = s."_source_record"
    LEFT JOIN patients p ON p.patient_id = s.patient_id
),
chosen_policy AS (
    SELECT "_primary_policy_key" AS policy_id FROM {{ ref "odoo_res_partner_patient" }} WHERE "_primary_policy_key" IS NOT NULL
    UNION SELECT "_secondary_policy_key" FROM {{ ref "odoo_res_partner_patient" }} WHERE "_secondary_policy_key" IS NOT NULL
),
f_policy AS (
    SELECT 10,
        CASE
            WHEN d.model IS NOT NULL THEN 'duplicate'
            WHEN p.patient_id IS NULL THEN 'orphan'
            WHEN c.policy_id IS NOT NULL THEN 'merged'
            WHEN s.ordinal IS NULL OR s.ordinal NOT IN (1, 2) THEN 'filtered'
            ELSE 'filtered'
        END,
        CASE
            WHEN d.model IS NOT NULL OR p.patient_id IS NULL OR c.policy_id IS NOT NULL THEN NULL
            WHEN s.ordinal IS NULL OR s.ordinal NOT IN (1, 2) THEN 'coverage order neither primary nor secondary'
            ELSE 'superseded by a newer policy of the same coverage order'
        END
    FROM {{ ref "stg_policy" }} s
    LEFT JOIN dup d ON d.model = 'stg_policy' AND d.record_key = s.policy_id AND d."_source_file" = s."_source_file" AND d."_source_record" = s."_source_record"
    LEFT JOIN patients p ON p.patient_id = s.patient_id
    LEFT JOIN chosen_policy c ON c.policy_id = s.policy_id
),
used_plans AS (
    SELECT DISTINCT pol.plan_id FROM {{ ref "stg_policy" }} pol SEMI JOIN chosen_policy c ON c.policy_id = pol.policy_id
),
f_plan AS (
    SELECT 11,
        CASE WHEN d.model IS NOT NULL THEN 'duplicate' WHEN u.plan_id IS NOT NULL THEN 'merged' ELSE 'filtered' END,
        CASE WHEN d.model IS NULL AND u.plan_id IS NULL THEN 'plan of no migrated policy (its carrier is migrated)' END
    FROM {{ ref "stg_benefit_plan" }} s
    LEFT JOIN dup d ON d.model = 'stg_benefit_plan' AND d.record_key = s.plan_id AND d."_source_file" = s."_source_file" AND d."_source_record" = s."_source_record"
    LEFT JOIN used_plans u ON u.plan_id = s.plan_id
),
f_company AS (
    SELECT 12, CASE WHEN d.model IS NOT NULL THEN 'duplicate' ELSE 'carried' END, NULL
    FROM {{ ref "stg_carrier" }} s
    LEFT JOIN dup d ON d.model = 'stg_carrier' AND d.record_key = s.carrier_id AND d."_source_file" = s."_source_file" AND d."_source_record" = s."_source_record"
    UNION ALL
    SELECT 18, CASE WHEN d.model IS NOT NULL THEN 'duplicate' ELSE 'carried' END, NULL
    FROM {{ ref "stg_referral_source" }} s
    LEFT JOIN dup d ON d.model = 'stg_referral_source' AND d.record_key = s.referral_id AND d."_source_file" = s."_source_file" AND d."_source_record" = s."_source_record"
    UNION ALL
    SELECT 19, CASE WHEN d.model IS NOT NULL THEN 'duplicate' ELSE 'carried' END, NULL
    FROM {{ ref "stg_clinic" }} s
    LEFT JOIN dup d ON d.model = 'stg_clinic' AND d.record_key = s.clinic_id AND d."_source_file" = s."_source_file" AND d."_source_record" = s."_source_record"
),
f_appointment AS (
    SELECT 13,
        CASE
            WHEN d.model IS NOT NULL THEN 'duplicate'
            WHEN p.patient_id IS NULL THEN 'orphan'
            WHEN s.appointment_at IS NULL THEN 'filtered'
            ELSE 'carried'
        END,
        CASE WHEN d.model IS NULL AND p.patient_id IS NOT NULL AND s.appointment_at IS NULL THEN 'no start date and time (see staging.data_quality)' END
    FROM {{ ref "stg_appointment" }} s
    LEFT JOIN dup d ON d.model = 'stg_appointment' AND d.record_key = s.appointment_id AND d."_source_file" = s."_source_file" AND d."_source_record" = s."_source_record"
    LEFT JOIN patients p ON p.patient_id = s.patient_id
),
f_recall AS (
    SELECT 15,
        CASE
            WHEN d.model IS NOT NULL THEN 'duplicate'
            WHEN p.patient_id IS NULL THEN 'orphan'
            WHEN r."_source_key" = s.recall_id THEN 'carried'
            WHEN r.id IS NOT NULL THEN 'merged'
            ELSE 'filtered'
        END,
        CASE WHEN d.model IS NULL AND p.patient_id IS NOT NULL AND r.id IS NULL THEN 'no recall date and no completed appointment to compute one' END
    FROM {{ ref "stg_recall" }} s
    LEFT JOIN dup d ON d.model = 'stg_recall' AND d.record_key = s.recall_id AND d."_source_file" = s."_source_file" AND d."_source_record" = s."_source_record"
    LEFT JOIN patients p ON p.patient_id = s.patient_id
    LEFT JOIN {{ ref "odoo_calendar_event_recall" }} r ON r.id = util.odoo_xid('recall', s.patient_id || '|' || coalesce(s.recall_type, s.recall_code, 'recall'))
),
f_provider AS (
    SELECT 16, CASE WHEN d.model IS NOT NULL THEN 'duplicate' ELSE 'carried' END, NULL
    FROM {{ ref "stg_provider" }} s
    LEFT JOIN dup d ON d.model = 'stg_provider' AND d.record_key = s.provider_id AND d."_source_file" = s."_source_file" AND d."_source_record" = s."_source_record"
),
f_note AS (
    SELECT 17,
        CASE WHEN d.model IS NOT NULL THEN 'duplicate' WHEN p.patient_id IS NULL THEN 'orphan' ELSE 'carried' END,
        NULL
    FROM {{ ref "stg_clinical_note" }} s
    LEFT JOIN dup d ON d.model = 'stg_clinical_note' AND d.record_key = s.note_id AND d."_source_file" = s."_source_file" AND d."_source_record" = s."_source_record"
    LEFT JOIN patients p ON p.patient_id = s.patient_id
),
used_chairs AS (SELECT DISTINCT chair_id FROM {{ ref "stg_appointment" }} a SEMI JOIN {{ ref "odoo_calendar_event" }} e ON e.id = util.odoo_xid('appointment', a.appointment_id)),
f_chair AS (
    SELECT 20, CASE WHEN c.chair_id IS NOT NULL THEN 'merged' ELSE 'filtered' END,
        CASE WHEN c.chair_id IS NULL THEN 'chair of no migrated appointment' END
    FROM {{ ref "stg_operatory" }} s LEFT JOIN used_chairs c ON c.chair_id = s.chair_id
),
used_claims AS (
    SELECT DISTINCT t.claim_id FROM {{ ref "stg_transaction" }} t
    WHERE t.claim_id IS NOT NULL AND (
        util.odoo_xid('move_line', t.transaction_id) IN (SELECT id FROM {{ ref "odoo_account_move_line" }})
        OR util.odoo_xid('payment', t.transaction_id) IN (SELECT id FROM {{ ref "odoo_account_payment" }}))
),
f_claim AS (
    SELECT 21, CASE WHEN c.claim_id IS NOT NULL THEN 'merged' ELSE 'filtered' END,
        CASE WHEN c.claim_id IS NULL THEN 'claim of no migrated transaction' END
    FROM {{ ref "stg_claim" }} s LEFT JOIN used_claims c ON c.claim_id = s.claim_id
),
f_forms AS (
    SELECT 22, 'filtered', 'custom health-history forms are not in the Odoo mapping yet' FROM {{ ref "stg_form" }}
    UNION ALL SELECT 23, 'filtered', 'custom health-history forms are not in the Odoo mapping yet' FROM {{ ref "stg_form_item" }}
    UNION ALL SELECT 24, 'filtered', 'custom health-history forms are not in the Odoo mapping yet' FROM {{ ref "stg_form_answer" }}
),
fates AS (
    SELECT * FROM f_patient UNION ALL SELECT * FROM f_guarantor UNION ALL SELECT * FROM f_treatment
    UNION ALL SELECT * FROM f_alert UNION ALL SELECT * FROM f_perio UNION ALL SELECT * FROM f_perio_exam
    UNION ALL SELECT * FROM f_attachment UNION ALL SELECT * FROM f_transaction UNION ALL SELECT * FROM f_policy
    UNION ALL SELECT * FROM f_plan UNION ALL SELECT * FROM f_company UNION ALL SELECT * FROM f_appointment
    UNION ALL SELECT * FROM f_recall UNION ALL SELECT * FROM f_provider UNION ALL SELECT * FROM f_note
    UNION ALL SELECT * FROM f_chair UNION ALL SELECT * FROM f_claim UNION ALL SELECT * FROM f_forms
),
-- seed_row is the seed's object mapping row; rows 18+ are staging objects
-- the seed does not name.
mapping(seq, seed_row, source_object, destination_table, one_to_one, note) AS (
    VALUES
    (1, 'Patient Card', 'patient', 'res_partner_patient', true, 'one partner per patient'),
    (2, 'Patient Card - Guarantor', 'guarantor', 'res_partner_guarantor', true, 'one partner per guarantor; patients point at it with parent_id'),
    (3, 'EHR - Treatment History', 'treatment', 'crm_lead', false, 'treatments merged into one opportunity per visit (patient + appointment, or patient + date) or treatment plan'),
    (4, 'EHR - Medical Alerts', 'medical_alert', 'res_partner_patient', false, 'active alerts merged into x_medical_alert (and allergies into x_allergy_list) of their patient'),
{{- if eq $grain "site" }}
    (5, 'Perio Chart', 'perio_measure', 'x_perio_record', true, 'one x_perio_record per exam, tooth and site'),
{{- else if eq $grain "tooth" }}
    (5, 'Perio Chart', 'perio_measure', 'x_perio_record', false, 'one x_perio_record per exam and tooth, its sites merged as fields (x_pd_mb, ...)'),
{{- else }}
    (5, 'Perio Chart', 'perio_measure', 'x_perio_record', false, 'one x_perio_record per exam, its sites merged into the chart JSON (x_chart)'),
{{- end }}
    (6, 'Perio Chart', 'perio_exam', 'x_perio_record', false, 'exam header (date, type, provider) merged into each of its x_perio_record rows'),
    (7, 'Odontogram', 'attachment', 'ir_attachment', true, 'odontogram images as ir.attachment; the newest is the patient''s x_odontogram_ref'),
    (8, 'Transactions (Billing)', 'transaction', 'account_move_line', true, 'charges and adjustments: one invoice line each; charges grouped per patient and date into invoices, adjustments one credit note each (account_move)'),
    (9, 'Transactions (Billing)', 'transaction', 'account_payment', true, 'patient and insurance payments: one account.payment each'),
    (10, 'Insurance Records', 'policy', 'res_partner_patient', false, 'primary and secondary policy merged into the patient''s x_ insurance fields'),
    (11, 'Insurance Records', 'benefit_plan', 'res_partner_patient', false, 'group number and coverage type merged into the patient through its policy'),
    (12, 'Insurance Records', 'carrier', 'res_partner_company', true, 'one company per carrier'),
    (13, 'Scheduler - Appointments', 'appointment', 'calendar_event', true, 'one event per appointment'),
    (14, 'Attachments / Consent Forms', 'attachment', 'ir_attachment', true, 'one ir.attachment per document'),
    (15, 'Recall Records', 'recall', 'calendar_event_recall', false, 'one recurrent series per patient and recall type; older cycles merged into its history'),
    (16, 'Faculty / Student Users', 'provider', 'res_users', true, 'one user (and its partner in res_partner_provider) per axiUm user'),
    (17, 'Clinical Notes / SOAP Notes', 'clinical_note', 'mail_message', true, 'one internal note per clinical note'),
    (18, '(lookup) referring practices', 'referral_source', 'res_partner_company', true, 'one company per referral source'),
    (19, '(lookup) clinics', 'clinic', 'res_partner_company', true, 'one company per clinic'),
    (20, '(lookup) chairs', 'operatory', 'calendar_event', false, 'chair names merged into the event location'),
    (21, '(lookup) claims', 'claim', 'account_move', false, 'claim numbers merged into the invoice ref and payment reference'),
    (22, '(not mapped) custom forms', 'form', NULL, false, 'not migrated to Odoo in this version'),
    (23, '(not mapped) custom forms', 'form_item', NULL, false, 'not migrated to Odoo in this version'),
    (24, '(not mapped) custom forms', 'form_answer', NULL, false, 'not migrated to Odoo in this version')
),
dest(seq, destination_rows) AS (
    SELECT 1, count(*) FROM {{ ref "odoo_res_partner_patient" }}
    UNION ALL SELECT 2, count(*) FROM {{ ref "odoo_res_partner_guarantor" }}
    UNION ALL SELECT 3, count(*) FROM {{ ref "odoo_crm_lead" }}
    UNION ALL SELECT 4, count(*) FROM {{ ref "odoo_res_partner_patient" }} WHERE x_medical_alert IS NOT NULL
    UNION ALL SELECT 5, count(*) FROM {{ ref "odoo_x_perio_record" }}
    UNION ALL SELECT 6, count(*) FROM {{ ref "odoo_x_perio_record" }}
    UNION ALL SELECT 7, count(*) FROM {{ ref "odoo_ir_attachment" }} WHERE x_document_type = 'odontogram'
    UNION ALL SELECT 8, count(*) FROM {{ ref "odoo_account_move_line" }}
    UNION ALL SELECT 9, count(*) FROM {{ ref "odoo_account_payment" }}
    UNION ALL SELECT 10, count(*) FROM {{ ref "odoo_res_partner_patient" }} WHERE "_primary_policy_key" IS NOT NULL OR "_secondary_policy_key" IS NOT NULL
    UNION ALL SELECT 11, count(*) FROM {{ ref "odoo_res_partner_patient" }} WHERE x_group_number IS NOT NULL OR x_secondary_group_number IS NOT NULL
    UNION ALL SELECT 12, count(*) FROM {{ ref "odoo_res_partner_company" }} WHERE x_partner_type = 'carrier'
    UNION ALL SELECT 13, count(*) FROM {{ ref "odoo_calendar_event" }}
    UNION ALL SELECT 14, count(*) FROM {{ ref "odoo_ir_attachment" }} WHERE x_document_type IS DISTINCT FROM 'odontogram'
    UNION ALL SELECT 15, count(*) FROM {{ ref "odoo_calendar_event_recall" }}
    UNION ALL SELECT 16, count(*) FROM {{ ref "odoo_res_users" }}
    UNION ALL SELECT 17, count(*) FROM {{ ref "odoo_mail_message" }}
    UNION ALL SELECT 18, count(*) FROM {{ ref "odoo_res_partner_company" }} WHERE x_partner_type = 'referrer'
    UNION ALL SELECT 19, count(*) FROM {{ ref "odoo_res_partner_company" }} WHERE x_partner_type = 'clinic'
    UNION ALL SELECT 20, count(*) FROM {{ ref "odoo_calendar_event" }} WHERE location IS NOT NULL
    UNION ALL SELECT 21, count(*) FROM {{ ref "odoo_account_move" }} WHERE ref IS NOT NULL
),
counts AS (
    SELECT seq,
        count(*) AS source_rows,
        count(*) FILTER (WHERE fate = 'carried') AS carried_rows,
        count(*) FILTER (WHERE fate = 'merged') AS merged_rows,
        count(*) FILTER (WHERE fate = 'duplicate') AS duplicate_rows,
        count(*) FILTER (WHERE fate = 'orphan') AS orphan_rows,
        count(*) FILTER (WHERE fate = 'filtered') AS filtered_rows,
        count(*) FILTER (WHERE fate = 'unexplained') AS unexplained_rows
    FROM fates GROUP BY seq
),
reasons AS (
    SELECT seq, string_agg(reason || ': ' || n, '; ' ORDER BY n DESC, reason) AS filtered_reasons
    FROM (SELECT seq, reason, count(*) AS n FROM fates WHERE fate = 'filtered' GROUP BY ALL)
    GROUP BY seq
)
SELECT
    m.seq,
    m.seed_row,
    m.source_object,
    m.destination_table,
    coalesce(c.source_rows, 0) AS source_rows,
    coalesce(d.destination_rows, 0) AS destination_rows,
    coalesce(c.carried_rows, 0) AS carried_rows,
    coalesce(c.merged_rows, 0) AS merged_rows,
    coalesce(c.duplicate_rows, 0) AS duplicate_rows,
    coalesce(c.orphan_rows, 0) AS orphan_rows,
    coalesce(c.filtered_rows, 0) AS filtered_rows,
    coalesce(c.unexplained_rows, 0) AS unexplained_rows,
    m.one_to_one,
    concat_ws('. ', m.note,
        CASE WHEN c.merged_rows > 0 THEN c.merged_rows || ' merged' END,
        CASE WHEN c.duplicate_rows > 0 THEN c.duplicate_rows || ' repeated keys dropped (staging.dq_duplicates)' END,
        CASE WHEN c.orphan_rows > 0 THEN c.orphan_rows || ' of patients not in axiUm''s patient file (staging.dq_orphans)' END,
        CASE WHEN r.filtered_reasons IS NOT NULL THEN 'filtered: ' || r.filtered_reasons END,
        CASE WHEN c.unexplained_rows > 0 THEN c.unexplained_rows || ' UNEXPLAINED' END) AS difference
FROM mapping m
LEFT JOIN counts c USING (seq)
LEFT JOIN dest d USING (seq)
LEFT JOIN reasons r USING (seq)
