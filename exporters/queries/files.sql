{{define "source_dirs"}}
-- Where each load batch's export files were read from (attachments are
-- read relative to it).
SELECT batch_id, source_dir FROM meta.load_batch
{{end}}

{{define "file_tables"}}
-- The destination's tables whose rows name a file of the export: their
-- _file_path is read relative to the directory their _batch_id was
-- loaded from. A push reads every table by its id column.
SELECT table_name
FROM information_schema.columns
WHERE table_schema = ? AND column_name IN ('id', '_file_path', '_batch_id')
GROUP BY table_name
HAVING count(DISTINCT column_name) = 3
ORDER BY table_name
{{end}}

{{define "file_batches"}}
-- How many of the table's rows name a file the destination does not hold
-- yet, by the load batch they came from (NULL: a row that names no
-- batch). Held: the newest create, update or restore of the row's record
-- in the audit log, not followed by a delete. A document pushed before
-- needs its file again only if it changed; those go by the log at push
-- time and, with their directory gone, fail one by one with the reason.
WITH newest AS (
    SELECT dest_id, arg_max(action, logged_at) AS action
    FROM meta.push_record
    WHERE destination = ? AND table_name = ? AND action IN ('create', 'update', 'restore', 'delete')
    GROUP BY dest_id
)
SELECT CAST(t."_batch_id" AS BIGINT), count(*)
FROM {{.}} t LEFT JOIN newest n ON n.dest_id = CAST(t."id" AS VARCHAR)
WHERE t."_file_path" IS NOT NULL AND t."_file_path" <> ''
  AND (n.action IS NULL OR n.action = 'delete')
GROUP BY 1
ORDER BY 1
{{end}}
