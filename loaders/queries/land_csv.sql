{{- /*
Lands one CSV file. Every field is read as text (no type sniffing), an empty
field is the empty string (NULL means the file had no such column), and records DuckDB cannot parse go to its
reject tables instead of failing the load. The record ordinal comes from
row_number() over the scan, which keeps file order; the loader shifts it past
rejected records afterwards.
*/ -}}
INSERT INTO raw.{{ident .Object}} ("_batch_id", "_source_file", "_source_record", "_row_hash"
{{- range .Columns}}, {{ident .Name}}{{end}})
SELECT ?, ?, row_number() OVER (),
    hash({{range $i, $c := .HashColumns}}{{if $i}}, {{end}}{{ident $c}}{{end}})
{{- range .Columns}}, coalesce({{ident .Field}}, ''){{end}}
FROM read_csv({{lit .Path}},
    auto_detect = false,
    header = true,
    delim = {{lit .Delimiter}},
    quote = '"',
    escape = '"',
    columns = { {{- range $i, $c := .Columns}}{{if $i}}, {{end}}{{lit $c.Field}}: 'VARCHAR'{{end -}} },
    allow_quoted_nulls = false,
    strict_mode = true,
    max_line_size = {{.MaxLineSize}},
    store_rejects = true,
    rejects_table = 'axium2crm_reject_errors',
    rejects_scan = 'axium2crm_reject_scans')
