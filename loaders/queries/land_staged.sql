{{- /*
Moves rows from a temp table into the raw table with their provenance. An
empty CSV field is the empty string in raw (NULL means the file had no such
column); JSON nulls stay NULL.
*/ -}}
INSERT INTO raw.{{ident .Object}} ("_batch_id", "_source_file", "_source_record", "_row_hash"
{{- range .Columns}}, {{ident .Name}}{{end}})
SELECT ?, ?, {{.Record}},
    hash({{range $i, $c := .HashColumns}}{{if $i}}, {{end}}{{ident $c}}{{end}})
{{- range .Columns}}, {{if $.BlankIsEmpty}}coalesce({{ident .Field}}, ''){{else}}{{ident .Field}}{{end}}{{end}}
FROM temp.{{ident .Staging}}
ORDER BY {{.Record}}
