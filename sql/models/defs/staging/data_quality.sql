-- Every problem the staging models found, one row each: the _dq entries of
-- every staging row (values that could not be typed or were changed on the
-- way), the raw values holding a byte that must be flagged (a NUL, or a C1
-- control character: a byte the file's code page leaves undefined), the
-- broken references of dq_orphans and the repeated keys of
-- dq_duplicates. record_key is the row's key as exported (composite keys
-- joined with '|'); _source_file and _source_record lead back to the
-- export's record, so a user can fix it at the source.
--
-- Only rows with entries are unnested (len(_dq) > 0 is a length read), so
-- the cost follows the number of problems, not of rows. The byte check reads
-- each raw row once as one string and unpivots only the rows it flags.
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
SELECT 'stg_clinic', 'clinic', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT "Clinic" AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "clinic" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT 'stg_operatory', 'operatory', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT "Chair" AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "operatory" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT 'stg_provider', 'provider', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT "Provider" AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "provider" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT 'stg_carrier', 'carrier', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT "Carrier" AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "carrier" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT 'stg_benefit_plan', 'benefit_plan', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT "Plan" AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "benefit_plan" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT 'stg_referral_source', 'referral_source', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT "Referral" AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "referral_source" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT 'stg_guarantor', 'guarantor', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT "Guarantor" AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "guarantor" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT 'stg_patient', 'patient', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT "Patient" AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "patient" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT 'stg_medical_alert', 'medical_alert', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT "Alert" AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "medical_alert" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT 'stg_policy', 'policy', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT "Policy" AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "policy" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT 'stg_appointment', 'appointment', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT "Appointment" AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "appointment" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT 'stg_treatment', 'treatment', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT "Treatment" AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "treatment" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT 'stg_perio_exam', 'perio_exam', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT "Exam" AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "perio_exam" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT 'stg_perio_measure', 'perio_measure', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT concat_ws('|', "Exam", "Tooth", "Site") AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "perio_measure" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT 'stg_transaction', 'transaction', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT "Transaction" AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "transaction" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT 'stg_claim', 'claim', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT "Claim" AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "claim" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT 'stg_recall', 'recall', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT "Recall" AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "recall" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT 'stg_clinical_note', 'clinical_note', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT "Note" AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "clinical_note" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT 'stg_attachment', 'attachment', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT "Attachment" AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "attachment" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT 'stg_form', 'form', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT "PForm" AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "form" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT 'stg_form_item', 'form_item', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT "FItem" AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "form_item" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT 'stg_form_answer', 'form_answer', "_key", "column", raw_value, util.byte_issue(raw_value), "_source_file", "_source_record"
FROM (UNPIVOT (SELECT "PItem" AS "_key", * EXCLUDE ("_batch_id", "_row_hash") FROM {{ source "form_answer" }} s WHERE util.has_flagged_byte(CAST(s AS VARCHAR)))
    ON COLUMNS(* EXCLUDE ("_key", "_source_file", "_source_record")) INTO NAME "column" VALUE raw_value)
WHERE util.has_flagged_byte(raw_value)
UNION ALL
SELECT model, object, record_key, "column", raw_value, reason, "_source_file", "_source_record" FROM {{ ref "dq_orphans" }}
UNION ALL
SELECT model, object, record_key, "column", raw_value, reason, "_source_file", "_source_record" FROM {{ ref "dq_duplicates" }}
