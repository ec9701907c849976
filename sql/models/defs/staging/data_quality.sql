-- Every problem the staging models found, one row each: the _dq entries of
-- every staging row (values that could not be typed or were changed on the
-- way), the broken references of dq_orphans and the repeated keys of
-- dq_duplicates. record_key is the row's key as exported (composite keys
-- joined with '|'); _source_file and _source_record lead back to the
-- export's record, so a user can fix it at the source.
--
-- Only rows with entries are unnested (len(_dq) > 0 is a length read), so
-- the cost follows the number of problems, not of rows.
SELECT 'stg_clinic' AS model, 'clinic' AS object, clinic_id AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_clinic" }} WHERE len(_dq) > 0)
UNION ALL
SELECT 'stg_operatory' AS model, 'operatory' AS object, chair_id AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_operatory" }} WHERE len(_dq) > 0)
UNION ALL
SELECT 'stg_provider' AS model, 'provider' AS object, provider_id AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_provider" }} WHERE len(_dq) > 0)
UNION ALL
SELECT 'stg_carrier' AS model, 'carrier' AS object, carrier_id AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_carrier" }} WHERE len(_dq) > 0)
UNION ALL
SELECT 'stg_benefit_plan' AS model, 'benefit_plan' AS object, plan_id AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_benefit_plan" }} WHERE len(_dq) > 0)
UNION ALL
SELECT 'stg_referral_source' AS model, 'referral_source' AS object, referral_id AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_referral_source" }} WHERE len(_dq) > 0)
UNION ALL
SELECT 'stg_guarantor' AS model, 'guarantor' AS object, guarantor_id AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_guarantor" }} WHERE len(_dq) > 0)
UNION ALL
SELECT 'stg_patient' AS model, 'patient' AS object, patient_id AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_patient" }} WHERE len(_dq) > 0)
UNION ALL
SELECT 'stg_medical_alert' AS model, 'medical_alert' AS object, alert_id AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_medical_alert" }} WHERE len(_dq) > 0)
UNION ALL
SELECT 'stg_policy' AS model, 'policy' AS object, policy_id AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_policy" }} WHERE len(_dq) > 0)
UNION ALL
SELECT 'stg_appointment' AS model, 'appointment' AS object, appointment_id AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_appointment" }} WHERE len(_dq) > 0)
UNION ALL
SELECT 'stg_treatment' AS model, 'treatment' AS object, treatment_id AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_treatment" }} WHERE len(_dq) > 0)
UNION ALL
SELECT 'stg_perio_exam' AS model, 'perio_exam' AS object, exam_id AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_perio_exam" }} WHERE len(_dq) > 0)
UNION ALL
SELECT 'stg_perio_measure' AS model, 'perio_measure' AS object, concat_ws('|', exam_id, tooth, site) AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_perio_measure" }} WHERE len(_dq) > 0)
UNION ALL
SELECT 'stg_transaction' AS model, 'transaction' AS object, transaction_id AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_transaction" }} WHERE len(_dq) > 0)
UNION ALL
SELECT 'stg_claim' AS model, 'claim' AS object, claim_id AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_claim" }} WHERE len(_dq) > 0)
UNION ALL
SELECT 'stg_recall' AS model, 'recall' AS object, recall_id AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_recall" }} WHERE len(_dq) > 0)
UNION ALL
SELECT 'stg_clinical_note' AS model, 'clinical_note' AS object, note_id AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_clinical_note" }} WHERE len(_dq) > 0)
UNION ALL
SELECT 'stg_attachment' AS model, 'attachment' AS object, attachment_id AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_attachment" }} WHERE len(_dq) > 0)
UNION ALL
SELECT 'stg_form' AS model, 'form' AS object, form_id AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_form" }} WHERE len(_dq) > 0)
UNION ALL
SELECT 'stg_form_item' AS model, 'form_item' AS object, form_item_id AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_form_item" }} WHERE len(_dq) > 0)
UNION ALL
SELECT 'stg_form_answer' AS model, 'form_answer' AS object, form_answer_id AS record_key, d."column", d.raw_value, d.reason, "_source_file", "_source_record"
FROM (SELECT *, unnest(_dq) AS d FROM {{ ref "stg_form_answer" }} WHERE len(_dq) > 0)
UNION ALL
SELECT model, object, record_key, "column", raw_value, reason, "_source_file", "_source_record" FROM {{ ref "dq_orphans" }}
UNION ALL
SELECT model, object, record_key, "column", raw_value, reason, "_source_file", "_source_record" FROM {{ ref "dq_duplicates" }}
