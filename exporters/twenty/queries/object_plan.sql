-- The destination objects in load order (the models' twenty.object_plan).
SELECT table_name,
       object_name_singular,
       object_name_plural,
       coalesce(label_singular, object_name_singular),
       coalesce(label_plural, object_name_plural),
       coalesce(icon, ''),
       coalesce(is_custom, false),
       load_order
FROM twenty.object_plan
ORDER BY load_order, table_name
