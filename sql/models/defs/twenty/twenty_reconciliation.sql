-- One row per seed mapping row and source object → destination table:
-- how many staging rows there were, how many reached the destination
-- (mapped_rows, counted from the destination table, not assumed), how many
-- did not and why (filtered: a list of reasons with counts), and what is
-- left: unexplained_rows = source_rows − mapped_rows − filtered rows, which
-- must be 0. Every staging object appears at least once.
--
-- mapped_rows for a merge counts the source rows that went into a
-- destination record (e.g. the ledger lines behind transaction histories,
-- from their _merged_rows); destination_rows counts the destination
-- records themselves.
WITH person AS (
    SELECT * FROM {{ ref "twenty_person" }}
), patient_keys AS (
    SELECT "_source_key" AS patient_id FROM person WHERE "_source_object" = 'patient'
), note AS (
    SELECT * FROM {{ ref "twenty_note" }}
), task AS (
    SELECT * FROM {{ ref "twenty_task" }}
), company AS (
    SELECT * FROM {{ ref "twenty_company" }}
), n AS (
    -- Staging counts: rows, repeated-key copies, and distinct keys whose
    -- patient is not in twenty.person (orphan references).
    SELECT 'patient' AS obj, count(*) AS src, count(*) - count(DISTINCT patient_id) AS dup, 0 AS orphan
    FROM {{ ref "stg_patient" }}
    UNION ALL SELECT 'provider', count(*), count(*) - count(DISTINCT provider_id), 0 FROM {{ ref "stg_provider" }}
    UNION ALL SELECT 'carrier', count(*), count(*) - count(DISTINCT carrier_id), 0 FROM {{ ref "stg_carrier" }}
    UNION ALL SELECT 'referral_source', count(*), count(*) - count(DISTINCT referral_id), 0 FROM {{ ref "stg_referral_source" }}
    UNION ALL SELECT 'clinic', count(*), count(*) - count(DISTINCT clinic_id), 0 FROM {{ ref "stg_clinic" }}
    UNION ALL SELECT 'benefit_plan', count(*), count(*) - count(DISTINCT plan_id),
        count(DISTINCT plan_id) FILTER (WHERE carrier_id NOT IN (SELECT "_source_key" FROM company WHERE "_source_object" = 'carrier') OR carrier_id IS NULL)
        FROM {{ ref "stg_benefit_plan" }}
    UNION ALL SELECT 'operatory', count(*), count(*) - count(DISTINCT chair_id),
        count(DISTINCT chair_id) FILTER (WHERE clinic_id NOT IN (SELECT "_source_key" FROM company WHERE "_source_object" = 'clinic') OR clinic_id IS NULL)
        FROM {{ ref "stg_operatory" }}
    UNION ALL SELECT 'guarantor', count(*), count(*) - count(DISTINCT guarantor_id),
        count(DISTINCT guarantor_id) FILTER (WHERE guarantor_id NOT IN (SELECT guarantor_id FROM {{ ref "stg_patient" }} p SEMI JOIN patient_keys USING (patient_id) WHERE guarantor_id IS NOT NULL))
        FROM {{ ref "stg_guarantor" }}
    UNION ALL SELECT 'medical_alert', count(*), count(*) - count(DISTINCT alert_id), count(DISTINCT alert_id) FILTER (WHERE k.patient_id IS NULL)
        FROM {{ ref "stg_medical_alert" }} s LEFT JOIN patient_keys k USING (patient_id)
    UNION ALL SELECT 'policy', count(*), count(*) - count(DISTINCT policy_id), count(DISTINCT policy_id) FILTER (WHERE k.patient_id IS NULL)
        FROM {{ ref "stg_policy" }} s LEFT JOIN patient_keys k USING (patient_id)
    UNION ALL SELECT 'appointment', count(*), count(*) - count(DISTINCT appointment_id), count(DISTINCT appointment_id) FILTER (WHERE k.patient_id IS NULL)
        FROM {{ ref "stg_appointment" }} s LEFT JOIN patient_keys k USING (patient_id)
    UNION ALL SELECT 'recall', count(*), count(*) - count(DISTINCT recall_id), count(DISTINCT recall_id) FILTER (WHERE k.patient_id IS NULL)
        FROM {{ ref "stg_recall" }} s LEFT JOIN patient_keys k USING (patient_id)
    UNION ALL SELECT 'clinical_note', count(*), count(*) - count(DISTINCT note_id), count(DISTINCT note_id) FILTER (WHERE k.patient_id IS NULL)
        FROM {{ ref "stg_clinical_note" }} s LEFT JOIN patient_keys k USING (patient_id)
    UNION ALL SELECT 'perio_exam', count(*), count(*) - count(DISTINCT exam_id), count(DISTINCT exam_id) FILTER (WHERE k.patient_id IS NULL)
        FROM {{ ref "stg_perio_exam" }} s LEFT JOIN patient_keys k USING (patient_id)
    UNION ALL SELECT 'transaction', count(*), count(*) - count(DISTINCT transaction_id), count(DISTINCT transaction_id) FILTER (WHERE k.patient_id IS NULL)
        FROM {{ ref "stg_transaction" }} s LEFT JOIN patient_keys k USING (patient_id)
    UNION ALL SELECT 'claim', count(*), count(*) - count(DISTINCT claim_id), count(DISTINCT claim_id) FILTER (WHERE k.patient_id IS NULL)
        FROM {{ ref "stg_claim" }} s LEFT JOIN patient_keys k USING (patient_id)
    UNION ALL SELECT 'attachment', count(*), count(*) - count(DISTINCT attachment_id), count(DISTINCT attachment_id) FILTER (WHERE k.patient_id IS NULL)
        FROM {{ ref "stg_attachment" }} s LEFT JOIN patient_keys k USING (patient_id)
    UNION ALL SELECT 'form', count(*), count(*) - count(DISTINCT form_id), count(DISTINCT form_id) FILTER (WHERE k.patient_id IS NULL)
        FROM {{ ref "stg_form" }} s LEFT JOIN patient_keys k USING (patient_id)
), nk AS (
    SELECT obj, src, dup, orphan FROM n
), treatment AS (
    SELECT count(*) AS src, count(*) - count(DISTINCT treatment_id) AS dup,
        count(DISTINCT treatment_id) FILTER (WHERE k.patient_id IS NULL) AS orphan,
        count(DISTINCT treatment_id) FILTER (WHERE k.patient_id IS NOT NULL AND is_deleted) AS deleted
    FROM (SELECT t.* FROM {{ ref "stg_treatment" }} t
          ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_treatment'
              AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"
          UNION ALL
          -- the later copies, counted as duplicates only
          SELECT t.* FROM {{ ref "stg_treatment" }} t
          SEMI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_treatment'
              AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record") s
    LEFT JOIN patient_keys k USING (patient_id)
), measure AS (
    -- The biggest object: its repeated keys are read from later_copies
    -- (the rows a count(DISTINCT key) would fold, NULL parts grouped alike)
    -- instead of three DISTINCT counts over every site.
    SELECT count(*) AS src,
        count(*) FILTER (WHERE c.model IS NOT NULL) AS dup,
        count(*) FILTER (WHERE c.model IS NULL AND e.exam_id IS NULL) AS no_exam,
        count(*) FILTER (WHERE c.model IS NULL AND e.exam_id IS NOT NULL AND k.patient_id IS NULL) AS orphan,
        count(*) FILTER (WHERE c.model IS NULL AND e.exam_id IS NOT NULL AND k.patient_id IS NOT NULL
            AND (m.tooth IS NULL OR m.site IS NULL)) AS no_site,
        -- At the tooth and exam grains a site has a field only if it is
        -- one of the six (at the site grain such a row fails its test).
        count(*) FILTER (WHERE c.model IS NULL AND e.exam_id IS NOT NULL AND k.patient_id IS NOT NULL
            AND m.tooth IS NOT NULL AND m.site NOT IN ('DB', 'B', 'MB', 'DL', 'L', 'ML')
            AND {{ if eq (var "perio_grain") "site" }}false{{ else }}true{{ end }}) AS other_site
    FROM {{ ref "stg_perio_measure" }} m
    LEFT JOIN {{ ref "later_copies" }} c ON c.model = 'stg_perio_measure'
        AND c."_batch_id" = m."_batch_id" AND c."_source_file" = m."_source_file" AND c."_source_record" = m."_source_record"
    LEFT JOIN (SELECT DISTINCT exam_id, first(patient_id) OVER (PARTITION BY exam_id ORDER BY "_batch_id", "_source_file", "_source_record") AS patient_id
               FROM {{ ref "stg_perio_exam" }}) e USING (exam_id)
    LEFT JOIN patient_keys k ON k.patient_id = e.patient_id
), answer AS (
    SELECT count(*) AS src,
        count(*) - count(DISTINCT form_answer_id) AS dup,
        count(DISTINCT form_answer_id) FILTER (WHERE k.patient_id IS NULL) AS orphan,
        count(DISTINCT form_answer_id) FILTER (WHERE k.patient_id IS NOT NULL AND answer_yes IS NULL AND answer_text IS NULL) AS blank,
        count(DISTINCT form_answer_id) FILTER (WHERE k.patient_id IS NOT NULL AND (answer_yes IS NOT NULL OR answer_text IS NOT NULL)
            AND f.form_item_id IS NULL) AS no_item,
        count(DISTINCT form_answer_id) FILTER (WHERE k.patient_id IS NOT NULL AND (answer_yes IS NOT NULL OR answer_text IS NOT NULL)
            AND f.form_item_id IS NOT NULL)
        - count(DISTINCT (a.patient_id, f.field_name)) FILTER (WHERE k.patient_id IS NOT NULL AND (answer_yes IS NOT NULL OR answer_text IS NOT NULL)
            AND f.form_item_id IS NOT NULL) AS superseded
    FROM {{ ref "stg_form_answer" }} a
    LEFT JOIN patient_keys k USING (patient_id)
    LEFT JOIN {{ ref "twenty_form_field" }} f USING (form_item_id)
), answers_sent AS (
    -- One sent answer per key of a person's extra_fields.
    SELECT coalesce(sum(len(json_keys(extra_fields))), 0) AS n FROM person WHERE extra_fields IS NOT NULL
), member AS (
    SELECT count(*) AS n FROM {{ ref "twenty_workspace_member" }}
), provider_filter AS (
    SELECT
        count(*) FILTER (WHERE NOT coalesce(is_active, false)) AS inactive,
        count(*) FILTER (WHERE coalesce(is_active, false) AND email IS NULL) AS no_email,
        count(*) FILTER (WHERE coalesce(is_active, false) AND email IS NOT NULL)
            - count(DISTINCT email) FILTER (WHERE coalesce(is_active, false)) AS shared_email
    FROM (SELECT t.* FROM {{ ref "stg_provider" }} t
          ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_provider'
              AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record")
), rows AS (
    SELECT 1 AS seq, 'Patient (Patient Card module)' AS mapping, 'People' AS twenty_object, 'patient' AS source_object,
        'twenty.person' AS destination_table, '1:1' AS relation, x.src AS source_rows,
        (SELECT count(*) FROM person WHERE "_source_object" = 'patient') AS destination_rows,
        (SELECT count(*) FROM person WHERE "_source_object" = 'patient') AS mapped_rows,
        [{'reason': 'duplicate key: first copy kept', 'rows': x.dup}] AS filtered,
        (SELECT count(*) FROM person WHERE "_source_object" = 'patient' AND "_withheld_email" IS NOT NULL) || ' shared e-mails withheld (see twenty.data_quality); '
            || (SELECT count(*) FROM person WHERE "_source_object" = 'patient' AND axium_deleted) || ' soft-deleted cards kept with axiumDeleted set' AS note
    FROM nk x WHERE obj = 'patient'
    UNION ALL
    SELECT 2, 'Patient (Patient Card module)', 'People', 'medical_alert', 'twenty.person', 'merged',
        x.src, (SELECT count(*) FROM person WHERE medical_alerts IS NOT NULL),
        (SELECT coalesce(sum("_merged_alerts"), 0) FROM person),
        [{'reason': 'duplicate key: first copy kept', 'rows': x.dup}, {'reason': 'orphan reference to patient', 'rows': x.orphan}],
        'alerts merge into the patient: active ones as alertFlag, all in medicalAlerts'
    FROM nk x WHERE obj = 'medical_alert'
    UNION ALL
    SELECT 3, 'Patient (Patient Card module)', 'People', 'guarantor', 'twenty.person', 'merged',
        x.src, (SELECT count(*) FROM person WHERE contains(guarantor, '[guarantor ')),
        (SELECT count(DISTINCT regexp_extract(guarantor, '\[guarantor ([^\]]*)\]$', 1)) FROM person WHERE contains(guarantor, '[guarantor ')),
        [{'reason': 'duplicate key: first copy kept', 'rows': x.dup}, {'reason': 'guarantor of no patient in twenty.person', 'rows': x.orphan}],
        'guarantors merge into their patients'' guarantor text'
    FROM nk x WHERE obj = 'guarantor'
    UNION ALL
    SELECT 4, 'Provider / Faculty', 'Workspace Members + People', 'provider', 'twenty.person', '1:1',
        x.src, (SELECT count(*) FROM person WHERE "_source_object" = 'provider'),
        (SELECT count(*) FROM person WHERE "_source_object" = 'provider'),
        [{'reason': 'duplicate key: first copy kept', 'rows': x.dup}], 'personType PROVIDER'
    FROM nk x WHERE obj = 'provider'
    UNION ALL
    SELECT 5, 'User Access / Roles', 'Workspace Members + Role Permissions', 'provider', 'twenty.workspace_member', '1:1',
        x.src, m.n, m.n,
        [{'reason': 'duplicate key: first copy kept', 'rows': x.dup}, {'reason': 'inactive user: not invited', 'rows': f.inactive},
         {'reason': 'active user without e-mail: cannot be invited', 'rows': f.no_email},
         {'reason': 'e-mail shared with another active user: invited once', 'rows': f.shared_email}],
        'roles are rebuilt in Twenty; the axiUm role travels as providerRole'
    FROM nk x, member m, provider_filter f WHERE obj = 'provider'
    UNION ALL
    SELECT 6, 'Company / Insurance Carrier', 'Companies', 'carrier', 'twenty.company', '1:1',
        x.src, (SELECT count(*) FROM company WHERE "_source_object" = 'carrier'), (SELECT count(*) FROM company WHERE "_source_object" = 'carrier'),
        [{'reason': 'duplicate key: first copy kept', 'rows': x.dup}],
        'companyType INSURANCE_CARRIER; plus one Self-Pay company with no axiUm row'
    FROM nk x WHERE obj = 'carrier'
    UNION ALL
    SELECT 7, 'Company / Insurance Carrier', 'Companies', 'referral_source', 'twenty.company', '1:1',
        x.src, (SELECT count(*) FROM company WHERE "_source_object" = 'referral_source'), (SELECT count(*) FROM company WHERE "_source_object" = 'referral_source'),
        [{'reason': 'duplicate key: first copy kept', 'rows': x.dup}], 'companyType REFERRING_PRACTICE'
    FROM nk x WHERE obj = 'referral_source'
    UNION ALL
    SELECT 8, 'Company / Insurance Carrier', 'Companies', 'clinic', 'twenty.company', '1:1',
        x.src, (SELECT count(*) FROM company WHERE "_source_object" = 'clinic'), (SELECT count(*) FROM company WHERE "_source_object" = 'clinic'),
        [{'reason': 'duplicate key: first copy kept', 'rows': x.dup}], 'companyType CLINIC'
    FROM nk x WHERE obj = 'clinic'
    UNION ALL
    SELECT 9, 'Company / Insurance Carrier', 'Companies', 'benefit_plan', 'twenty.company', 'merged',
        x.src, (SELECT count(*) FROM company WHERE benefit_plans IS NOT NULL),
        (SELECT coalesce(sum(len(string_split(benefit_plans, '; '))), 0) FROM company WHERE benefit_plans IS NOT NULL),
        [{'reason': 'duplicate key: first copy kept', 'rows': x.dup}, {'reason': 'orphan reference to carrier', 'rows': x.orphan}],
        'plans merge into their carrier''s benefitPlans'
    FROM nk x WHERE obj = 'benefit_plan'
    UNION ALL
    SELECT 10, 'Company / Insurance Carrier', 'Companies', 'policy', 'twenty.person', 'merged',
        x.src, (SELECT count(*) FROM person WHERE insurance IS NOT NULL),
        (SELECT coalesce(sum("_merged_policies"), 0) FROM person),
        [{'reason': 'duplicate key: first copy kept', 'rows': x.dup}, {'reason': 'orphan reference to patient', 'rows': x.orphan}],
        'policies merge into the patient: companyId = carrier of the in-force policy (Self-Pay when none), all in insurance'
    FROM nk x WHERE obj = 'policy'
    UNION ALL
    SELECT 11, 'Appointment / Scheduler', 'Task', 'appointment', 'twenty.task', '1:1',
        x.src, (SELECT count(*) FROM task WHERE "_source_object" = 'appointment'), (SELECT count(*) FROM task WHERE "_source_object" = 'appointment'),
        [{'reason': 'duplicate key: first copy kept', 'rows': x.dup}, {'reason': 'orphan reference to patient', 'rows': x.orphan}],
        'one task target each; broken and cancelled ones closed (DONE) with appointmentStatus kept'
    FROM nk x WHERE obj = 'appointment'
    UNION ALL
    SELECT 12, 'Appointment / Scheduler', 'Task', 'operatory', 'twenty.company', 'merged',
        x.src, (SELECT count(*) FROM company WHERE chairs IS NOT NULL),
        (SELECT coalesce(sum(len(string_split(chairs, '; '))), 0) FROM company WHERE chairs IS NOT NULL),
        [{'reason': 'duplicate key: first copy kept', 'rows': x.dup}, {'reason': 'orphan reference to clinic', 'rows': x.orphan}],
        'chairs merge into their clinic (chairs) and each appointment body names its chair'
    FROM nk x WHERE obj = 'operatory'
    UNION ALL
    SELECT 13, 'Treatment Notes / Clinical Chart', 'Note', 'clinical_note', 'twenty.note', '1:1',
        x.src, (SELECT count(*) FROM note WHERE "_source_object" = 'clinical_note'), (SELECT count(*) FROM note WHERE "_source_object" = 'clinical_note'),
        [{'reason': 'duplicate key: first copy kept', 'rows': x.dup}, {'reason': 'orphan reference to patient', 'rows': x.orphan}],
        'one note target each'
    FROM nk x WHERE obj = 'clinical_note'
    UNION ALL
    SELECT 14, 'Treatment Notes / Clinical Chart', 'Note', 'treatment', 'twenty.note', 'many:1',
        t.src, (SELECT count(*) FROM note WHERE note_type = 'TREATMENT_HISTORY'),
        (SELECT coalesce(sum("_merged_rows"), 0) FROM note WHERE "_merged_object" = 'treatment'),
        [{'reason': 'duplicate key: first copy kept', 'rows': t.dup}, {'reason': 'orphan reference to patient', 'rows': t.orphan},
         {'reason': 'soft-deleted in axiUm', 'rows': t.deleted}],
        'one treatment history note per patient'
    FROM treatment t
    UNION ALL
    -- At the site grain a record per row; at the tooth and exam grains the
    -- rows a record holds, counted from the records (_merged_rows).
{{- $site := eq (var "perio_grain") "site" }}
    SELECT 15, 'Perio Chart', 'Custom Object (PerioRecord) + Note', 'perio_measure', 'twenty.perio_record', {{ if $site }}'1:1'{{ else }}'many:1'{{ end }},
        m.src, (SELECT count(*) FROM {{ ref "twenty_perio_record" }}),
        {{ if $site }}(SELECT count(*) FROM {{ ref "twenty_perio_record" }}){{ else }}(SELECT coalesce(sum("_merged_rows"), 0) FROM {{ ref "twenty_perio_record" }}){{ end }},
        [{'reason': 'duplicate key: first copy kept', 'rows': m.dup}, {'reason': 'orphan reference to perio_exam', 'rows': m.no_exam},
         {'reason': 'exam of a patient not in twenty.person', 'rows': m.orphan},
         {'reason': 'no tooth or site', 'rows': m.no_site}, {'reason': 'site not one of DB B MB DL L ML', 'rows': m.other_site}],
        {{ if eq (var "perio_grain") "tooth" }}'one record per exam and tooth, the sites as fields; ' || {{ else if eq (var "perio_grain") "exam" }}'one record per exam, the chart as JSON; ' || {{ end }}'out-of-range values are NULL (see staging.data_quality)'
    FROM measure m
    UNION ALL
    SELECT 16, 'Perio Chart', 'Custom Object (PerioRecord) + Note', 'perio_exam', 'twenty.note', '1:1',
        x.src, (SELECT count(*) FROM note WHERE "_source_object" = 'perio_exam'), (SELECT count(*) FROM note WHERE "_source_object" = 'perio_exam'),
        [{'reason': 'duplicate key: first copy kept', 'rows': x.dup}, {'reason': 'orphan reference to patient', 'rows': x.orphan}],
        'one perio summary note per exam'
    FROM nk x WHERE obj = 'perio_exam'
    UNION ALL
    SELECT 17, 'Transaction / Billing', 'Custom Fields on People + Note', 'transaction', 'twenty.note', 'many:1',
        x.src, (SELECT count(*) FROM note WHERE note_type = 'TRANSACTION_HISTORY'),
        (SELECT coalesce(sum("_merged_rows"), 0) FROM note WHERE "_merged_object" = 'transaction'),
        [{'reason': 'duplicate key: first copy kept', 'rows': x.dup}, {'reason': 'orphan reference to patient', 'rows': x.orphan}],
        'one transaction history note per patient; the same lines make outstandingBalance and lastPaymentDate on the person'
    FROM nk x WHERE obj = 'transaction'
    UNION ALL
    SELECT 18, 'Attachments / Consents', 'Note (with attachment)', 'attachment', 'twenty.attachment', '1:1',
        x.src, (SELECT count(*) FROM {{ ref "twenty_attachment" }}), (SELECT count(*) FROM {{ ref "twenty_attachment" }}),
        [{'reason': 'duplicate key: first copy kept', 'rows': x.dup}, {'reason': 'orphan reference to patient', 'rows': x.orphan}],
        'the file, linked to the patient and its attachment note'
    FROM nk x WHERE obj = 'attachment'
    UNION ALL
    SELECT 19, 'Attachments / Consents', 'Note (with attachment)', 'attachment', 'twenty.note', '1:1',
        x.src, (SELECT count(*) FROM note WHERE "_source_object" = 'attachment'), (SELECT count(*) FROM note WHERE "_source_object" = 'attachment'),
        [{'reason': 'duplicate key: first copy kept', 'rows': x.dup}, {'reason': 'orphan reference to patient', 'rows': x.orphan}],
        'one note per attachment describing the document'
    FROM nk x WHERE obj = 'attachment'
    UNION ALL
    SELECT 20, 'Custom Forms', 'Custom Fields on People', 'form_answer', 'twenty.person', 'merged',
        a.src, (SELECT count(*) FROM person WHERE extra_fields IS NOT NULL), s.n,
        [{'reason': 'duplicate key: first copy kept', 'rows': a.dup}, {'reason': 'orphan reference to patient', 'rows': a.orphan},
         {'reason': 'blank answer', 'rows': a.blank}, {'reason': 'question not in the form items', 'rows': a.no_item},
         {'reason': 'superseded by a later answer to the same question', 'rows': a.superseded}],
        'the latest answer per patient and question becomes a custom field (extra_fields)'
    FROM answer a, answers_sent s
    UNION ALL
    SELECT 21, 'Custom Forms', 'Custom Fields on People', 'form_item', 'twenty.field_plan', '1:1',
        count(*), (SELECT count(*) FROM {{ ref "twenty_form_field" }}), (SELECT count(*) FROM {{ ref "twenty_form_field" }}),
        [{'reason': 'duplicate key: first copy kept', 'rows': count(*) - count(DISTINCT form_item_id)},
         {'reason': 'never answered: no field created', 'rows': count(DISTINCT form_item_id) FILTER (WHERE form_item_id NOT IN (
             SELECT form_item_id FROM {{ ref "stg_form_answer" }} WHERE answer_yes IS NOT NULL OR answer_text IS NOT NULL))}],
        'one custom person field per answered question'
    FROM {{ ref "stg_form_item" }}
    UNION ALL
    SELECT 22, 'Custom Forms', 'Custom Fields on People', 'form', 'twenty.person', 'merged',
        x.src, (SELECT count(*) FROM person WHERE extra_fields IS NOT NULL),
        (SELECT count(DISTINCT form_id) FROM {{ ref "stg_form" }} f JOIN person p ON p."_source_object" = 'patient' AND p."_source_key" = f.patient_id),
        [{'reason': 'duplicate key: first copy kept', 'rows': x.dup}, {'reason': 'orphan reference to patient', 'rows': x.orphan}],
        'a form instance carries its answers (form_answer) to the patient'
    FROM nk x WHERE obj = 'form'
    UNION ALL
    SELECT 23, 'Overdue / Recall Patients', 'Task + People', 'recall', 'twenty.task', '1:1',
        x.src, (SELECT count(*) FROM task WHERE "_source_object" = 'recall'), (SELECT count(*) FROM task WHERE "_source_object" = 'recall'),
        [{'reason': 'duplicate key: first copy kept', 'rows': x.dup}, {'reason': 'orphan reference to patient', 'rows': x.orphan}],
        'completed recalls DONE; missed ones stay TODO with recallStatus MISSED'
    FROM nk x WHERE obj = 'recall'
    UNION ALL
    SELECT 24, 'EDI / Insurance Claims', 'No Equivalent', 'claim', 'twenty.note', 'many:1',
        x.src, (SELECT count(*) FROM note WHERE note_type = 'CLAIM_HISTORY'),
        (SELECT coalesce(sum("_merged_rows"), 0) FROM note WHERE "_merged_object" = 'claim'),
        [{'reason': 'duplicate key: first copy kept', 'rows': x.dup}, {'reason': 'orphan reference to patient', 'rows': x.orphan}],
        'one claim history note per patient (no claims object in Twenty)'
    FROM nk x WHERE obj = 'claim'
)
SELECT
    seq,
    mapping,
    twenty_object,
    source_object,
    destination_table,
    relation,
    source_rows,
    destination_rows,
    mapped_rows,
    list_filter(filtered, lambda f: f.rows <> 0) AS filtered,
    CAST(list_sum(list_transform(filtered, lambda f: f.rows)) AS BIGINT) AS filtered_rows,
    source_rows - mapped_rows - CAST(list_sum(list_transform(filtered, lambda f: f.rows)) AS BIGINT) AS unexplained_rows,
    concat_ws('; ', relation || ': ' || mapped_rows || ' of ' || source_rows || ' rows → ' || destination_rows || ' ' || destination_table || ' rows',
        nullif(array_to_string(list_transform(list_filter(filtered, lambda f: f.rows <> 0), lambda f: f.rows || ' ' || f.reason), '; '), ''),
        note,
        CASE WHEN source_rows - mapped_rows - list_sum(list_transform(filtered, lambda f: f.rows)) <> 0
             THEN 'UNEXPLAINED: ' || (source_rows - mapped_rows - list_sum(list_transform(filtered, lambda f: f.rows))) || ' rows' END) AS explanation
FROM rows
