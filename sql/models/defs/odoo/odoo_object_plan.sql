-- What the exporter loads, in order: each odoo.* table, the Odoo model it
-- becomes and why it comes where it does. Everything a row points at by
-- external id is loaded before it. Before step 1 the exporter creates the
-- schema of odoo.field_plan: the custom model x_perio_record (ir.model,
-- its fields and an ir.model.access row for base.group_user) and every
-- custom x_ field.
WITH plan(table_name, model, load_order, is_custom, description) AS (
    VALUES
    ('res_groups', 'res.groups', 1, false, 'Dental access groups; each implies base.group_user'),
    ('res_partner_company', 'res.partner', 2, false, 'Carriers, referring practices and clinics (is_company)'),
    ('res_partner_guarantor', 'res.partner', 3, false, 'Guarantors, the parents of their patients'),
    ('res_partner_provider', 'res.partner', 4, false, 'Partners of the axiUm users, before res.users uses them'),
    ('res_users', 'res.users', 5, false, 'Faculty, students and staff with their dental group'),
    ('res_partner_patient', 'res.partner', 6, false, 'Patients: parent guarantor, carriers, referrer, clinic and provider exist by now'),
    ('product_product', 'product.product', 7, false, 'CDT codes as service products (the exporter clears taxes_id: dental services carry no sales tax)'),
    ('x_perio_record', 'x_perio_record', 8, true, 'Perio measurements (custom model created from field_plan first)'),
    ('crm_lead', 'crm.lead', 9, false, 'Treatment visits and plans'),
    ('calendar_event', 'calendar.event', 10, false, 'Appointments, linked to their visit (opportunity_id); sent with no_mail_to_attendees'),
    ('calendar_event_recall', 'calendar.event', 11, false, 'Recall series (recurrent); sent with no_mail_to_attendees'),
    ('account_move', 'account.move', 12, false, 'Invoices and credit notes, as drafts'),
    ('account_move_line', 'account.move.line', 13, false, 'Their lines, after the moves (move_id/id)'),
    ('account_payment', 'account.payment', 14, false, 'Customer payments, as drafts'),
    ('ir_attachment', 'ir.attachment', 15, false, 'Documents; res_id resolved from _res_xid, datas from _file_path'),
    ('mail_message', 'mail.message', 16, false, 'Clinical notes on the patient chatter; res_id resolved from _res_xid')
), counts(table_name, "rows") AS (
    SELECT 'res_groups', count(*) FROM {{ ref "odoo_res_groups" }}
    UNION ALL SELECT 'res_partner_company', count(*) FROM {{ ref "odoo_res_partner_company" }}
    UNION ALL SELECT 'res_partner_guarantor', count(*) FROM {{ ref "odoo_res_partner_guarantor" }}
    UNION ALL SELECT 'res_partner_provider', count(*) FROM {{ ref "odoo_res_partner_provider" }}
    UNION ALL SELECT 'res_users', count(*) FROM {{ ref "odoo_res_users" }}
    UNION ALL SELECT 'res_partner_patient', count(*) FROM {{ ref "odoo_res_partner_patient" }}
    UNION ALL SELECT 'product_product', count(*) FROM {{ ref "odoo_product_product" }}
    UNION ALL SELECT 'x_perio_record', count(*) FROM {{ ref "odoo_x_perio_record" }}
    UNION ALL SELECT 'crm_lead', count(*) FROM {{ ref "odoo_crm_lead" }}
    UNION ALL SELECT 'calendar_event', count(*) FROM {{ ref "odoo_calendar_event" }}
    UNION ALL SELECT 'calendar_event_recall', count(*) FROM {{ ref "odoo_calendar_event_recall" }}
    UNION ALL SELECT 'account_move', count(*) FROM {{ ref "odoo_account_move" }}
    UNION ALL SELECT 'account_move_line', count(*) FROM {{ ref "odoo_account_move_line" }}
    UNION ALL SELECT 'account_payment', count(*) FROM {{ ref "odoo_account_payment" }}
    UNION ALL SELECT 'ir_attachment', count(*) FROM {{ ref "odoo_ir_attachment" }}
    UNION ALL SELECT 'mail_message', count(*) FROM {{ ref "odoo_mail_message" }}
)
SELECT p.*, c."rows"
FROM plan p
LEFT JOIN counts c USING (table_name)
