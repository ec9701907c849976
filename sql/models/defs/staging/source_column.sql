-- Every column of every raw table the models read, with what becomes of
-- it: 'mapped' (a column the loader's catalog, or axium2crm.yaml, names:
-- the staging models read it), or the decision meta.carried_column holds
-- for it ('carry': a custom field of the destination record, named
-- twenty_field / odoo_field, labelled label; 'ignore': a person chose to
-- leave it behind), or NULL when it is none of these (the column
-- reconciliations then fail). The loader's bookkeeping columns (_batch_id,
-- _source_file, _source_record, _row_hash) are not export columns.
WITH raw_column AS (
    SELECT table_name AS object, column_name AS raw_column, column_index
    FROM duckdb_columns()
    WHERE database_name = current_database() AND schema_name = 'raw'
      AND column_name NOT IN ('_batch_id', '_source_file', '_source_record', '_row_hash')
), catalog AS (
    SELECT object, lower(column_name) AS column_key FROM {{ source_columns }}
)
SELECT
    r.object,
    r.raw_column,
    r.column_index,
    CASE WHEN k.column_key IS NOT NULL THEN 'mapped' ELSE c.decision END AS decision,
    CASE WHEN k.column_key IS NULL THEN c.twenty_field END AS twenty_field,
    CASE WHEN k.column_key IS NULL THEN c.odoo_field END AS odoo_field,
    CASE WHEN k.column_key IS NULL THEN c.label END AS label
FROM raw_column r
SEMI JOIN (SELECT DISTINCT object FROM catalog) o ON o.object = r.object
LEFT JOIN catalog k ON k.object = r.object AND k.column_key = lower(r.raw_column)
LEFT JOIN meta.carried_column c ON c.object = r.object AND lower(c.raw_column) = lower(r.raw_column)
