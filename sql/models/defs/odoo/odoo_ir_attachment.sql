-- Documents (seed rows Attachments / Consent Forms and Odontogram) as
-- ir.attachment on the patient partner. res_id is an integer field
-- (Many2oneReference) that Odoo's import cannot resolve from an external
-- id, so the patient's external id travels in _res_xid and the exporter
-- resolves it (ir.model.data, module axium) to the partner's database id
-- before it sends res_id. The exporter reads the file at _file_path
-- (relative to the export directory), checks _file_sha256 and _file_size,
-- and sends it base64-encoded as datas. description keeps the original
-- document type and scan date (the seed's audit trail).
WITH a AS (
    SELECT a.* FROM {{ ref "stg_attachment" }} a
    ANTI JOIN {{ ref "dq_duplicates" }} d
        ON d.model = 'stg_attachment' AND d.record_key = a.attachment_id AND d."_source_file" = a."_source_file" AND d."_source_record" = a."_source_record"
    SEMI JOIN {{ ref "odoo_res_partner_patient" }} p ON p.x_source_system_id = a.patient_id
    WHERE a.file_name IS NOT NULL
)
SELECT
    util.odoo_xid('attachment', attachment_id) AS id,
    regexp_extract(file_name, '[^/]+$') AS name,
    'binary' AS type,
    'res.partner' AS res_model,
    concat_ws('; ',
        'Document type: ' || coalesce(document_type, 'unknown'),
        'scanned ' || CAST(scan_date AS VARCHAR),
        description,
        'axiUm attachment ' || attachment_id) AS description,
    coalesce(mime_type, 'application/octet-stream') AS mimetype,
    util.odoo_sel(document_type) AS x_document_type,
    scan_date AS x_scan_date,
    util.odoo_xid('patient', patient_id) AS "_res_xid",
    CASE WHEN contains("_source_file", '/') THEN regexp_replace("_source_file", '/[^/]*$', '') || '/' ELSE '' END || file_name AS "_file_path",
    sha256 AS "_file_sha256",
    size_bytes AS "_file_size",
    mime_type AS "_mime_type",
    'attachment' AS "_source_object",
    attachment_id AS "_source_key",
    "_batch_id", "_source_file", "_source_record"
FROM a
