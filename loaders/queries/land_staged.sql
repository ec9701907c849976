{{- /* Moves rows the Go side appended to a temp table into the raw table. */ -}}
INSERT INTO raw.{{ident .Object}} ("_batch_id", "_source_file", "_source_record", "_row_hash"
{{- range .Columns}}, {{ident .Name}}{{end}})
SELECT ?, ?, "_source_record",
    hash({{range $i, $c := .HashColumns}}{{if $i}}, {{end}}{{ident $c}}{{end}})
{{- range .Columns}}, {{ident .Field}}{{end}}
FROM temp.{{ident .Staging}}
ORDER BY "_source_record"
