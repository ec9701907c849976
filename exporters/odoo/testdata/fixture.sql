-- A small odoo.* schema as the models build it, sized by odoo.fixture_n.
CREATE OR REPLACE TABLE odoo.object_plan AS
SELECT * FROM (VALUES
    ('res_partner_company',   'res.partner',       10, false, 'Insurance carriers and referrers'),
    ('res_partner_guarantor', 'res.partner',       20, false, 'Guarantors'),
    ('res_partner_patient',   'res.partner',       30, false, 'Patients'),
    ('res_users',             'res.users',         40, false, 'Providers'),
    ('product_product',       'product.product',   50, false, 'CDT codes'),
    ('crm_lead',              'crm.lead',          60, false, 'Treatment visits'),
    ('calendar_event',        'calendar.event',    70, false, 'Appointments'),
    ('account_move',          'account.move',      80, false, 'Invoices'),
    ('account_move_line',     'account.move.line', 90, false, 'Invoice lines'),
    ('x_perio_record',        'x_perio_record',   100, true,  'Perio measurements'),
    ('ir_attachment',         'ir.attachment',    110, false, 'Documents'),
    ('mail_message',          'mail.message',     120, false, 'Clinical notes')
) t(table_name, model, load_order, is_custom, description);

CREATE OR REPLACE TABLE odoo.field_plan AS
SELECT * FROM (VALUES
    ('res.partner', 'name', 'Name', 'char', NULL, NULL, true, false),
    ('res.partner', 'x_medical_alert', 'Medical alert', 'char', NULL, NULL, false, true),
    ('res.partner', 'x_partner_type', 'Partner type', 'selection', '[["patient","Patient"],["guarantor","Guarantor"],["carrier","Carrier"]]', NULL, false, true),
    ('x_perio_record', 'x_name', 'Name', 'char', NULL, NULL, false, true),
    ('x_perio_record', 'x_partner_id', 'Patient', 'many2one', NULL, 'res.partner', false, true),
    ('x_perio_record', 'x_tooth', 'Tooth', 'integer', NULL, NULL, false, true),
    ('x_perio_record', 'x_depth_mm', 'Probing depth (mm)', 'float', NULL, NULL, false, true),
    ('x_perio_record', 'x_exam_date', 'Exam date', 'date', NULL, NULL, false, true),
    ('x_perio_record', 'x_axium_xid', 'Migration key', 'char', NULL, NULL, false, true)
) t(model, name, field_description, ttype, selection, relation, required, is_custom);
ALTER TABLE odoo.field_plan ADD COLUMN relation_field VARCHAR;

CREATE OR REPLACE TABLE odoo.res_partner_company AS
SELECT 'axium.carrier_' || i AS id, 'Carrier ' || i AS name, true AS is_company, 'carrier' AS x_partner_type,
       'carrier' AS _source_object, CAST(i AS VARCHAR) AS _source_key, 1 AS _batch_id
FROM range(1, 3) r(i);

CREATE OR REPLACE TABLE odoo.res_partner_guarantor AS
SELECT 'axium.guarantor_' || i AS id, 'Guarantor ' || i AS name, 'guarantor' AS x_partner_type,
       'axium.carrier_' || (1 + i % 2) AS "parent_id/id",
       'guarantor' AS _source_object, CAST(i AS VARCHAR) AS _source_key, 1 AS _batch_id
