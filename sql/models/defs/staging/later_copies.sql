-- The rows a model leaves out to keep one copy per key: every copy of a
-- key after the first in export order ("_batch_id", "_source_file",
-- "_source_record"), exactly what
--   QUALIFY row_number() OVER (PARTITION BY <key> ORDER BY "_batch_id", "_source_file", "_source_record") = 1
-- drops, NULL keys included (a window partition holds every NULL key
-- together; staging.dq_duplicates lists only non-NULL keys). A model keeps
-- the first copies with
--   ANTI JOIN <later_copies> c ON c.model = 'stg_x'
--       AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"
-- (a staging row is one raw row, and a raw row is its batch, file and
-- record).
--
-- Why a table: the window numbers every row of the biggest objects (90
-- perio sites per charted patient) and several models each ran it on the
-- same object. Here only the keys that repeat (a GROUP BY, much cheaper than
-- a window's sort) reach the numbering, once per run.
--
-- It is also where staging.dq_duplicates comes from (the copies whose key
-- is complete, reported as data quality), so the repeated keys are found
-- once: record_key is the key as exported (composite keys joined with
-- '|'), key_complete says none of its parts is NULL.
SELECT 'stg_clinic' AS model, 'clinic' AS object, clinic_id AS record_key, 'Clinic' AS "column", clinic_id IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_clinic" }} t
      SEMI JOIN (SELECT clinic_id FROM {{ ref "stg_clinic" }} GROUP BY ALL HAVING count(*) > 1) d ON t.clinic_id IS NOT DISTINCT FROM d.clinic_id)
QUALIFY row_number() OVER (PARTITION BY clinic_id ORDER BY "_batch_id", "_source_file", "_source_record") > 1
UNION ALL
SELECT 'stg_operatory' AS model, 'operatory' AS object, chair_id AS record_key, 'Chair' AS "column", chair_id IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_operatory" }} t
      SEMI JOIN (SELECT chair_id FROM {{ ref "stg_operatory" }} GROUP BY ALL HAVING count(*) > 1) d ON t.chair_id IS NOT DISTINCT FROM d.chair_id)
QUALIFY row_number() OVER (PARTITION BY chair_id ORDER BY "_batch_id", "_source_file", "_source_record") > 1
UNION ALL
SELECT 'stg_provider' AS model, 'provider' AS object, provider_id AS record_key, 'Provider' AS "column", provider_id IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_provider" }} t
      SEMI JOIN (SELECT provider_id FROM {{ ref "stg_provider" }} GROUP BY ALL HAVING count(*) > 1) d ON t.provider_id IS NOT DISTINCT FROM d.provider_id)
QUALIFY row_number() OVER (PARTITION BY provider_id ORDER BY "_batch_id", "_source_file", "_source_record") > 1
UNION ALL
SELECT 'stg_carrier' AS model, 'carrier' AS object, carrier_id AS record_key, 'Carrier' AS "column", carrier_id IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_carrier" }} t
      SEMI JOIN (SELECT carrier_id FROM {{ ref "stg_carrier" }} GROUP BY ALL HAVING count(*) > 1) d ON t.carrier_id IS NOT DISTINCT FROM d.carrier_id)
QUALIFY row_number() OVER (PARTITION BY carrier_id ORDER BY "_batch_id", "_source_file", "_source_record") > 1
UNION ALL
SELECT 'stg_benefit_plan' AS model, 'benefit_plan' AS object, plan_id AS record_key, 'Plan' AS "column", plan_id IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_benefit_plan" }} t
      SEMI JOIN (SELECT plan_id FROM {{ ref "stg_benefit_plan" }} GROUP BY ALL HAVING count(*) > 1) d ON t.plan_id IS NOT DISTINCT FROM d.plan_id)
QUALIFY row_number() OVER (PARTITION BY plan_id ORDER BY "_batch_id", "_source_file", "_source_record") > 1
UNION ALL
SELECT 'stg_referral_source' AS model, 'referral_source' AS object, referral_id AS record_key, 'Referral' AS "column", referral_id IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_referral_source" }} t
      SEMI JOIN (SELECT referral_id FROM {{ ref "stg_referral_source" }} GROUP BY ALL HAVING count(*) > 1) d ON t.referral_id IS NOT DISTINCT FROM d.referral_id)
