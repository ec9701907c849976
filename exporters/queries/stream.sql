{{define "self_levels"}}
-- The self-reference level of every row of a table that points at another
-- row of the same table: one more than the highest level of the rows it
-- points at (rows pointing at none are level 0 and not listed), with its
-- row id, in level and row id order: the pager reads a level's rows by
-- their positions in this table. Rows in a cycle climb to the cap and are
-- read last.
CREATE OR REPLACE TEMP TABLE {{.Levels}} AS
WITH RECURSIVE refs AS (
    SELECT CAST({{.Key}} AS VARCHAR) AS k, unnest([{{.Refs}}]) AS ref
    FROM {{.Relation}}
    WHERE {{.Key}} IS NOT NULL
),
edges AS (
    SELECT DISTINCT k, ref FROM refs
    WHERE ref IS NOT NULL AND ref <> k
      AND ref IN (SELECT CAST({{.Key}} AS VARCHAR) FROM {{.Relation}})
),
lv(k, level) AS (
    SELECT DISTINCT k, 1 FROM edges
    UNION
    SELECT e.k, lv.level + 1 FROM edges e JOIN lv ON e.ref = lv.k WHERE lv.level < {{.Max}}
),
highest AS (
    SELECT k, max(level) AS level FROM lv GROUP BY k
)
SELECT h.k, h.level, t.rowid AS r
FROM highest h JOIN {{.Relation}} t ON CAST(t.{{.Key}} AS VARCHAR) = h.k
ORDER BY h.level, r
{{end}}

{{define "duplicates"}}
-- Rows of one page (the keys in the JSON parameter) whose unique value an
-- earlier row of the whole table (in key order) holds, with that row.
WITH page AS (
    SELECT unnest(from_json(CAST(? AS JSON), '["VARCHAR"]')) AS k
),
vals AS (
    SELECT CAST({{.Key}} AS VARCHAR) AS k, lower(trim(CAST({{.Column}} AS VARCHAR))) AS v, {{.SourceKey}} AS sk
    FROM {{.Relation}}
    WHERE {{.Key}} IS NOT NULL AND {{.Column}} IS NOT NULL AND trim(CAST({{.Column}} AS VARCHAR)) <> ''
),
hit AS (
    SELECT DISTINCT v FROM vals WHERE k IN (SELECT k FROM page)
),
ranked AS (
    SELECT k, v, first_value(k) OVER w AS first_k, first_value(sk) OVER w AS first_sk
    FROM vals
    WHERE v IN (SELECT v FROM hit)
    WINDOW w AS (PARTITION BY v ORDER BY k)
)
SELECT k, v, first_k, first_sk FROM ranked
WHERE k IN (SELECT k FROM page) AND k <> first_k
{{end}}

{{define "page_last"}}
-- What the log says the destination holds of each row of a relation the
-- pager reads (the newest create, update, restore or delete of the row's
-- record, left out when it is a delete), by the row's row id and in that
-- order: a page's rows are then a range of this table too, which DuckDB
-- reads from the row groups that hold it. The table's log is read once:
-- a re-push no longer ranks it once per page. The newest entry is found
-- by a grouped max of fixed-size values (logged_at, run_id), then joined
-- back: DuckDB spills both under memory_limit, where an arg_max carrying
-- the payload hash (a string) ran out of a 256 MB limit at a million
-- records.
CREATE OR REPLACE TEMP TABLE {{.Last}} AS
WITH log AS (
    SELECT dest_id, payload_hash, dest_db_id, action, logged_at, run_id
    FROM meta.push_record
    WHERE destination = ? AND table_name = ? AND action IN ('create', 'update', 'restore', 'delete')
), newest AS (
    SELECT dest_id, max({'at': logged_at, 'run': run_id}) AS k FROM log GROUP BY dest_id
), last AS (
    SELECT l.dest_id, l.payload_hash, l.dest_db_id
    FROM log l JOIN newest n ON n.dest_id = l.dest_id AND n.k = {'at': l.logged_at, 'run': l.run_id}
    WHERE l.action <> 'delete'
)
SELECT t.rowid AS r, l.dest_id, l.payload_hash, l.dest_db_id
FROM {{.Relation}} t JOIN last l ON l.dest_id = CAST(t.{{.Key}} AS VARCHAR)
ORDER BY r
{{end}}
