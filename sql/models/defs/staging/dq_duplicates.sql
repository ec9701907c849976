-- Keys held by more than one current row. The source already keeps only
-- each key's newest batch, so these are repeats within one delivery (a
-- report that wrote a record twice). Every copy after the first in export
-- order is listed; the first is the one later models keep.
--
-- Each model's repeated keys are found by grouping on its own key columns
-- and its rows fetched by a semi join, so only the few repeated rows reach
-- the numbering window (one window over every key of every model cost
-- twice as much, most of it spent on rows that are not repeated).
WITH copies AS (
    SELECT 'stg_clinic' AS model, 'clinic' AS object, clinic_id AS record_key, 'Clinic' AS "column", "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_clinic" }} SEMI JOIN (SELECT clinic_id FROM {{ ref "stg_clinic" }} GROUP BY ALL HAVING count(*) > 1) USING (clinic_id)
    UNION ALL SELECT 'stg_operatory', 'operatory', chair_id, 'Chair', "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_operatory" }} SEMI JOIN (SELECT chair_id FROM {{ ref "stg_operatory" }} GROUP BY ALL HAVING count(*) > 1) USING (chair_id)
    UNION ALL SELECT 'stg_provider', 'provider', provider_id, 'Provider', "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_provider" }} SEMI JOIN (SELECT provider_id FROM {{ ref "stg_provider" }} GROUP BY ALL HAVING count(*) > 1) USING (provider_id)
    UNION ALL SELECT 'stg_carrier', 'carrier', carrier_id, 'Carrier', "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_carrier" }} SEMI JOIN (SELECT carrier_id FROM {{ ref "stg_carrier" }} GROUP BY ALL HAVING count(*) > 1) USING (carrier_id)
    UNION ALL SELECT 'stg_benefit_plan', 'benefit_plan', plan_id, 'Plan', "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_benefit_plan" }} SEMI JOIN (SELECT plan_id FROM {{ ref "stg_benefit_plan" }} GROUP BY ALL HAVING count(*) > 1) USING (plan_id)
    UNION ALL SELECT 'stg_referral_source', 'referral_source', referral_id, 'Referral', "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_referral_source" }} SEMI JOIN (SELECT referral_id FROM {{ ref "stg_referral_source" }} GROUP BY ALL HAVING count(*) > 1) USING (referral_id)
    UNION ALL SELECT 'stg_guarantor', 'guarantor', guarantor_id, 'Guarantor', "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_guarantor" }} SEMI JOIN (SELECT guarantor_id FROM {{ ref "stg_guarantor" }} GROUP BY ALL HAVING count(*) > 1) USING (guarantor_id)
    UNION ALL SELECT 'stg_patient', 'patient', patient_id, 'Patient', "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_patient" }} SEMI JOIN (SELECT patient_id FROM {{ ref "stg_patient" }} GROUP BY ALL HAVING count(*) > 1) USING (patient_id)
    UNION ALL SELECT 'stg_medical_alert', 'medical_alert', alert_id, 'Alert', "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_medical_alert" }} SEMI JOIN (SELECT alert_id FROM {{ ref "stg_medical_alert" }} GROUP BY ALL HAVING count(*) > 1) USING (alert_id)
    UNION ALL SELECT 'stg_policy', 'policy', policy_id, 'Policy', "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_policy" }} SEMI JOIN (SELECT policy_id FROM {{ ref "stg_policy" }} GROUP BY ALL HAVING count(*) > 1) USING (policy_id)
    UNION ALL SELECT 'stg_appointment', 'appointment', appointment_id, 'Appointment', "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_appointment" }} SEMI JOIN (SELECT appointment_id FROM {{ ref "stg_appointment" }} GROUP BY ALL HAVING count(*) > 1) USING (appointment_id)
    UNION ALL SELECT 'stg_treatment', 'treatment', treatment_id, 'Treatment', "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_treatment" }} SEMI JOIN (SELECT treatment_id FROM {{ ref "stg_treatment" }} GROUP BY ALL HAVING count(*) > 1) USING (treatment_id)
    UNION ALL SELECT 'stg_perio_exam', 'perio_exam', exam_id, 'Exam', "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_perio_exam" }} SEMI JOIN (SELECT exam_id FROM {{ ref "stg_perio_exam" }} GROUP BY ALL HAVING count(*) > 1) USING (exam_id)
    UNION ALL SELECT 'stg_perio_measure', 'perio_measure', concat_ws('|', exam_id, tooth, site), 'Exam|Tooth|Site', "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_perio_measure" }} SEMI JOIN (SELECT exam_id, tooth, site FROM {{ ref "stg_perio_measure" }} GROUP BY ALL HAVING count(*) > 1) USING (exam_id, tooth, site)
    UNION ALL SELECT 'stg_transaction', 'transaction', transaction_id, 'Transaction', "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_transaction" }} SEMI JOIN (SELECT transaction_id FROM {{ ref "stg_transaction" }} GROUP BY ALL HAVING count(*) > 1) USING (transaction_id)
    UNION ALL SELECT 'stg_claim', 'claim', claim_id, 'Claim', "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_claim" }} SEMI JOIN (SELECT claim_id FROM {{ ref "stg_claim" }} GROUP BY ALL HAVING count(*) > 1) USING (claim_id)
    UNION ALL SELECT 'stg_recall', 'recall', recall_id, 'Recall', "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_recall" }} SEMI JOIN (SELECT recall_id FROM {{ ref "stg_recall" }} GROUP BY ALL HAVING count(*) > 1) USING (recall_id)
    UNION ALL SELECT 'stg_clinical_note', 'clinical_note', note_id, 'Note', "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_clinical_note" }} SEMI JOIN (SELECT note_id FROM {{ ref "stg_clinical_note" }} GROUP BY ALL HAVING count(*) > 1) USING (note_id)
    UNION ALL SELECT 'stg_attachment', 'attachment', attachment_id, 'Attachment', "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_attachment" }} SEMI JOIN (SELECT attachment_id FROM {{ ref "stg_attachment" }} GROUP BY ALL HAVING count(*) > 1) USING (attachment_id)
    UNION ALL SELECT 'stg_form', 'form', form_id, 'PForm', "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_form" }} SEMI JOIN (SELECT form_id FROM {{ ref "stg_form" }} GROUP BY ALL HAVING count(*) > 1) USING (form_id)
    UNION ALL SELECT 'stg_form_item', 'form_item', form_item_id, 'FItem', "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_form_item" }} SEMI JOIN (SELECT form_item_id FROM {{ ref "stg_form_item" }} GROUP BY ALL HAVING count(*) > 1) USING (form_item_id)
    UNION ALL SELECT 'stg_form_answer', 'form_answer', form_answer_id, 'PItem', "_batch_id", "_source_file", "_source_record"
        FROM {{ ref "stg_form_answer" }} SEMI JOIN (SELECT form_answer_id FROM {{ ref "stg_form_answer" }} GROUP BY ALL HAVING count(*) > 1) USING (form_answer_id)
)
SELECT
    model,
    object,
    record_key,
    "column",
    record_key AS raw_value,
    'duplicate key' AS reason,
    "_source_file",
    "_source_record"
FROM copies
QUALIFY row_number() OVER (PARTITION BY model, record_key ORDER BY "_batch_id", "_source_file", "_source_record") > 1
