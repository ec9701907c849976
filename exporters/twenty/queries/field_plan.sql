-- Every field the data needs, standard and custom (twenty.field_plan).
SELECT object_name_singular,
       table_column,
       field_name,
       coalesce(label, field_name),
       type,
       coalesce(is_custom, false),
       options::VARCHAR,
       coalesce(relation_target_object, ''),
       coalesce(relation_type, ''),
       coalesce(target_field_label, ''),
       coalesce(description, '')
FROM twenty.field_plan
ORDER BY object_name_singular, table_column
