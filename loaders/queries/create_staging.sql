CREATE OR REPLACE TEMP TABLE {{ident .Staging}} (
    "_source_record" BIGINT NOT NULL
{{- range .Columns}},
    {{ident .Field}} VARCHAR
{{- end}}
)
