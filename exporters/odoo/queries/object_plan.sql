-- The tables to push, in load order.
SELECT table_name, model, load_order, coalesce(is_custom, false) AS is_custom, coalesce(description, '') AS description
FROM odoo.object_plan
ORDER BY load_order, table_name
