-- Columns as well as rows: one row per raw object the models read, with
-- its export columns (the loader's bookkeeping columns aside) and the fate
-- of each:
--   mapped       a catalog column, read by the staging models
--   carried      decided 'carry' in meta.carried_column, and
--                odoo.res_partner_patient (odoo.calendar_event) has its column and
--                odoo.field_plan its x_ text field
--   ignored      decided 'ignore' by a person
--   unexplained  none of these (the test beside this model fails): a
--                column of an object whose records do not carry columns
--                yet, or one with no decision at all
-- Patients and appointments carry columns to Odoo (res.partner,
-- calendar.event).
WITH col AS (
    SELECT * FROM {{ ref "source_column" }}
), carrier(object, model, table_name) AS (
    VALUES ('patient', 'res.partner', 'res_partner_patient'), ('appointment', 'calendar.event', 'calendar_event')
), dest_column AS (
    SELECT 'res_partner_patient' AS table_name, column_name FROM (DESCRIBE {{ ref "odoo_res_partner_patient" }})
    UNION ALL SELECT 'calendar_event', column_name FROM (DESCRIBE {{ ref "odoo_calendar_event" }})
), planned AS (
    SELECT model, name, ttype FROM {{ ref "odoo_field_plan" }}
), fate AS (
    SELECT c.*,
        CASE
            WHEN c.decision = 'mapped' THEN 'mapped'
            WHEN c.decision = 'ignore' THEN 'ignored'
            WHEN c.decision = 'carry' AND EXISTS (
                SELECT 1 FROM carrier k
                JOIN dest_column d ON d.table_name = k.table_name AND d.column_name = c.odoo_field
                JOIN planned f ON f.model = k.model AND f.name = c.odoo_field AND f.ttype = 'text'
                WHERE k.object = c.object) THEN 'carried'
            ELSE 'unexplained'
        END AS fate
    FROM col c
)
SELECT
    object AS source_object,
    count(*) AS columns_read,
    count(*) FILTER (WHERE fate = 'mapped') AS columns_mapped,
    count(*) FILTER (WHERE fate = 'carried') AS columns_carried,
    count(*) FILTER (WHERE fate = 'ignored') AS columns_ignored,
    count(*) FILTER (WHERE fate = 'unexplained') AS columns_unexplained,
    coalesce(list(raw_column || ' → ' || odoo_field ORDER BY column_index) FILTER (WHERE fate = 'carried'), []) AS carried_columns,
    coalesce(list(raw_column ORDER BY column_index) FILTER (WHERE fate = 'ignored'), []) AS ignored_columns,
    coalesce(list(raw_column ORDER BY column_index) FILTER (WHERE fate = 'unexplained'), []) AS unexplained_columns,
    CASE
        WHEN count(*) FILTER (WHERE fate = 'unexplained') = 0 THEN NULL
        WHEN NOT EXISTS (SELECT 1 FROM carrier k WHERE k.object = fate.object)
            THEN 'no Odoo record carries ' || object || ' columns yet: map them in the source map, or set decision ''ignore'' in meta.carried_column'
        ELSE 'decided carry but missing from odoo.res_partner_patient / odoo.calendar_event or odoo.field_plan, or not decided'
    END AS explanation
FROM fate
GROUP BY object
ORDER BY object
