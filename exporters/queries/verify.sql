{{define "present"}}
-- Which of the keys in the JSON parameter (one page) the table holds.
SELECT CAST({{.Key}} AS VARCHAR)
FROM {{.Relation}}
WHERE {{.Key}} IN (SELECT unnest(from_json(CAST(? AS JSON), '["VARCHAR"]')))
{{end}}

{{define "key_page"}}
-- One page of a table's keys, as text, after the key given.
SELECT CAST({{.Key}} AS VARCHAR)
FROM {{.Relation}}
WHERE {{.Key}} IS NOT NULL {{- if .After}} AND {{.Key}} > ?{{end}}
ORDER BY {{.Key}}
LIMIT ?
{{end}}

{{define "id_set_create"}}
CREATE TEMP TABLE {{.Set}} (id VARCHAR PRIMARY KEY)
{{end}}

{{define "id_set_add"}}
INSERT OR IGNORE INTO temp.main.{{.Set}}
SELECT DISTINCT unnest(from_json(CAST(? AS JSON), '["VARCHAR"]'))
{{end}}

{{define "id_set_page"}}
SELECT id FROM temp.main.{{.Set}} WHERE id > ? ORDER BY id LIMIT ?
{{end}}

{{define "verify_logged"}}
-- Which of the ids in the JSON parameter (one page) the log says are at
-- the destination for this table: last logged as written, not deleted.
SELECT dest_id
FROM (
    SELECT dest_id, action,
           row_number() OVER (PARTITION BY dest_id ORDER BY logged_at DESC, run_id DESC) AS rn
    FROM meta.push_record
    WHERE destination = ? AND table_name = ? AND action IN ('create', 'update', 'restore', 'delete')
      AND dest_id IN (SELECT unnest(from_json(CAST(? AS JSON), '["VARCHAR"]')))
) l
WHERE rn = 1 AND action <> 'delete'
{{end}}

{{define "verify_row_count"}}
SELECT count(*) FROM {{.Relation}}
{{end}}

{{define "verify_strata"}}
-- The record types of a table (its _source_object) and their rows.
SELECT {{if .Column}}coalesce(CAST({{.Column}} AS VARCHAR), ''){{else}}''{{end}} AS stratum, count(*)
FROM {{.Relation}}
GROUP BY 1
ORDER BY 1
{{end}}

{{define "verify_sample_create"}}
CREATE TEMP TABLE {{.Sample}} AS SELECT * FROM {{.Relation}} LIMIT 0
{{end}}

{{define "verify_sample_add"}}
-- A deterministic draw of one record type: the rows whose key hashes
-- lowest, which spreads the draw over the whole table whatever the order
-- the keys were given in.
INSERT INTO temp.main.{{.Sample}}
SELECT * FROM {{.Relation}}
WHERE {{if .Column}}coalesce(CAST({{.Column}} AS VARCHAR), '') = ?{{else}}? = ''{{end}}
ORDER BY md5(coalesce(CAST({{.Key}} AS VARCHAR), '')), {{.Key}}
LIMIT ?
{{end}}
