-- Attachments: one per document of the axiUm manifest, linked to the
-- patient and to its attachment note (twenty.note, type ATTACHMENT). The
-- exporter uploads the file at _file_path (relative to the export
-- directory) and checks it against _file_sha256 and _file_size first.
SELECT
    util.det_uuid('attachment', a.attachment_id) AS id,
    coalesce(regexp_extract(a.file_name, '[^/]*$'), 'attachment-' || a.attachment_id) AS name,
    CASE
        WHEN a.mime_type LIKE 'image/%' THEN 'IMAGE'
        WHEN a.mime_type LIKE 'video/%' THEN 'VIDEO'
        WHEN a.mime_type LIKE 'audio/%' THEN 'AUDIO'
        WHEN a.mime_type IN ('application/pdf', 'application/msword', 'text/plain', 'application/rtf',
            'application/vnd.openxmlformats-officedocument.wordprocessingml.document') THEN 'TEXT_DOCUMENT'
        WHEN a.mime_type IN ('application/zip', 'application/x-zip-compressed') THEN 'ARCHIVE'
        ELSE 'OTHER'
    END AS file_category,
    CAST(a.scan_date AS TIMESTAMP) AS created_at,
    n."_person_id" AS target_person_id,
    n.id AS target_note_id,
    -- Attachment is a system object without custom fields: what the
    -- document is travels in its note, and here as metadata.
    a.document_type AS "_document_type",
    a.description AS "_description",
    'attachment:' || a.attachment_id AS "_axium_id",
    'attachment' AS "_source_object", a.attachment_id AS "_source_key",
    a."_batch_id", a."_source_file", a."_source_record",
    regexp_replace(a."_source_file", '[^/]*$', '') || a.file_name AS "_file_path",
    a.sha256 AS "_file_sha256",
    a.size_bytes AS "_file_size",
    a.mime_type AS "_mime_type"
FROM (SELECT t.* FROM {{ ref "stg_attachment" }} t
      ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_attachment'
          AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record") a
JOIN {{ ref "twenty_note" }} n ON n."_source_object" = 'attachment' AND n."_source_key" = a.attachment_id
