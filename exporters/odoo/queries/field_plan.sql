-- Every field the data needs; custom ones are created before records move.
SELECT model, name, coalesce(field_description, name) AS field_description, ttype,
       CAST(selection AS VARCHAR) AS selection, relation, relation_field, coalesce(required, false) AS required,
       coalesce(is_custom, starts_with(name, 'x_')) AS is_custom
FROM odoo.field_plan
ORDER BY model, name
