{{- /* A raw object table: provenance columns, then every source column as text. */ -}}
CREATE TABLE IF NOT EXISTS raw.{{ident .Object}} (
    "_batch_id" BIGINT NOT NULL,
    "_source_file" VARCHAR NOT NULL,
    "_source_record" BIGINT NOT NULL,
    "_row_hash" UBIGINT NOT NULL
{{- range .Columns}},
    {{ident .}} VARCHAR
{{- end}}
)
