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

{{define "page_last_newest"}}
-- What the log says the destination holds of each row of a relation the
-- pager reads (the newest create, update, restore or delete of the row's
-- record, left out when it is a delete), by the row's row id and in that
-- order: a page's rows are then a range of that table too, which DuckDB
-- reads from the row groups that hold it. The table's log is read once:
-- a re-push no longer ranks it once per page. Three statements, each
-- with one operator that holds much (an aggregate, a join, a sort), so
-- each has DuckDB's whole memory_limit to spill under: in one statement
-- they ran out of a 256 MB limit at 3 million records. The newest entry
-- is found by a grouped max of logged_at (a fixed-size value), then
-- joined back; a record's entries are written by successive calls, so
-- two never share a logged_at.
CREATE OR REPLACE TEMP TABLE {{.Newest}} AS
SELECT dest_id, max(logged_at) AS at
FROM meta.push_record
WHERE destination = ? AND table_name = ? AND action IN ('create', 'update', 'restore', 'delete')
GROUP BY dest_id
{{end}}

{{define "page_last_held"}}
CREATE OR REPLACE TEMP TABLE {{.Held}} AS
SELECT l.dest_id, l.payload_hash, l.dest_db_id
FROM meta.push_record l JOIN temp.main.{{.Newest}} n ON n.dest_id = l.dest_id AND n.at = l.logged_at
WHERE l.destination = ? AND l.table_name = ? AND l.action IN ('create', 'update', 'restore')
{{end}}

{{define "page_last"}}
CREATE OR REPLACE TEMP TABLE {{.Last}} AS
SELECT t.rowid AS r, l.dest_id, l.payload_hash, l.dest_db_id
FROM {{.Relation}} t JOIN temp.main.{{.Held}} l ON l.dest_id = CAST(t.{{.Key}} AS VARCHAR)
ORDER BY r
{{end}}
