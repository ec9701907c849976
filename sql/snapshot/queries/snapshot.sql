{{define "content_hash"}}
SELECT count(*), coalesce(bit_xor(hash(t)), 0)::VARCHAR || '-' || coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR
FROM {{.Relation}} t
{{end}}

{{define "list"}}
SELECT s.snapshot_id, s.created_at, s.status, s.restored_at,
       count(t.model), coalesce(sum(t.row_count), 0),
       list(t.model || '=' || t.row_count ORDER BY t.schema_name, t.model)
FROM meta.snapshot s
LEFT JOIN meta.snapshot_table t USING (snapshot_id)
GROUP BY ALL
ORDER BY s.snapshot_id
{{end}}

{{define "tables"}}
SELECT model, schema_name, table_name, coalesce(fingerprint, ''), row_count, content_hash, storage, key_columns
FROM meta.snapshot_table
WHERE snapshot_id = ?
ORDER BY schema_name, model
{{end}}

{{define "unused_storage"}}
SELECT table_name
FROM duckdb_tables()
WHERE schema_name = 'snap' AND database_name = current_database()
  AND table_name NOT IN (SELECT storage FROM meta.snapshot_table)
{{end}}

{{/* Summary counts between two copies of one table, by key. Rows are
compared by a hash of the compared columns (provenance excluded). */}}
{{define "diff_counts"}}
WITH a AS (
    SELECT {{.KeyList "t"}}, hash({{.ColList "t"}}) AS h FROM {{.Old}} t
), b AS (
    SELECT {{.KeyList "t"}}, hash({{.ColList "t"}}) AS h FROM {{.New}} t
)
SELECT
    count(*) FILTER (WHERE a.h IS NULL) AS added,
    count(*) FILTER (WHERE b.h IS NULL) AS removed,
    count(*) FILTER (WHERE a.h IS NOT NULL AND b.h IS NOT NULL AND a.h <> b.h) AS changed,
    count(*) FILTER (WHERE a.h = b.h) AS unchanged
FROM a FULL JOIN b USING ({{.KeyNames}})
{{end}}

{{/* Rows added or removed, with their key, up to a limit. */}}
{{define "diff_rows"}}
SELECT {{.KeyConcat "x"}} AS key, kind
FROM (
    SELECT {{.KeyList "n"}}, 'added' AS kind FROM {{.New}} n ANTI JOIN {{.Old}} o USING ({{.KeyNames}})
    UNION ALL
    SELECT {{.KeyList "o"}}, 'removed' AS kind FROM {{.Old}} o ANTI JOIN {{.New}} n USING ({{.KeyNames}})
) x
ORDER BY kind, key
LIMIT ?
{{end}}

{{/* Field-level changes of changed rows: both sides unpivoted to
(key, field, value as text) and joined; only differing values remain. */}}
{{define "diff_fields"}}
WITH a AS (
    SELECT {{.KeyList "t"}}, hash({{.ColList "t"}}) AS h FROM {{.Old}} t
), b AS (
    SELECT {{.KeyList "t"}}, hash({{.ColList "t"}}) AS h FROM {{.New}} t
), changed AS (
    SELECT {{.KeyNames}} FROM a JOIN b USING ({{.KeyNames}}) WHERE a.h <> b.h
    ORDER BY ALL
    LIMIT ?
), oa AS (
    SELECT _key, field, value FROM (
        SELECT {{.KeyConcat "t"}} AS _key, {{.ColsAsText "t"}} FROM {{.Old}} t SEMI JOIN changed USING ({{.KeyNames}})
    ) UNPIVOT INCLUDE NULLS (value FOR field IN ({{.ColNames}}))
), nb AS (
    SELECT _key, field, value FROM (
        SELECT {{.KeyConcat "t"}} AS _key, {{.ColsAsText "t"}} FROM {{.New}} t SEMI JOIN changed USING ({{.KeyNames}})
    ) UNPIVOT INCLUDE NULLS (value FOR field IN ({{.ColNames}}))
)
SELECT oa._key, oa.field, oa.value AS old_value, nb.value AS new_value
FROM oa JOIN nb ON oa._key = nb._key AND oa.field = nb.field
WHERE oa.value IS DISTINCT FROM nb.value
ORDER BY oa._key, oa.field
{{end}}

{{define "field_counts"}}
WITH a AS (
    SELECT {{.KeyList "t"}}, hash({{.ColList "t"}}) AS h FROM {{.Old}} t
), b AS (
    SELECT {{.KeyList "t"}}, hash({{.ColList "t"}}) AS h FROM {{.New}} t
), changed AS (
    SELECT {{.KeyNames}} FROM a JOIN b USING ({{.KeyNames}}) WHERE a.h <> b.h
), o AS (
    SELECT t.* FROM {{.Old}} t SEMI JOIN changed USING ({{.KeyNames}})
), n AS (
    SELECT t.* FROM {{.New}} t SEMI JOIN changed USING ({{.KeyNames}})
)
SELECT {{.FieldCountList}}
FROM o JOIN n USING ({{.KeyNames}})
{{end}}
