-- Clinical notes (seed row Clinical Notes / SOAP Notes) as internal notes
-- on the patient's chatter: message_type comment with subtype mail.mt_note,
-- so nobody is e-mailed. res_id resolves like ir_attachment's (_res_xid).
-- The body is HTML built from escaped text: a SOAP note gets a section per
-- part (Subjective, Objective, Assessment, Plan), other notes their text;
-- line breaks become <br>. date keeps the note's original time (local, the
-- exporter converts it); the author is the provider's partner.
WITH n AS (
    SELECT n.* FROM {{ ref "stg_clinical_note" }} n
    ANTI JOIN {{ ref "dq_duplicates" }} d
        ON d.model = 'stg_clinical_note' AND d.record_key = n.note_id AND d."_source_file" = n."_source_file" AND d."_source_record" = n."_source_record"
    SEMI JOIN {{ ref "odoo_res_partner_patient" }} p ON p.x_source_system_id = n.patient_id
)
SELECT
    util.odoo_xid('note', n.note_id) AS id,
    'res.partner' AS model,
    concat_ws(' - ', coalesce(n.note_type, 'Clinical') || ' note', n.procedure_code) AS subject,
    coalesce(nullif(
        util.html_section('Subjective', n.subjective) || util.html_section('Objective', n.objective) ||
        util.html_section('Assessment', n.assessment) || util.html_section('Plan', n.plan) ||
        CASE WHEN n.note_text IS NOT NULL THEN '<p>' || util.html_text(n.note_text) || '</p>' ELSE '' END, ''),
        '<p>(empty note)</p>') AS body,
    'comment' AS message_type,
    'mail.mt_note' AS "subtype_id/id",
    true AS is_internal,
    n.note_at AS date,
    pp.id AS "author_id/id",
    util.odoo_sel(n.note_type) AS x_note_type,
    util.odoo_xid('patient', n.patient_id) AS "_res_xid",
    'clinical_note' AS "_source_object",
    n.note_id AS "_source_key",
    n."_batch_id", n."_source_file", n."_source_record"
FROM n
LEFT JOIN {{ ref "odoo_res_partner_provider" }} pp ON pp.x_source_system_id = n.provider_id
