{{- /*
Moves a staged file's rows into the raw table with their provenance. An empty
CSV field is the empty string in raw (NULL means the file had no such column);
JSON nulls stay NULL. When records were rejected and the staged ordinal counts
parsed records only, each row is shifted past the rejects before it: the
ASOF join finds, for ordinal k, the last reject whose "gap" (records loaded
before it) is below k, and its index is the shift.
*/ -}}
INSERT INTO raw.{{ident .Object}} ("_batch_id", "_source_file", "_source_record", "_row_hash"
{{- range .Columns}}, {{ident .Name}}{{end}})
SELECT ?, ?, {{if .Renumber}}s."_k" + coalesce(g.shift, 0){{else}}s."_k"{{end}},
    hash({{range $i, $c := .HashColumns}}{{if $i}}, {{end}}s.{{ident $c}}{{end}})
{{- range .Columns}}, {{if $.BlankIsEmpty}}coalesce(s.{{ident .Field}}, ''){{else}}s.{{ident .Field}}{{end}}{{end}}
FROM (SELECT {{.Record}} AS "_k", * FROM temp.{{ident .Staging}}) s
{{- if .Renumber}}
ASOF LEFT JOIN (
    -- consecutive rejects share a gap: the last of them sets the shift
    SELECT gap, max(shift) AS shift FROM (
        SELECT r - row_number() OVER (ORDER BY r) AS gap, row_number() OVER (ORDER BY r) AS shift
        FROM unnest(?::BIGINT[]) AS u(r)
    ) GROUP BY gap
) g ON s."_k" > g.gap
{{- end}}
