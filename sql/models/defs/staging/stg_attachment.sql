-- The attachment manifest: one row per document that travels with the
-- export (consents, referral letters, odontogram images).
WITH typed AS (
    SELECT
        src AS r,
        util.clean_text("Attachment") AS attachment_id,
        util.clean_text("Patient") AS patient_id,
        -- Relative to the export directory, with forward slashes.
        replace(util.clean_text("FileName"), '\', '/') AS file_name,
        util.clean_text("DocumentType") AS document_type,
        lower(util.clean_text("MimeType")) AS mime_type,
        util.parse_date("ScanDate") AS scan_date,
        util.free_text("Description") AS description,
        util.parse_int("SizeBytes") AS size_bytes,
        CASE WHEN regexp_full_match(lower(util.clean_text("SHA256")), '[0-9a-f]{64}') THEN lower(util.clean_text("SHA256")) END AS sha256,
        "_batch_id", "_source_file", "_source_record"
    FROM {{ source "attachment" }} src
)
SELECT
    * EXCLUDE (r),
    util.dq_list([
        util.dq_typed('ScanDate', r."ScanDate", scan_date, util.parse_date_issue(r."ScanDate")),
        util.dq_typed('SizeBytes', r."SizeBytes", size_bytes, util.parse_int_issue(r."SizeBytes")),
        util.dq_typed('SHA256', r."SHA256", sha256, 'invalid checksum')
    ]) AS _dq
FROM typed