FROM range(1, (SELECT n FROM odoo.fixture_n) // 2 + 2) r(i);

CREATE OR REPLACE TABLE odoo.res_partner_patient AS
SELECT 'axium.patient_' || lpad(CAST(i AS VARCHAR), 5, '0') AS id, 'Patient ' || i AS name,
       'patient' || i || '@example.org' AS email, 'patient' AS x_partner_type,
       CASE WHEN i % 3 = 0 THEN 'Latex allergy; penicillin' END AS x_medical_alert,
       'axium.guarantor_' || (1 + i // 2) AS "parent_id/id", 'base.us' AS "country_id/id",
       'patient' AS _source_object, CAST(i AS VARCHAR) AS _source_key, 1 AS _batch_id
FROM range(1, (SELECT n FROM odoo.fixture_n) + 1) r(i);

CREATE OR REPLACE TABLE odoo.res_users AS
SELECT 'axium.provider_' || i AS id, 'Dr Provider ' || i AS name, 'provider' || i AS login,
       'base.group_user' AS "groups_id/id", 'provider' AS _source_object, CAST(i AS VARCHAR) AS _source_key, 1 AS _batch_id
FROM range(1, 3) r(i);

CREATE OR REPLACE TABLE odoo.product_product AS
SELECT 'axium.cdt_D' || i AS id, 'CDT D' || i AS name, 'D' || i AS default_code,
       CAST(50 + i AS DECIMAL(12, 2)) + 0.25 AS list_price, 'service' AS detailed_type,
       'cdt' AS _source_object, 'D' || i AS _source_key, 1 AS _batch_id
FROM range(1000, 1003) r(i);

CREATE OR REPLACE TABLE odoo.crm_lead AS
SELECT 'axium.visit_' || i AS id, 'Visit ' || i || ': D1000' AS name, 'opportunity' AS type,
       'axium.patient_' || lpad(CAST(i AS VARCHAR), 5, '0') AS "partner_id/id", 'axium.provider_' || (1 + i % 2) AS "user_id/id",
       TIMESTAMP '2024-07-01 09:30:00' + INTERVAL (i) DAY AS date_open,
       'treatment' AS _source_object, CAST(i AS VARCHAR) AS _source_key, 1 AS _batch_id
FROM range(1, (SELECT n FROM odoo.fixture_n) + 1) r(i);

CREATE OR REPLACE TABLE odoo.calendar_event AS
SELECT 'axium.appointment_' || i AS id, 'Appointment ' || i AS name,
       TIMESTAMP '2024-07-01 09:00:00' + INTERVAL (i) DAY AS start,
       TIMESTAMP '2024-07-01 10:00:00' + INTERVAL (i) DAY AS stop,
       'axium.patient_' || lpad(CAST(i AS VARCHAR), 5, '0') AS "partner_ids/id", 'axium.provider_1' AS "user_id/id",
       'appointment' AS _source_object, CAST(i AS VARCHAR) AS _source_key, 1 AS _batch_id
FROM range(1, (SELECT n FROM odoo.fixture_n) + 1) r(i);

CREATE OR REPLACE TABLE odoo.account_move AS
SELECT 'axium.invoice_' || i AS id, 'out_invoice' AS move_type, DATE '2024-07-02' + CAST(i AS INTEGER) AS invoice_date,
       'axium.patient_' || lpad(CAST(i AS VARCHAR), 5, '0') AS "partner_id/id",
       'transaction' AS _source_object, CAST(i AS VARCHAR) AS _source_key, 1 AS _batch_id
FROM range(1, (SELECT n FROM odoo.fixture_n) // 2 + 1) r(i);

CREATE OR REPLACE TABLE odoo.account_move_line AS
SELECT 'axium.invoice_line_' || i AS id, 'axium.invoice_' || i AS "move_id/id", 'axium.cdt_D1000' AS "product_id/id",
       'D1000 exam' AS name, 1 AS quantity, CAST(85.50 AS DECIMAL(12, 2)) AS price_unit,
       'transaction' AS _source_object, CAST(i AS VARCHAR) AS _source_key, 1 AS _batch_id
FROM range(1, (SELECT n FROM odoo.fixture_n) // 2 + 1) r(i);

CREATE OR REPLACE TABLE odoo.x_perio_record AS
SELECT 'axium.perio_' || i AS id, 'Exam ' || i AS x_name, 'axium.patient_' || lpad(CAST(1 + i % (SELECT n FROM odoo.fixture_n) AS VARCHAR), 5, '0') AS "x_partner_id/id",
       1 + i % 32 AS x_tooth, CAST(3.5 AS DECIMAL(4, 1)) AS x_depth_mm, DATE '2024-05-01' AS x_exam_date,
       'axium.perio_' || i AS x_axium_xid, 'perio_measurement' AS _source_object, CAST(i AS VARCHAR) AS _source_key, 1 AS _batch_id
FROM range(1, (SELECT n FROM odoo.fixture_n) + 1) r(i);

CREATE OR REPLACE TABLE odoo.ir_attachment AS
SELECT 'axium.attachment_' || i AS id, 'xray_' || i || '.txt' AS name, 'res.partner' AS res_model,
       'axium.patient_' || lpad(CAST(i AS VARCHAR), 5, '0') AS _res_xid, 'text/plain' AS mimetype,
       'attachments/xray_' || i || '.txt' AS _file_path, sha256('attachment ' || i) AS _file_sha256,
       'attachment' AS _source_object, CAST(i AS VARCHAR) AS _source_key, 1 AS _batch_id
FROM range(1, (SELECT n FROM odoo.fixture_n) // 4 + 2) r(i);

CREATE OR REPLACE TABLE odoo.mail_message AS
SELECT 'axium.note_' || i AS id, 'res.partner' AS model,
       'axium.patient_' || lpad(CAST(i AS VARCHAR), 5, '0') AS _res_xid, '<p>Note ' || i || '</p>' AS body,
       'comment' AS message_type, TIMESTAMP '2024-03-10 08:15:00' AS date,
       'clinical_note' AS _source_object, CAST(i AS VARCHAR) AS _source_key, 1 AS _batch_id
FROM range(1, (SELECT n FROM odoo.fixture_n) // 2 + 1) r(i);
