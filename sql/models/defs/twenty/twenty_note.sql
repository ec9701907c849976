-- Notes, each with its original date (noteDate and createdAt) and its
-- patient (twenty.note_target links them):
--   SOAP, PROGRESS, PROCEDURE, TELEPHONE  one per clinical note: author,
--       procedure code (today's CDT code and its label; the code as charted
--       when it differed), S/O/A/P sections or the note text
--   PERIO_SUMMARY        one per perio exam: exam type, prognosis, PSR and
--       a summary of its measurements (twenty.perio_record holds them all)
--   TREATMENT_HISTORY    one per patient with treatments: the chart as a
--       table (soft-deleted treatments left out, counted in reconciliation)
--   TRANSACTION_HISTORY  one per patient with ledger lines: a table and the
--       totals behind outstandingBalance
--   CLAIM_HISTORY        one per patient with claims (EDI has no Twenty
--       equivalent): a table
--   ATTACHMENT           one per attachment, describing the document; the
--       file itself is twenty.attachment, linked to this note
-- A row of a patient not in twenty.person (an orphan reference) is left
-- out and counted in twenty.reconciliation. History notes merge many rows:
-- their driving row is the patient card, _merged_object and _merged_rows
-- say what was merged.
-- Built in passes over shares of the patients (see the .yml): every CTE
-- that reads rows keeps its share of patients, so each note is written
-- by exactly one pass.
WITH patient AS (
    SELECT id, "_source_key" AS patient_id, "_batch_id", "_source_file", "_source_record"
    FROM {{ ref "twenty_person" }} WHERE "_source_object" = 'patient'
), provider AS (
    SELECT id, "_source_key" AS provider_id, concat_ws(' ', name__first_name, name__last_name) AS provider_name
    FROM {{ ref "twenty_person" }} WHERE "_source_object" = 'provider'
), label AS (
    SELECT code, label FROM {{ seed "cdt_label" }}
), clinical AS (
    SELECT t.* FROM {{ ref "stg_clinical_note" }} t
    ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_clinical_note'
        AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"
    WHERE {{ batch "t.patient_id" }}
), exam AS (
    SELECT t.* FROM {{ ref "stg_perio_exam" }} t
    ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_perio_exam'
        AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"
    WHERE {{ batch "t.patient_id" }}
), measure_summary AS (
    SELECT
        exam_id,
        count(*) AS sites,
        count(DISTINCT tooth) AS teeth,
        round(avg(probing_depth), 1) AS mean_pd,
        max(probing_depth) AS max_pd,
        count_if(probing_depth >= 4) AS sites_4mm,
        count_if(probing_depth >= 6) AS sites_6mm,
        count_if(bleeding) AS bop_sites,
        count(bleeding) AS bop_charted,
        count_if(suppuration) AS suppuration_sites,
        max(clinical_attachment_level) AS max_cal,
        count(DISTINCT tooth) FILTER (WHERE mobility > 0) AS mobile_teeth,
        count(DISTINCT tooth) FILTER (WHERE furcation_grade IS NOT NULL) AS furcation_teeth
    FROM (SELECT t.* FROM {{ ref "stg_perio_measure" }} t
          ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_perio_measure'
              AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"
          SEMI JOIN exam e ON e.exam_id = t.exam_id)
    GROUP BY exam_id
), treatment AS (
    SELECT t.* FROM {{ ref "stg_treatment" }} t
    ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_treatment'
        AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"
    WHERE {{ batch "t.patient_id" }}
), treatment_history AS (
    SELECT
        patient_id,
        count(*) AS n,
        max(coalesce(treatment_date, planned_date)) AS last_date,
        util.join_sorted(list({
            'k1': coalesce(treatment_date, planned_date) IS NULL, 'v1': coalesce(treatment_date, planned_date),
            'k2': try_cast(treatment_id AS BIGINT) IS NULL, 'v2': try_cast(treatment_id AS BIGINT),
            'k3': treatment_id IS NULL, 'v3': treatment_id,
            'line': '| ' || concat_ws(' | ',
            util.md_cell(coalesce(treatment_date, planned_date)),
            util.md_cell(procedure_code),
            util.md_cell(description),
            util.md_cell(tooth),
            util.md_cell(surfaces),
            util.md_cell(CASE status WHEN 'P' THEN 'planned' WHEN 'I' THEN 'in progress' WHEN 'C' THEN 'completed'
                                     WHEN 'A' THEN 'condition' WHEN 'E' THEN 'existing' ELSE status END),
            util.md_cell(provider_id),
            util.md_cell(fee)) || ' |'}), E'\n') AS rows
    FROM treatment
    WHERE NOT is_deleted
    GROUP BY patient_id
), transaction_history AS (
    SELECT
        patient_id,
        count(*) AS n,
        max(transaction_date) AS last_date,
        coalesce(sum(amount) FILTER (WHERE transaction_type = 'Charge'), 0) AS charges,
        coalesce(-sum(amount) FILTER (WHERE transaction_type IN ('Payment', 'Insurance Payment')), 0) AS payments,
        coalesce(-sum(amount) FILTER (WHERE transaction_type = 'Adjustment'), 0) AS adjustments,
        util.join_sorted(list({
            'k1': transaction_date IS NULL, 'v1': transaction_date,
            'k2': try_cast(transaction_id AS BIGINT) IS NULL, 'v2': try_cast(transaction_id AS BIGINT),
            'k3': transaction_id IS NULL, 'v3': transaction_id,
            'line': '| ' || concat_ws(' | ',
            util.md_cell(transaction_date),
            util.md_cell(transaction_type),
            util.md_cell(procedure_code),
            util.md_cell(coalesce(description, payment_method)),
            util.md_cell(amount)) || ' |'}), E'\n') AS rows
    FROM (SELECT t.* FROM {{ ref "stg_transaction" }} t
          ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_transaction'
              AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"
          WHERE {{ batch "t.patient_id" }})
    GROUP BY patient_id
), claim_history AS (
    SELECT
        c.patient_id,
        count(*) AS n,
        max(coalesce(c.paid_date, c.submitted_date)) AS last_date,
        util.join_sorted(list({
            'k1': c.submitted_date IS NULL, 'v1': c.submitted_date,
            'k2': try_cast(c.claim_id AS BIGINT) IS NULL, 'v2': try_cast(c.claim_id AS BIGINT),
            'k3': c.claim_id IS NULL, 'v3': c.claim_id,
            'line': '| ' || concat_ws(' | ',
            util.md_cell(c.submitted_date),
            util.md_cell(c.claim_number),
            util.md_cell(k.name),
            util.md_cell(c.status),
            util.md_cell(c.billed_amount),
            util.md_cell(c.paid_amount),
            util.md_cell(c.paid_date)) || ' |'}), E'\n') AS rows
    FROM (SELECT t.* FROM {{ ref "stg_claim" }} t
          ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_claim'
              AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"
          WHERE {{ batch "t.patient_id" }}) c
    LEFT JOIN (SELECT DISTINCT ON (policy_id) policy_id, plan_id FROM {{ ref "stg_policy" }} ORDER BY policy_id, "_batch_id", "_source_file", "_source_record") pol USING (policy_id)
    LEFT JOIN (SELECT DISTINCT ON (plan_id) plan_id, carrier_id FROM {{ ref "stg_benefit_plan" }} ORDER BY plan_id, "_batch_id", "_source_file", "_source_record") bp USING (plan_id)
    LEFT JOIN (SELECT DISTINCT ON (carrier_id) carrier_id, name FROM {{ ref "stg_carrier" }} ORDER BY carrier_id, "_batch_id", "_source_file", "_source_record") k USING (carrier_id)
    GROUP BY c.patient_id
), attachment AS (
    SELECT t.* FROM {{ ref "stg_attachment" }} t
    ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_attachment'
        AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"
    WHERE {{ batch "t.patient_id" }}
), notes AS (
    SELECT
        util.det_uuid('clinical_note', n.note_id) AS id,
        coalesce(util.option_value(n.note_type), 'CLINICAL') AS note_type,
        concat_ws(' ', coalesce(n.note_type, 'Clinical'), 'note', strftime(n.note_at, '%Y-%m-%d'),
            CASE WHEN n.procedure_code IS NOT NULL THEN '— ' || n.procedure_code END) AS title,
        concat_ws(E'\n\n',
            concat_ws(' ', '**' || coalesce(n.note_type, 'Clinical') || ' note**',
                strftime(n.note_at, '%Y-%m-%d %H:%M'),
                'by ' || coalesce(v.provider_name || ' (' || n.provider_id || ')', n.provider_id)),
            CASE WHEN n.procedure_code IS NOT NULL THEN 'Procedure: ' || n.procedure_code || coalesce(' — ' || l.label, '')
                || CASE WHEN n.procedure_code_original IS DISTINCT FROM n.procedure_code THEN ' (charted as ' || n.procedure_code_original || ')' ELSE '' END END,
            CASE WHEN n.treatment_id IS NOT NULL THEN 'Treatment: ' || n.treatment_id END,
            CASE WHEN n.subjective IS NOT NULL THEN E'## Subjective\n\n' || n.subjective END,
            CASE WHEN n.objective IS NOT NULL THEN E'## Objective\n\n' || n.objective END,
            CASE WHEN n.assessment IS NOT NULL THEN E'## Assessment\n\n' || n.assessment END,
            CASE WHEN n.plan IS NOT NULL THEN E'## Plan\n\n' || n.plan END,
            n.note_text) AS body_v2__markdown,
        n.note_at,
        v.id AS author_id,
        coalesce(n.procedure_code, n.procedure_code_original) AS procedure_code,
        'clinical_note:' || n.note_id AS axium_id,
        p.id AS "_person_id",
        'clinical_note' AS "_source_object", n.note_id AS "_source_key",
        n."_batch_id", n."_source_file", n."_source_record",
        CAST(NULL AS VARCHAR) AS "_merged_object", CAST(NULL AS BIGINT) AS "_merged_rows"
    FROM clinical n
    JOIN patient p USING (patient_id)
    LEFT JOIN provider v USING (provider_id)
    LEFT JOIN label l ON l.code = n.procedure_code
    UNION ALL
    SELECT
        util.det_uuid('perio_exam', e.exam_id),
        'PERIO_SUMMARY',
        concat_ws(' ', 'Perio exam', CAST(e.exam_date AS VARCHAR), '(' || e.exam_type || ')'),
        concat_ws(E'\n\n',
            concat_ws(' ', '**Perio exam**', CAST(e.exam_date AS VARCHAR),
                'by ' || coalesce(v.provider_name || ' (' || e.provider_id || ')', e.provider_id)),
            concat_ws(E'\n',
                '- Exam type: ' || coalesce(e.exam_type, 'unknown'),
                '- Prognosis: ' || coalesce(e.prognosis, 'not recorded'),
                '- PSR by sextant: ' || coalesce(e.psr, 'not recorded'),
                '- Sites charted: ' || coalesce(s.sites, 0) || ' on ' || coalesce(s.teeth, 0) || ' teeth',
                CASE WHEN s.sites > 0 THEN concat_ws(E'\n',
                    '- Probing depth: mean ' || coalesce(CAST(s.mean_pd AS VARCHAR), '–') || ' mm, max '
                        || coalesce(CAST(s.max_pd AS VARCHAR), '–') || ' mm; ' || s.sites_4mm || ' sites ≥ 4 mm, '
                        || s.sites_6mm || ' sites ≥ 6 mm',
                    '- Bleeding on probing: ' || s.bop_sites || ' of ' || s.bop_charted || ' sites'
                        || CASE WHEN s.bop_charted > 0 THEN ' (' || CAST(round(100.0 * s.bop_sites / s.bop_charted) AS INTEGER) || '%)' ELSE '' END,
                    '- Suppuration: ' || s.suppuration_sites || ' sites',
                    '- Max clinical attachment loss: ' || coalesce(CAST(s.max_cal AS VARCHAR) || ' mm', '–'),
                    '- Mobile teeth: ' || s.mobile_teeth || '; teeth with furcation involvement: ' || s.furcation_teeth) END),
            CASE WHEN e.notes IS NOT NULL THEN E'## Notes\n\n' || e.notes END),
        CAST(e.exam_date AS TIMESTAMP),
        v.id,
        NULL,
        'perio_exam:' || e.exam_id,
        p.id,
        'perio_exam', e.exam_id, e."_batch_id", e."_source_file", e."_source_record",
        NULL, NULL
    FROM exam e
    JOIN patient p USING (patient_id)
    LEFT JOIN provider v USING (provider_id)
    LEFT JOIN measure_summary s USING (exam_id)
    UNION ALL
    SELECT
        util.det_uuid('treatment_history', p.patient_id),
        'TREATMENT_HISTORY',
        'Treatment history',
        concat_ws(E'\n\n',
            '**Treatment history** (' || h.n || ' treatments, deleted ones left out)',
            E'| Date | Code | Description | Tooth | Surfaces | Status | Provider | Fee |\n|---|---|---|---|---|---|---|---:|\n' || h.rows),
        CAST(h.last_date AS TIMESTAMP),
        NULL, NULL,
        'treatment_history:' || p.patient_id,
        p.id,
        'patient', p.patient_id, p."_batch_id", p."_source_file", p."_source_record",
        'treatment', h.n
    FROM treatment_history h
    JOIN patient p USING (patient_id)
    UNION ALL
    SELECT
        util.det_uuid('transaction_history', p.patient_id),
        'TRANSACTION_HISTORY',
        'Transaction history',
        concat_ws(E'\n\n',
            '**Transaction history** (' || h.n || ' ledger lines)',
            E'| Date | Type | Code | Description | Amount |\n|---|---|---|---|---:|\n' || h.rows,
            concat_ws(E'\n',
                '- Charges: ' || CAST(h.charges AS VARCHAR),
                '- Payments: ' || CAST(h.payments AS VARCHAR),
                '- Adjustments: ' || CAST(h.adjustments AS VARCHAR),
                '- **Outstanding balance: ' || CAST(h.charges - h.payments - h.adjustments AS VARCHAR) || ' USD**')),
        CAST(h.last_date AS TIMESTAMP),
        NULL, NULL,
        'transaction_history:' || p.patient_id,
        p.id,
        'patient', p.patient_id, p."_batch_id", p."_source_file", p."_source_record",
        'transaction', h.n
    FROM transaction_history h
    JOIN patient p USING (patient_id)
    UNION ALL
    SELECT
        util.det_uuid('claim_history', p.patient_id),
        'CLAIM_HISTORY',
        'Insurance claim history',
        concat_ws(E'\n\n',
            '**Insurance claim history** (' || h.n || ' claims, sent by EDI in axiUm)',
            E'| Submitted | Claim # | Carrier | Status | Billed | Paid | Paid on |\n|---|---|---|---|---:|---:|---|\n' || h.rows),
        CAST(h.last_date AS TIMESTAMP),
        NULL, NULL,
        'claim_history:' || p.patient_id,
        p.id,
        'patient', p.patient_id, p."_batch_id", p."_source_file", p."_source_record",
        'claim', h.n
    FROM claim_history h
    JOIN patient p USING (patient_id)
    UNION ALL
    SELECT
        util.det_uuid('attachment_note', a.attachment_id),
        'ATTACHMENT',
        concat_ws(': ', coalesce(a.document_type, 'Document'), coalesce(a.description, regexp_extract(a.file_name, '[^/]*$'))),
        concat_ws(E'\n',
            '**' || coalesce(a.document_type, 'Document') || '** ' || coalesce(a.description, ''),
            '- File: ' || coalesce(regexp_extract(a.file_name, '[^/]*$'), 'unknown'),
            '- Type: ' || coalesce(a.mime_type, 'unknown'),
            '- Size: ' || coalesce(CAST(a.size_bytes AS VARCHAR) || ' bytes', 'unknown'),
            '- Scanned: ' || coalesce(CAST(a.scan_date AS VARCHAR), 'unknown'),
            '- SHA-256: ' || coalesce(a.sha256, 'unknown')),
        CAST(a.scan_date AS TIMESTAMP),
        NULL, NULL,
        'attachment:' || a.attachment_id,
        p.id,
        'attachment', a.attachment_id, a."_batch_id", a."_source_file", a."_source_record",
        NULL, NULL
    FROM attachment a
    JOIN patient p USING (patient_id)
)
SELECT
    id,
    note_type,
    title,
    body_v2__markdown,
    note_at AS note_date,
    note_at AS created_at,
    author_id,
    procedure_code,
    axium_id,
    "_person_id",
    "_source_object", "_source_key", "_batch_id", "_source_file", "_source_record",
    "_merged_object", "_merged_rows"
FROM notes
