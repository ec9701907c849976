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
