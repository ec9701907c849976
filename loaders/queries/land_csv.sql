{{- /*
Reads one CSV file into a temp table. Every field is read as text (no type
sniffing), and records DuckDB cannot parse go to its reject tables instead of
failing the load. The scan runs in parallel but keeps file order, so the temp
table's rowid is the record's ordinal among the parsed records; the loader
shifts it past rejected records afterwards. Landing in a temp table first and
numbering by rowid is faster than row_number() over the scan, which would
serialise it.
*/ -}}
CREATE OR REPLACE TEMP TABLE {{ident .Staging}} AS
SELECT * FROM read_csv({{lit .Path}},
    auto_detect = false,
    header = true,
    delim = {{lit .Delimiter}},
    quote = '"',
    escape = '"',
    columns = { {{- range $i, $c := .Columns}}{{if $i}}, {{end}}{{lit $c.Field}}: 'VARCHAR'{{end -}} },
    strict_mode = true,
    max_line_size = {{.MaxLineSize}},
    store_rejects = true,
    rejects_table = 'axium2crm_reject_errors',
    rejects_scan = 'axium2crm_reject_scans')
