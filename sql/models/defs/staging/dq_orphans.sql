-- References that do not resolve: a child row naming a parent key that no
-- current row of the parent object holds (an appointment for a patient who
-- does not exist, a measurement of an unknown exam, a patient whose
-- guarantor record is missing). One row per broken reference, in
-- data_quality's shape, with reason 'orphan reference to <object>'.
--
-- Every reference goes into one list and every key into another, so the
-- check is a single anti join on (object, key) however many references
-- there are. Blank references (NULL after clean_text) mean "none" and are
-- not orphans. A parent that is soft-deleted still resolves: the record
-- exists.
--
-- Built in passes (dq_orphans.yml): a pass checks the references whose
-- value hashes to its share against the parent keys of the same share,
-- so the anti join's hash table holds a share of the keys.
WITH refs AS (
    SELECT 'stg_operatory' AS model, 'operatory' AS object, chair_id AS record_key, 'Clinic' AS "column", clinic_id AS raw_value, 'clinic' AS parent, "_source_file", "_source_record" FROM {{ ref "stg_operatory" }}
    UNION ALL SELECT 'stg_provider', 'provider', provider_id, 'Clinic', clinic_id, 'clinic', "_source_file", "_source_record" FROM {{ ref "stg_provider" }}
    UNION ALL SELECT 'stg_benefit_plan', 'benefit_plan', plan_id, 'Carrier', carrier_id, 'carrier', "_source_file", "_source_record" FROM {{ ref "stg_benefit_plan" }}
    UNION ALL SELECT 'stg_patient', 'patient', patient_id, 'Guarantor', guarantor_id, 'guarantor', "_source_file", "_source_record" FROM {{ ref "stg_patient" }}
    UNION ALL SELECT 'stg_patient', 'patient', patient_id, 'AssignedProvider', assigned_provider_id, 'provider', "_source_file", "_source_record" FROM {{ ref "stg_patient" }}
    UNION ALL SELECT 'stg_patient', 'patient', patient_id, 'Clinic', clinic_id, 'clinic', "_source_file", "_source_record" FROM {{ ref "stg_patient" }}
    UNION ALL SELECT 'stg_patient', 'patient', patient_id, 'Referral', referral_id, 'referral_source', "_source_file", "_source_record" FROM {{ ref "stg_patient" }}
    UNION ALL SELECT 'stg_medical_alert', 'medical_alert', alert_id, 'Patient', patient_id, 'patient', "_source_file", "_source_record" FROM {{ ref "stg_medical_alert" }}
    UNION ALL SELECT 'stg_policy', 'policy', policy_id, 'Patient', patient_id, 'patient', "_source_file", "_source_record" FROM {{ ref "stg_policy" }}
    UNION ALL SELECT 'stg_policy', 'policy', policy_id, 'Plan', plan_id, 'benefit_plan', "_source_file", "_source_record" FROM {{ ref "stg_policy" }}
    UNION ALL SELECT 'stg_appointment', 'appointment', appointment_id, 'Patient', patient_id, 'patient', "_source_file", "_source_record" FROM {{ ref "stg_appointment" }}
    UNION ALL SELECT 'stg_appointment', 'appointment', appointment_id, 'Provider', provider_id, 'provider', "_source_file", "_source_record" FROM {{ ref "stg_appointment" }}
    UNION ALL SELECT 'stg_appointment', 'appointment', appointment_id, 'Clinic', clinic_id, 'clinic', "_source_file", "_source_record" FROM {{ ref "stg_appointment" }}
    UNION ALL SELECT 'stg_appointment', 'appointment', appointment_id, 'Chair', chair_id, 'operatory', "_source_file", "_source_record" FROM {{ ref "stg_appointment" }}
    UNION ALL SELECT 'stg_treatment', 'treatment', treatment_id, 'Patient', patient_id, 'patient', "_source_file", "_source_record" FROM {{ ref "stg_treatment" }}
    UNION ALL SELECT 'stg_treatment', 'treatment', treatment_id, 'Provider', provider_id, 'provider', "_source_file", "_source_record" FROM {{ ref "stg_treatment" }}
    UNION ALL SELECT 'stg_treatment', 'treatment', treatment_id, 'ApprovedBy', approved_by, 'provider', "_source_file", "_source_record" FROM {{ ref "stg_treatment" }}
    UNION ALL SELECT 'stg_treatment', 'treatment', treatment_id, 'Appointment', appointment_id, 'appointment', "_source_file", "_source_record" FROM {{ ref "stg_treatment" }}
    UNION ALL SELECT 'stg_perio_exam', 'perio_exam', exam_id, 'Patient', patient_id, 'patient', "_source_file", "_source_record" FROM {{ ref "stg_perio_exam" }}
    UNION ALL SELECT 'stg_perio_exam', 'perio_exam', exam_id, 'Provider', provider_id, 'provider', "_source_file", "_source_record" FROM {{ ref "stg_perio_exam" }}
    UNION ALL SELECT 'stg_perio_measure', 'perio_measure', concat_ws('|', exam_id, tooth, site), 'Exam', exam_id, 'perio_exam', "_source_file", "_source_record" FROM {{ ref "stg_perio_measure" }}
    UNION ALL SELECT 'stg_transaction', 'transaction', transaction_id, 'Patient', patient_id, 'patient', "_source_file", "_source_record" FROM {{ ref "stg_transaction" }}
    UNION ALL SELECT 'stg_transaction', 'transaction', transaction_id, 'Provider', provider_id, 'provider', "_source_file", "_source_record" FROM {{ ref "stg_transaction" }}
    UNION ALL SELECT 'stg_transaction', 'transaction', transaction_id, 'Treatment', treatment_id, 'treatment', "_source_file", "_source_record" FROM {{ ref "stg_transaction" }}
    UNION ALL SELECT 'stg_transaction', 'transaction', transaction_id, 'Claim', claim_id, 'claim', "_source_file", "_source_record" FROM {{ ref "stg_transaction" }}
    UNION ALL SELECT 'stg_claim', 'claim', claim_id, 'Patient', patient_id, 'patient', "_source_file", "_source_record" FROM {{ ref "stg_claim" }}
    UNION ALL SELECT 'stg_claim', 'claim', claim_id, 'Policy', policy_id, 'policy', "_source_file", "_source_record" FROM {{ ref "stg_claim" }}
    UNION ALL SELECT 'stg_recall', 'recall', recall_id, 'Patient', patient_id, 'patient', "_source_file", "_source_record" FROM {{ ref "stg_recall" }}
    UNION ALL SELECT 'stg_recall', 'recall', recall_id, 'Provider', provider_id, 'provider', "_source_file", "_source_record" FROM {{ ref "stg_recall" }}
    UNION ALL SELECT 'stg_clinical_note', 'clinical_note', note_id, 'Patient', patient_id, 'patient', "_source_file", "_source_record" FROM {{ ref "stg_clinical_note" }}
    UNION ALL SELECT 'stg_clinical_note', 'clinical_note', note_id, 'Provider', provider_id, 'provider', "_source_file", "_source_record" FROM {{ ref "stg_clinical_note" }}
    UNION ALL SELECT 'stg_clinical_note', 'clinical_note', note_id, 'Treatment', treatment_id, 'treatment', "_source_file", "_source_record" FROM {{ ref "stg_clinical_note" }}
    UNION ALL SELECT 'stg_attachment', 'attachment', attachment_id, 'Patient', patient_id, 'patient', "_source_file", "_source_record" FROM {{ ref "stg_attachment" }}
    UNION ALL SELECT 'stg_form', 'form', form_id, 'Patient', patient_id, 'patient', "_source_file", "_source_record" FROM {{ ref "stg_form" }}
    UNION ALL SELECT 'stg_form_item', 'form_item', form_item_id, 'ParentFItem', parent_form_item_id, 'form_item', "_source_file", "_source_record" FROM {{ ref "stg_form_item" }}
    UNION ALL SELECT 'stg_form_answer', 'form_answer', form_answer_id, 'PForm', form_id, 'form', "_source_file", "_source_record" FROM {{ ref "stg_form_answer" }}
    UNION ALL SELECT 'stg_form_answer', 'form_answer', form_answer_id, 'Patient', patient_id, 'patient', "_source_file", "_source_record" FROM {{ ref "stg_form_answer" }}
    UNION ALL SELECT 'stg_form_answer', 'form_answer', form_answer_id, 'FItem', form_item_id, 'form_item', "_source_file", "_source_record" FROM {{ ref "stg_form_answer" }}
    UNION ALL SELECT 'stg_form_answer', 'form_answer', form_answer_id, 'AppUser', entered_by, 'provider', "_source_file", "_source_record" FROM {{ ref "stg_form_answer" }}
), all_parent_keys AS (
    SELECT 'clinic' AS parent, clinic_id AS key FROM {{ ref "stg_clinic" }}
    UNION ALL SELECT 'operatory', chair_id FROM {{ ref "stg_operatory" }}
    UNION ALL SELECT 'provider', provider_id FROM {{ ref "stg_provider" }}
    UNION ALL SELECT 'carrier', carrier_id FROM {{ ref "stg_carrier" }}
    UNION ALL SELECT 'benefit_plan', plan_id FROM {{ ref "stg_benefit_plan" }}
    UNION ALL SELECT 'referral_source', referral_id FROM {{ ref "stg_referral_source" }}
    UNION ALL SELECT 'guarantor', guarantor_id FROM {{ ref "stg_guarantor" }}
    UNION ALL SELECT 'patient', patient_id FROM {{ ref "stg_patient" }}
    UNION ALL SELECT 'policy', policy_id FROM {{ ref "stg_policy" }}
    UNION ALL SELECT 'appointment', appointment_id FROM {{ ref "stg_appointment" }}
    UNION ALL SELECT 'treatment', treatment_id FROM {{ ref "stg_treatment" }}
    UNION ALL SELECT 'perio_exam', exam_id FROM {{ ref "stg_perio_exam" }}
    UNION ALL SELECT 'claim', claim_id FROM {{ ref "stg_claim" }}
    UNION ALL SELECT 'form', form_id FROM {{ ref "stg_form" }}
    UNION ALL SELECT 'form_item', form_item_id FROM {{ ref "stg_form_item" }}
), parent_keys AS (
    SELECT parent, key FROM all_parent_keys WHERE {{ batch "CAST(key AS VARCHAR)" }}
)
SELECT
    r.model,
    r.object,
    r.record_key,
    r."column",
    r.raw_value,
    'orphan reference to ' || r.parent AS reason,
    r."_source_file",
    r."_source_record"
FROM refs r
ANTI JOIN parent_keys k ON k.parent = r.parent AND k.key = r.raw_value
WHERE r.raw_value IS NOT NULL AND {{ batch "CAST(r.raw_value AS VARCHAR)" }}
