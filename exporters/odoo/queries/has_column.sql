-- Whether odoo.<table> (a table or a view) has a column: $1 table, $2 column.
SELECT count(*) > 0 FROM information_schema.columns WHERE table_schema = 'odoo' AND table_name = ? AND column_name = ?
