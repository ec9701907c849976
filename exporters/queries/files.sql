{{define "source_dirs"}}
-- Where each load batch's export files were read from (attachments are
-- read relative to it).
SELECT batch_id, source_dir FROM meta.load_batch
{{end}}

{{define "file_tables"}}
-- The destination's tables whose rows name a file of the export: their
-- _file_path is read relative to the directory their _batch_id was
-- loaded from.
SELECT table_name
FROM information_schema.columns
WHERE table_schema = ? AND column_name IN ('_file_path', '_batch_id')
GROUP BY table_name
HAVING count(DISTINCT column_name) = 2
ORDER BY table_name
{{end}}

{{define "file_batches"}}
-- How many of the table's rows name a file, by the load batch they came from.
SELECT CAST("_batch_id" AS BIGINT), count(*)  -- NULL: a row no batch names
FROM {{.}}
WHERE "_file_path" IS NOT NULL AND "_file_path" <> ''
GROUP BY 1
ORDER BY 1
{{end}}