QUALIFY row_number() OVER (PARTITION BY referral_id ORDER BY "_batch_id", "_source_file", "_source_record") > 1
UNION ALL
SELECT 'stg_guarantor' AS model, 'guarantor' AS object, guarantor_id AS record_key, 'Guarantor' AS "column", guarantor_id IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_guarantor" }} t
      SEMI JOIN (SELECT guarantor_id FROM {{ ref "stg_guarantor" }} GROUP BY ALL HAVING count(*) > 1) d ON t.guarantor_id IS NOT DISTINCT FROM d.guarantor_id)
QUALIFY row_number() OVER (PARTITION BY guarantor_id ORDER BY "_batch_id", "_source_file", "_source_record") > 1
UNION ALL
SELECT 'stg_patient' AS model, 'patient' AS object, patient_id AS record_key, 'Patient' AS "column", patient_id IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_patient" }} t
      SEMI JOIN (SELECT patient_id FROM {{ ref "stg_patient" }} GROUP BY ALL HAVING count(*) > 1) d ON t.patient_id IS NOT DISTINCT FROM d.patient_id)
QUALIFY row_number() OVER (PARTITION BY patient_id ORDER BY "_batch_id", "_source_file", "_source_record") > 1
UNION ALL
SELECT 'stg_medical_alert' AS model, 'medical_alert' AS object, alert_id AS record_key, 'Alert' AS "column", alert_id IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_medical_alert" }} t
      SEMI JOIN (SELECT alert_id FROM {{ ref "stg_medical_alert" }} GROUP BY ALL HAVING count(*) > 1) d ON t.alert_id IS NOT DISTINCT FROM d.alert_id)
QUALIFY row_number() OVER (PARTITION BY alert_id ORDER BY "_batch_id", "_source_file", "_source_record") > 1
UNION ALL
SELECT 'stg_policy' AS model, 'policy' AS object, policy_id AS record_key, 'Policy' AS "column", policy_id IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_policy" }} t
      SEMI JOIN (SELECT policy_id FROM {{ ref "stg_policy" }} GROUP BY ALL HAVING count(*) > 1) d ON t.policy_id IS NOT DISTINCT FROM d.policy_id)
QUALIFY row_number() OVER (PARTITION BY policy_id ORDER BY "_batch_id", "_source_file", "_source_record") > 1
UNION ALL
SELECT 'stg_appointment' AS model, 'appointment' AS object, appointment_id AS record_key, 'Appointment' AS "column", appointment_id IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_appointment" }} t
      SEMI JOIN (SELECT appointment_id FROM {{ ref "stg_appointment" }} GROUP BY ALL HAVING count(*) > 1) d ON t.appointment_id IS NOT DISTINCT FROM d.appointment_id)
QUALIFY row_number() OVER (PARTITION BY appointment_id ORDER BY "_batch_id", "_source_file", "_source_record") > 1
UNION ALL
SELECT 'stg_treatment' AS model, 'treatment' AS object, treatment_id AS record_key, 'Treatment' AS "column", treatment_id IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_treatment" }} t
      SEMI JOIN (SELECT treatment_id FROM {{ ref "stg_treatment" }} GROUP BY ALL HAVING count(*) > 1) d ON t.treatment_id IS NOT DISTINCT FROM d.treatment_id)
QUALIFY row_number() OVER (PARTITION BY treatment_id ORDER BY "_batch_id", "_source_file", "_source_record") > 1
UNION ALL
SELECT 'stg_perio_exam' AS model, 'perio_exam' AS object, exam_id AS record_key, 'Exam' AS "column", exam_id IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_perio_exam" }} t
      SEMI JOIN (SELECT exam_id FROM {{ ref "stg_perio_exam" }} GROUP BY ALL HAVING count(*) > 1) d ON t.exam_id IS NOT DISTINCT FROM d.exam_id)
QUALIFY row_number() OVER (PARTITION BY exam_id ORDER BY "_batch_id", "_source_file", "_source_record") > 1
UNION ALL
SELECT 'stg_perio_measure' AS model, 'perio_measure' AS object, concat_ws('|', exam_id, tooth, site) AS record_key, 'Exam|Tooth|Site' AS "column", exam_id IS NOT NULL AND tooth IS NOT NULL AND site IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_perio_measure" }} t
      SEMI JOIN (SELECT exam_id, tooth, site FROM {{ ref "stg_perio_measure" }} GROUP BY ALL HAVING count(*) > 1) d ON t.exam_id IS NOT DISTINCT FROM d.exam_id AND t.tooth IS NOT DISTINCT FROM d.tooth AND t.site IS NOT DISTINCT FROM d.site)
