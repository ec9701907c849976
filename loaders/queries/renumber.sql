{{- /*
Rows were numbered as the scan returned them; shift each past the rejected
records before it so _source_record is the record's ordinal in the file.
gap = records loaded before a rejected record.
*/ -}}
UPDATE raw.{{ident .Object}} AS t
SET "_source_record" = t."_source_record" + (
    SELECT count(*) FROM (
        SELECT r - row_number() OVER (ORDER BY r) AS gap
        FROM unnest(?::BIGINT[]) AS u(r)
    ) g WHERE g.gap < t."_source_record")
WHERE t."_batch_id" = ? AND t."_source_file" = ?
    AND t."_source_record" > ?