QUALIFY row_number() OVER (PARTITION BY exam_id, tooth, site ORDER BY "_batch_id", "_source_file", "_source_record") > 1
UNION ALL
SELECT 'stg_transaction' AS model, 'transaction' AS object, transaction_id AS record_key, 'Transaction' AS "column", transaction_id IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_transaction" }} t
      SEMI JOIN (SELECT transaction_id FROM {{ ref "stg_transaction" }} GROUP BY ALL HAVING count(*) > 1) d ON t.transaction_id IS NOT DISTINCT FROM d.transaction_id)
QUALIFY row_number() OVER (PARTITION BY transaction_id ORDER BY "_batch_id", "_source_file", "_source_record") > 1
UNION ALL
SELECT 'stg_claim' AS model, 'claim' AS object, claim_id AS record_key, 'Claim' AS "column", claim_id IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_claim" }} t
      SEMI JOIN (SELECT claim_id FROM {{ ref "stg_claim" }} GROUP BY ALL HAVING count(*) > 1) d ON t.claim_id IS NOT DISTINCT FROM d.claim_id)
QUALIFY row_number() OVER (PARTITION BY claim_id ORDER BY "_batch_id", "_source_file", "_source_record") > 1
UNION ALL
SELECT 'stg_recall' AS model, 'recall' AS object, recall_id AS record_key, 'Recall' AS "column", recall_id IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_recall" }} t
      SEMI JOIN (SELECT recall_id FROM {{ ref "stg_recall" }} GROUP BY ALL HAVING count(*) > 1) d ON t.recall_id IS NOT DISTINCT FROM d.recall_id)
QUALIFY row_number() OVER (PARTITION BY recall_id ORDER BY "_batch_id", "_source_file", "_source_record") > 1
UNION ALL
SELECT 'stg_clinical_note' AS model, 'clinical_note' AS object, note_id AS record_key, 'Note' AS "column", note_id IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_clinical_note" }} t
      SEMI JOIN (SELECT note_id FROM {{ ref "stg_clinical_note" }} GROUP BY ALL HAVING count(*) > 1) d ON t.note_id IS NOT DISTINCT FROM d.note_id)
QUALIFY row_number() OVER (PARTITION BY note_id ORDER BY "_batch_id", "_source_file", "_source_record") > 1
UNION ALL
SELECT 'stg_attachment' AS model, 'attachment' AS object, attachment_id AS record_key, 'Attachment' AS "column", attachment_id IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_attachment" }} t
      SEMI JOIN (SELECT attachment_id FROM {{ ref "stg_attachment" }} GROUP BY ALL HAVING count(*) > 1) d ON t.attachment_id IS NOT DISTINCT FROM d.attachment_id)
QUALIFY row_number() OVER (PARTITION BY attachment_id ORDER BY "_batch_id", "_source_file", "_source_record") > 1
UNION ALL
SELECT 'stg_form' AS model, 'form' AS object, form_id AS record_key, 'PForm' AS "column", form_id IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_form" }} t
      SEMI JOIN (SELECT form_id FROM {{ ref "stg_form" }} GROUP BY ALL HAVING count(*) > 1) d ON t.form_id IS NOT DISTINCT FROM d.form_id)
QUALIFY row_number() OVER (PARTITION BY form_id ORDER BY "_batch_id", "_source_file", "_source_record") > 1
UNION ALL
SELECT 'stg_form_item' AS model, 'form_item' AS object, form_item_id AS record_key, 'FItem' AS "column", form_item_id IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_form_item" }} t
      SEMI JOIN (SELECT form_item_id FROM {{ ref "stg_form_item" }} GROUP BY ALL HAVING count(*) > 1) d ON t.form_item_id IS NOT DISTINCT FROM d.form_item_id)
QUALIFY row_number() OVER (PARTITION BY form_item_id ORDER BY "_batch_id", "_source_file", "_source_record") > 1
UNION ALL
SELECT 'stg_form_answer' AS model, 'form_answer' AS object, form_answer_id AS record_key, 'PItem' AS "column", form_answer_id IS NOT NULL AS key_complete,
    "_batch_id", "_source_file", "_source_record"
FROM (SELECT t.* FROM {{ ref "stg_form_answer" }} t
      SEMI JOIN (SELECT form_answer_id FROM {{ ref "stg_form_answer" }} GROUP BY ALL HAVING count(*) > 1) d ON t.form_answer_id IS NOT DISTINCT FROM d.form_answer_id)
QUALIFY row_number() OVER (PARTITION BY form_answer_id ORDER BY "_batch_id", "_source_file", "_source_record") > 1
