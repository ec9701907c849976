-- Every field the odoo.* tables fill (standard and custom), with what the
-- exporter needs to create the custom ones as ir.model.fields before the
-- load: ttype, relation (many2one/one2many), and for selections the values
-- (JSON list of [value, label]) derived from the data: each distinct value
-- present, labelled with axiUm's own text. The custom model x_perio_record
-- is listed as model x_perio_record (ir.model, with x_name as its name
-- field). The data test beside this model checks that every column of
-- every odoo table is planned here.
WITH fields(table_name, model, name, field_description, ttype, relation, relation_field, required, is_custom, note) AS (
    VALUES
    ('res_groups', 'res.groups', 'name', 'Name', 'char', NULL, NULL, true, false, NULL),
    ('res_groups', 'res.groups', 'implied_ids', 'Inherits', 'many2many', 'res.groups', NULL, false, false, NULL),
    ('res_groups', 'res.groups', 'comment', 'Comment', 'text', NULL, NULL, false, false, NULL),
    -- res.partner, shared by the four partner tables.
    ('res_partner', 'res.partner', 'name', 'Name', 'char', NULL, NULL, true, false, NULL),
    ('res_partner', 'res.partner', 'is_company', 'Is a Company', 'boolean', NULL, NULL, false, false, NULL),
    ('res_partner', 'res.partner', 'type', 'Address Type', 'selection', NULL, NULL, false, false, 'contact or other; a patient under a guarantor is other so Odoo keeps its own address'),
    ('res_partner', 'res.partner', 'parent_id', 'Related Company', 'many2one', 'res.partner', NULL, false, false, 'the guarantor'),
    ('res_partner', 'res.partner', 'active', 'Active', 'boolean', NULL, NULL, false, false, NULL),
    ('res_partner', 'res.partner', 'street', 'Street', 'char', NULL, NULL, false, false, NULL),
    ('res_partner', 'res.partner', 'street2', 'Street2', 'char', NULL, NULL, false, false, NULL),
    ('res_partner', 'res.partner', 'city', 'City', 'char', NULL, NULL, false, false, NULL),
    ('res_partner', 'res.partner', 'zip', 'Zip', 'char', NULL, NULL, false, false, NULL),
    ('res_partner', 'res.partner', 'state_id', 'State', 'many2one', 'res.country.state', NULL, false, false, 'from _state_code: the exporter searches res.country.state by country and code'),
    ('res_partner', 'res.partner', 'country_id', 'Country', 'many2one', 'res.country', NULL, false, false, NULL),
    ('res_partner', 'res.partner', 'phone', 'Phone', 'char', NULL, NULL, false, false, NULL),
    ('res_partner', 'res.partner', 'mobile', 'Mobile', 'char', NULL, NULL, false, false, NULL),
    ('res_partner', 'res.partner', 'email', 'Email', 'char', NULL, NULL, false, false, NULL),
    ('res_partner', 'res.partner', 'website', 'Website Link', 'char', NULL, NULL, false, false, NULL),
    ('res_partner', 'res.partner', 'comment', 'Notes', 'html', NULL, NULL, false, false, NULL),
    ('res_partner', 'res.partner', 'x_partner_type', 'Partner Type', 'selection', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_source_system_id', 'Source System ID', 'char', NULL, NULL, false, true, 'the axiUm key (Source_System_ID__c)'),
    ('res_partner', 'res.partner', 'x_employer', 'Employer', 'char', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_chart_number', 'Chart Number', 'char', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_birth_date', 'Birth Date', 'date', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_gender', 'Gender', 'selection', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_preferred_name', 'Preferred Name', 'char', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_language', 'Language', 'char', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_work_phone', 'Work Phone', 'char', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_patient_status', 'Patient Status', 'selection', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_guarantor_relationship', 'Relationship to Guarantor', 'selection', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_medical_alert', 'Medical Alert', 'char', NULL, NULL, false, true, 'active alerts joined with "; ", most severe first'),
    ('res_partner', 'res.partner', 'x_allergy_list', 'Allergy List', 'char', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_insurance_carrier', 'Insurance Carrier', 'char', NULL, NULL, false, true, 'primary policy'),
    ('res_partner', 'res.partner', 'x_insurance_carrier_id', 'Insurance Carrier Partner', 'many2one', 'res.partner', NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_group_number', 'Group Number', 'char', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_subscriber_id', 'Subscriber ID', 'char', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_coverage_type', 'Coverage Type', 'selection', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_insurance_effective_date', 'Insurance Effective Date', 'date', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_secondary_insurance_carrier', 'Secondary Insurance Carrier', 'char', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_secondary_insurance_carrier_id', 'Secondary Insurance Carrier Partner', 'many2one', 'res.partner', NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_secondary_group_number', 'Secondary Group Number', 'char', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_secondary_subscriber_id', 'Secondary Subscriber ID', 'char', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_secondary_coverage_type', 'Secondary Coverage Type', 'selection', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_secondary_insurance_effective_date', 'Secondary Insurance Effective Date', 'date', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_odontogram_ref', 'Odontogram Reference', 'char', NULL, NULL, false, true, 'external id of the newest odontogram ir.attachment'),
    ('res_partner', 'res.partner', 'x_referral_source_id', 'Referral Source', 'many2one', 'res.partner', NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_referral_source', 'Referral Source Name', 'char', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_clinic_id', 'Clinic', 'many2one', 'res.partner', NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_assigned_provider_id', 'Assigned Provider', 'many2one', 'res.users', NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_axium_created_at', 'Created in axiUm', 'datetime', NULL, NULL, false, true, NULL),
    ('res_partner', 'res.partner', 'x_perio_record_ids', 'Perio Chart', 'one2many', 'x_perio_record', 'x_partner_id', false, true, 'no column: the inverse of x_perio_record.x_partner_id, for the partner form'),
    -- res.users
    ('res_users', 'res.users', 'name', 'Name', 'char', NULL, NULL, true, false, NULL),
    ('res_users', 'res.users', 'login', 'Login', 'char', NULL, NULL, true, false, 'the e-mail, else the axiUm login'),
    ('res_users', 'res.users', 'email', 'Email', 'char', NULL, NULL, false, false, NULL),
    ('res_users', 'res.users', 'partner_id', 'Related Partner', 'many2one', 'res.partner', NULL, true, false, NULL),
    ('res_users', 'res.users', 'groups_id', 'Groups', 'many2many', 'res.groups', NULL, false, false, NULL),
    ('res_users', 'res.users', 'active', 'Active', 'boolean', NULL, NULL, false, false, NULL),
    ('res_users', 'res.users', 'x_axium_role', 'axiUm Role', 'selection', NULL, NULL, false, true, NULL),
    ('res_users', 'res.users', 'x_coda_category', 'CODA Category', 'selection', NULL, NULL, false, true, NULL),
    ('res_users', 'res.users', 'x_class_year', 'Class Year', 'integer', NULL, NULL, false, true, NULL),
    ('res_users', 'res.users', 'x_discipline', 'Discipline', 'char', NULL, NULL, false, true, NULL),
    ('res_users', 'res.users', 'x_npi', 'NPI', 'char', NULL, NULL, false, true, NULL),
    ('res_users', 'res.users', 'x_axium_login', 'axiUm Login', 'char', NULL, NULL, false, true, NULL),
    ('res_users', 'res.users', 'x_source_system_id', 'Source System ID', 'char', NULL, NULL, false, true, NULL),
    ('res_users', 'res.users', 'x_start_date', 'Start Date', 'date', NULL, NULL, false, true, NULL),
    -- product.product
    ('product_product', 'product.product', 'default_code', 'Internal Reference', 'char', NULL, NULL, false, false, 'the CDT code'),
    ('product_product', 'product.product', 'name', 'Name', 'char', NULL, NULL, true, false, NULL),
    ('product_product', 'product.product', 'list_price', 'Sales Price', 'float', NULL, NULL, false, false, NULL),
    ('product_product', 'product.product', 'type', 'Product Type', 'selection', NULL, NULL, false, false, NULL),
    ('product_product', 'product.product', 'detailed_type', 'Product Type', 'selection', NULL, NULL, false, false, 'Odoo 17 only: the exporter drops it for Odoo 18, which has no such field'),
    ('product_product', 'product.product', 'sale_ok', 'Can be Sold', 'boolean', NULL, NULL, false, false, NULL),
    ('product_product', 'product.product', 'purchase_ok', 'Can be Purchased', 'boolean', NULL, NULL, false, false, NULL),
    ('product_product', 'product.product', 'x_cdt_category', 'CDT Category', 'selection', NULL, NULL, false, true, NULL),
    -- crm.lead
    ('crm_lead', 'crm.lead', 'name', 'Opportunity', 'char', NULL, NULL, true, false, NULL),
    ('crm_lead', 'crm.lead', 'type', 'Type', 'selection', NULL, NULL, true, false, NULL),
    ('crm_lead', 'crm.lead', 'partner_id', 'Customer', 'many2one', 'res.partner', NULL, false, false, NULL),
    ('crm_lead', 'crm.lead', 'user_id', 'Salesperson', 'many2one', 'res.users', NULL, false, false, 'the treating provider'),
    ('crm_lead', 'crm.lead', 'stage_id', 'Stage', 'many2one', 'crm.stage', NULL, false, false, NULL),
    ('crm_lead', 'crm.lead', 'probability', 'Probability', 'float', NULL, NULL, false, false, NULL),
    ('crm_lead', 'crm.lead', 'expected_revenue', 'Expected Revenue', 'monetary', NULL, NULL, false, false, NULL),
    ('crm_lead', 'crm.lead', 'date_deadline', 'Expected Closing', 'date', NULL, NULL, false, false, 'visit date, or planned date'),
    ('crm_lead', 'crm.lead', 'date_closed', 'Closed Date', 'datetime', NULL, NULL, false, false, 'visit date of a won visit; kept on create'),
    ('crm_lead', 'crm.lead', 'description', 'Notes', 'html', NULL, NULL, false, false, NULL),
    ('crm_lead', 'crm.lead', 'x_visit_kind', 'Visit Kind', 'selection', NULL, NULL, false, true, NULL),
    ('crm_lead', 'crm.lead', 'x_procedure_codes', 'Procedure Codes', 'char', NULL, NULL, false, true, NULL),
    ('crm_lead', 'crm.lead', 'x_teeth', 'Teeth', 'char', NULL, NULL, false, true, NULL),
    ('crm_lead', 'crm.lead', 'x_treatment_count', 'Treatments', 'integer', NULL, NULL, false, true, NULL),
    ('crm_lead', 'crm.lead', 'x_axium_xid', 'Migration Key', 'char', NULL, NULL, false, true, 'the visit''s external id, repeated and indexed: the push creates visits with create and knows them by it, not by an ir.model.data name'),
    -- calendar.event (appointments and recalls)
    ('calendar_event', 'calendar.event', 'name', 'Meeting Subject', 'char', NULL, NULL, true, false, NULL),
    ('calendar_event', 'calendar.event', 'start', 'Start', 'datetime', NULL, NULL, true, false, NULL),
    ('calendar_event', 'calendar.event', 'stop', 'Stop', 'datetime', NULL, NULL, true, false, NULL),
    ('calendar_event', 'calendar.event', 'start_date', 'Start Date', 'date', NULL, NULL, false, false, 'all-day recalls'),
    ('calendar_event', 'calendar.event', 'stop_date', 'End Date', 'date', NULL, NULL, false, false, 'all-day recalls'),
    ('calendar_event', 'calendar.event', 'duration', 'Duration', 'float', NULL, NULL, false, false, 'hours'),
    ('calendar_event', 'calendar.event', 'allday', 'All Day', 'boolean', NULL, NULL, false, false, NULL),
    ('calendar_event', 'calendar.event', 'partner_ids', 'Attendees', 'many2many', 'res.partner', NULL, false, false, NULL),
    ('calendar_event', 'calendar.event', 'user_id', 'Organizer', 'many2one', 'res.users', NULL, false, false, NULL),
    ('calendar_event', 'calendar.event', 'location', 'Location', 'char', NULL, NULL, false, false, NULL),
    ('calendar_event', 'calendar.event', 'description', 'Description', 'html', NULL, NULL, false, false, NULL),
    ('calendar_event', 'calendar.event', 'opportunity_id', 'Opportunity', 'many2one', 'crm.lead', NULL, false, false, NULL),
    ('calendar_event', 'calendar.event', 'recurrency', 'Recurrent', 'boolean', NULL, NULL, false, false, NULL),
    ('calendar_event', 'calendar.event', 'rrule_type', 'Recurrence', 'selection', NULL, NULL, false, false, NULL),
    ('calendar_event', 'calendar.event', 'interval', 'Repeat On', 'integer', NULL, NULL, false, false, NULL),
    ('calendar_event', 'calendar.event', 'end_type', 'Recurrence Termination', 'selection', NULL, NULL, false, false, NULL),
    ('calendar_event', 'calendar.event', 'count', 'Number of Repetitions', 'integer', NULL, NULL, false, false, NULL),
    ('calendar_event', 'calendar.event', 'month_by', 'Option', 'selection', NULL, NULL, false, false, NULL),
    ('calendar_event', 'calendar.event', 'day', 'Date of month', 'integer', NULL, NULL, false, false, NULL),
    ('calendar_event', 'calendar.event', 'x_appointment_status', 'Appointment Status', 'selection', NULL, NULL, false, true, 'calendar.event has no state field in Odoo 17/18'),
    ('calendar_event', 'calendar.event', 'x_procedure_type', 'Procedure Type', 'selection', NULL, NULL, false, true, NULL),
    ('calendar_event', 'calendar.event', 'x_axium_created_at', 'Created in axiUm', 'datetime', NULL, NULL, false, true, NULL),
    ('calendar_event', 'calendar.event', 'x_recall_type', 'Recall Type', 'selection', NULL, NULL, false, true, NULL),
    ('calendar_event', 'calendar.event', 'x_recall_status', 'Recall Status', 'selection', NULL, NULL, false, true, NULL),
    ('calendar_event', 'calendar.event', 'x_recall_due_date', 'Recall Due Date (axiUm)', 'date', NULL, NULL, false, true, NULL),
    -- account.move, account.move.line, account.payment
    ('account_move', 'account.move', 'move_type', 'Type', 'selection', NULL, NULL, true, false, NULL),
    ('account_move', 'account.move', 'partner_id', 'Partner', 'many2one', 'res.partner', NULL, false, false, NULL),
    ('account_move', 'account.move', 'invoice_date', 'Invoice/Bill Date', 'date', NULL, NULL, false, false, NULL),
    ('account_move', 'account.move', 'date', 'Date', 'date', NULL, NULL, true, false, NULL),
    ('account_move', 'account.move', 'ref', 'Reference', 'char', NULL, NULL, false, false, NULL),
    ('account_move', 'account.move', 'invoice_origin', 'Origin', 'char', NULL, NULL, false, false, NULL),
    ('account_move', 'account.move', 'invoice_user_id', 'Salesperson', 'many2one', 'res.users', NULL, false, false, 'the provider'),
    ('account_move', 'account.move', 'x_axium_transaction_type', 'axiUm Transaction Type', 'selection', NULL, NULL, false, true, NULL),
    ('account_move_line', 'account.move.line', 'move_id', 'Journal Entry', 'many2one', 'account.move', NULL, true, false, NULL),
    ('account_move_line', 'account.move.line', 'product_id', 'Product', 'many2one', 'product.product', NULL, false, false, NULL),
    ('account_move_line', 'account.move.line', 'name', 'Label', 'char', NULL, NULL, false, false, NULL),
    ('account_move_line', 'account.move.line', 'display_type', 'Display Type', 'selection', NULL, NULL, false, false, NULL),
    ('account_move_line', 'account.move.line', 'quantity', 'Quantity', 'float', NULL, NULL, false, false, NULL),
    ('account_move_line', 'account.move.line', 'price_unit', 'Unit Price', 'float', NULL, NULL, false, false, NULL),
    ('account_move_line', 'account.move.line', 'x_axium_xid', 'Migration Key', 'char', NULL, NULL, false, true, 'the line''s external id, repeated and indexed: the push creates lines with create and knows them by it, not by an ir.model.data name'),
    ('account_payment', 'account.payment', 'payment_type', 'Payment Type', 'selection', NULL, NULL, true, false, NULL),
    ('account_payment', 'account.payment', 'partner_type', 'Partner Type', 'selection', NULL, NULL, true, false, NULL),
    ('account_payment', 'account.payment', 'partner_id', 'Customer/Vendor', 'many2one', 'res.partner', NULL, false, false, NULL),
    ('account_payment', 'account.payment', 'amount', 'Amount', 'monetary', NULL, NULL, false, false, NULL),
    ('account_payment', 'account.payment', 'date', 'Date', 'date', NULL, NULL, true, false, NULL),
    ('account_payment', 'account.payment', 'payment_reference', 'Payment Reference', 'char', NULL, NULL, false, false, NULL),
    ('account_payment', 'account.payment', 'x_payment_method', 'axiUm Payment Method', 'selection', NULL, NULL, false, true, NULL),
    ('account_payment', 'account.payment', 'x_payer', 'Payer', 'selection', NULL, NULL, false, true, NULL),
    ('account_payment', 'account.payment', 'x_axium_xid', 'Migration Key', 'char', NULL, NULL, false, true, 'the payment''s external id, repeated and indexed: the push creates payments with create and knows them by it, not by an ir.model.data name'),
    -- x_perio_record (custom model); the perio grain (var perio_grain)
    -- decides what a record is and its fields.
{{- $grain := var "perio_grain" }}
    ('x_perio_record', 'x_perio_record', 'x_name', 'Name', 'char', NULL, NULL, true, true, 'the custom model''s name field'),
    ('x_perio_record', 'x_perio_record', 'x_partner_id', 'Patient', 'many2one', 'res.partner', NULL, true, true, NULL),
    ('x_perio_record', 'x_perio_record', 'x_provider_id', 'Provider', 'many2one', 'res.users', NULL, false, true, NULL),
    ('x_perio_record', 'x_perio_record', 'x_exam_id', 'axiUm Exam', 'char', NULL, NULL, false, true, NULL),
    ('x_perio_record', 'x_perio_record', 'x_exam_date', 'Exam Date', 'date', NULL, NULL, false, true, NULL),
    ('x_perio_record', 'x_perio_record', 'x_exam_type', 'Exam Type', 'selection', NULL, NULL, false, true, NULL),
    ('x_perio_record', 'x_perio_record', 'x_axium_xid', 'Migration Key', 'char', NULL, NULL, false, true, 'the record''s external id, repeated and indexed: the push creates these records with create and knows them by it, not by an ir.model.data name'),
{{- if eq $grain "site" }}
    ('x_perio_record', 'x_perio_record', 'x_tooth', 'Tooth', 'char', NULL, NULL, true, true, 'Universal numbering'),
    ('x_perio_record', 'x_perio_record', 'x_site', 'Site', 'selection', NULL, NULL, true, true, NULL),
    ('x_perio_record', 'x_perio_record', 'x_probing_depth', 'Probing Depth (mm)', 'integer', NULL, NULL, false, true, NULL),
    ('x_perio_record', 'x_perio_record', 'x_gingival_margin', 'Gingival Margin (mm)', 'integer', NULL, NULL, false, true, 'positive coronal to the CEJ'),
    ('x_perio_record', 'x_perio_record', 'x_cal', 'Clinical Attachment Level (mm)', 'integer', NULL, NULL, false, true, NULL),
    ('x_perio_record', 'x_perio_record', 'x_bleeding', 'Bleeding', 'boolean', NULL, NULL, false, true, NULL),
    ('x_perio_record', 'x_perio_record', 'x_suppuration', 'Suppuration', 'boolean', NULL, NULL, false, true, NULL),
    ('x_perio_record', 'x_perio_record', 'x_mobility', 'Mobility', 'integer', NULL, NULL, false, true, 'Miller 0-3'),
    ('x_perio_record', 'x_perio_record', 'x_furcation', 'Furcation', 'integer', NULL, NULL, false, true, 'Glickman 1-3'),
{{- else if eq $grain "tooth" }}
    ('x_perio_record', 'x_perio_record', 'x_tooth', 'Tooth', 'char', NULL, NULL, true, true, 'Universal numbering'),
    ('x_perio_record', 'x_perio_record', 'x_mobility', 'Mobility', 'integer', NULL, NULL, false, true, 'Miller 0-3, per tooth'),
    ('x_perio_record', 'x_perio_record', 'x_furcation', 'Furcation', 'integer', NULL, NULL, false, true, 'Glickman 1-3: the highest of the tooth''s sites'),
    ('x_perio_record', 'x_perio_record', 'x_pd_mb', 'Probing Depth MB (mm)', 'integer', NULL, NULL, false, true, 'mesiobuccal, mm'),
    ('x_perio_record', 'x_perio_record', 'x_pd_b', 'Probing Depth B (mm)', 'integer', NULL, NULL, false, true, 'buccal, mm'),
    ('x_perio_record', 'x_perio_record', 'x_pd_db', 'Probing Depth DB (mm)', 'integer', NULL, NULL, false, true, 'distobuccal, mm'),
    ('x_perio_record', 'x_perio_record', 'x_pd_ml', 'Probing Depth ML (mm)', 'integer', NULL, NULL, false, true, 'mesiolingual, mm'),
    ('x_perio_record', 'x_perio_record', 'x_pd_l', 'Probing Depth L (mm)', 'integer', NULL, NULL, false, true, 'lingual, mm'),
    ('x_perio_record', 'x_perio_record', 'x_pd_dl', 'Probing Depth DL (mm)', 'integer', NULL, NULL, false, true, 'distolingual, mm'),
    ('x_perio_record', 'x_perio_record', 'x_gm_mb', 'Gingival Margin MB (mm)', 'integer', NULL, NULL, false, true, 'mesiobuccal, mm, positive coronal to the CEJ'),
    ('x_perio_record', 'x_perio_record', 'x_gm_b', 'Gingival Margin B (mm)', 'integer', NULL, NULL, false, true, 'buccal, mm, positive coronal to the CEJ'),
    ('x_perio_record', 'x_perio_record', 'x_gm_db', 'Gingival Margin DB (mm)', 'integer', NULL, NULL, false, true, 'distobuccal, mm, positive coronal to the CEJ'),
    ('x_perio_record', 'x_perio_record', 'x_gm_ml', 'Gingival Margin ML (mm)', 'integer', NULL, NULL, false, true, 'mesiolingual, mm, positive coronal to the CEJ'),
    ('x_perio_record', 'x_perio_record', 'x_gm_l', 'Gingival Margin L (mm)', 'integer', NULL, NULL, false, true, 'lingual, mm, positive coronal to the CEJ'),
    ('x_perio_record', 'x_perio_record', 'x_gm_dl', 'Gingival Margin DL (mm)', 'integer', NULL, NULL, false, true, 'distolingual, mm, positive coronal to the CEJ'),
    ('x_perio_record', 'x_perio_record', 'x_cal_mb', 'CAL MB (mm)', 'integer', NULL, NULL, false, true, 'mesiobuccal, mm: probing depth − gingival margin'),
    ('x_perio_record', 'x_perio_record', 'x_cal_b', 'CAL B (mm)', 'integer', NULL, NULL, false, true, 'buccal, mm: probing depth − gingival margin'),
    ('x_perio_record', 'x_perio_record', 'x_cal_db', 'CAL DB (mm)', 'integer', NULL, NULL, false, true, 'distobuccal, mm: probing depth − gingival margin'),
    ('x_perio_record', 'x_perio_record', 'x_cal_ml', 'CAL ML (mm)', 'integer', NULL, NULL, false, true, 'mesiolingual, mm: probing depth − gingival margin'),
    ('x_perio_record', 'x_perio_record', 'x_cal_l', 'CAL L (mm)', 'integer', NULL, NULL, false, true, 'lingual, mm: probing depth − gingival margin'),
    ('x_perio_record', 'x_perio_record', 'x_cal_dl', 'CAL DL (mm)', 'integer', NULL, NULL, false, true, 'distolingual, mm: probing depth − gingival margin'),
    ('x_perio_record', 'x_perio_record', 'x_bleeding_mb', 'Bleeding MB', 'boolean', NULL, NULL, false, true, 'mesiobuccal'),
    ('x_perio_record', 'x_perio_record', 'x_bleeding_b', 'Bleeding B', 'boolean', NULL, NULL, false, true, 'buccal'),
    ('x_perio_record', 'x_perio_record', 'x_bleeding_db', 'Bleeding DB', 'boolean', NULL, NULL, false, true, 'distobuccal'),
    ('x_perio_record', 'x_perio_record', 'x_bleeding_ml', 'Bleeding ML', 'boolean', NULL, NULL, false, true, 'mesiolingual'),
    ('x_perio_record', 'x_perio_record', 'x_bleeding_l', 'Bleeding L', 'boolean', NULL, NULL, false, true, 'lingual'),
    ('x_perio_record', 'x_perio_record', 'x_bleeding_dl', 'Bleeding DL', 'boolean', NULL, NULL, false, true, 'distolingual'),
    ('x_perio_record', 'x_perio_record', 'x_suppuration_mb', 'Suppuration MB', 'boolean', NULL, NULL, false, true, 'mesiobuccal'),
    ('x_perio_record', 'x_perio_record', 'x_suppuration_b', 'Suppuration B', 'boolean', NULL, NULL, false, true, 'buccal'),
    ('x_perio_record', 'x_perio_record', 'x_suppuration_db', 'Suppuration DB', 'boolean', NULL, NULL, false, true, 'distobuccal'),
    ('x_perio_record', 'x_perio_record', 'x_suppuration_ml', 'Suppuration ML', 'boolean', NULL, NULL, false, true, 'mesiolingual'),
    ('x_perio_record', 'x_perio_record', 'x_suppuration_l', 'Suppuration L', 'boolean', NULL, NULL, false, true, 'lingual'),
    ('x_perio_record', 'x_perio_record', 'x_suppuration_dl', 'Suppuration DL', 'boolean', NULL, NULL, false, true, 'distolingual'),
    ('x_perio_record', 'x_perio_record', 'x_furcation_mb', 'Furcation MB', 'integer', NULL, NULL, false, true, 'mesiobuccal, Glickman 1-3'),
    ('x_perio_record', 'x_perio_record', 'x_furcation_b', 'Furcation B', 'integer', NULL, NULL, false, true, 'buccal, Glickman 1-3'),
    ('x_perio_record', 'x_perio_record', 'x_furcation_db', 'Furcation DB', 'integer', NULL, NULL, false, true, 'distobuccal, Glickman 1-3'),
    ('x_perio_record', 'x_perio_record', 'x_furcation_ml', 'Furcation ML', 'integer', NULL, NULL, false, true, 'mesiolingual, Glickman 1-3'),
    ('x_perio_record', 'x_perio_record', 'x_furcation_l', 'Furcation L', 'integer', NULL, NULL, false, true, 'lingual, Glickman 1-3'),
    ('x_perio_record', 'x_perio_record', 'x_furcation_dl', 'Furcation DL', 'integer', NULL, NULL, false, true, 'distolingual, Glickman 1-3'),
{{- else }}
    ('x_perio_record', 'x_perio_record', 'x_teeth', 'Teeth Charted', 'integer', NULL, NULL, false, true, NULL),
    ('x_perio_record', 'x_perio_record', 'x_chart', 'Chart (JSON)', 'text', NULL, NULL, false, true, 'JSON: tooth → mobility, furcation, sites → MB/B/DB/ML/L/DL → probing_depth, gingival_margin, cal, bleeding, suppuration, furcation (mm; margin positive coronal to the CEJ; cal = probing depth − margin)'),
{{- end }}
    -- ir.attachment, mail.message
    ('ir_attachment', 'ir.attachment', 'name', 'Name', 'char', NULL, NULL, true, false, NULL),
    ('ir_attachment', 'ir.attachment', 'type', 'Type', 'selection', NULL, NULL, true, false, NULL),
    ('ir_attachment', 'ir.attachment', 'res_model', 'Resource Model', 'char', NULL, NULL, false, false, NULL),
    ('ir_attachment', 'ir.attachment', 'res_id', 'Resource ID', 'many2one_reference', NULL, NULL, false, false, 'no column: the exporter resolves _res_xid'),
    ('ir_attachment', 'ir.attachment', 'datas', 'File Content (base64)', 'binary', NULL, NULL, false, false, 'no column: the exporter reads _file_path'),
    ('ir_attachment', 'ir.attachment', 'description', 'Description', 'text', NULL, NULL, false, false, NULL),
    ('ir_attachment', 'ir.attachment', 'mimetype', 'Mime Type', 'char', NULL, NULL, false, false, NULL),
    ('ir_attachment', 'ir.attachment', 'x_document_type', 'Document Type', 'selection', NULL, NULL, false, true, NULL),
    ('ir_attachment', 'ir.attachment', 'x_scan_date', 'Scan Date', 'date', NULL, NULL, false, true, NULL),
    ('mail_message', 'mail.message', 'model', 'Related Document Model', 'char', NULL, NULL, false, false, NULL),
    ('mail_message', 'mail.message', 'res_id', 'Related Document ID', 'many2one_reference', NULL, NULL, false, false, 'no column: the exporter resolves _res_xid'),
    ('mail_message', 'mail.message', 'subject', 'Subject', 'char', NULL, NULL, false, false, NULL),
    ('mail_message', 'mail.message', 'body', 'Contents', 'html', NULL, NULL, false, false, NULL),
    ('mail_message', 'mail.message', 'message_type', 'Type', 'selection', NULL, NULL, true, false, NULL),
    ('mail_message', 'mail.message', 'subtype_id', 'Subtype', 'many2one', 'mail.message.subtype', NULL, false, false, NULL),
    ('mail_message', 'mail.message', 'is_internal', 'Employee Only', 'boolean', NULL, NULL, false, false, NULL),
    ('mail_message', 'mail.message', 'date', 'Date', 'datetime', NULL, NULL, false, false, NULL),
    ('mail_message', 'mail.message', 'author_id', 'Author', 'many2one', 'res.partner', NULL, false, false, NULL),
    ('mail_message', 'mail.message', 'x_note_type', 'Note Type', 'selection', NULL, NULL, false, true, NULL)
), sel(model, name, value, label) AS (
    -- The selection values of custom fields, from the data.
    SELECT 'res.partner', 'x_partner_type', x_partner_type, x_partner_type FROM {{ ref "odoo_res_partner_company" }}
    UNION SELECT 'res.partner', 'x_partner_type', x_partner_type, x_partner_type FROM {{ ref "odoo_res_partner_guarantor" }}
    UNION SELECT 'res.partner', 'x_partner_type', x_partner_type, x_partner_type FROM {{ ref "odoo_res_partner_provider" }}
    UNION SELECT 'res.partner', 'x_partner_type', x_partner_type, x_partner_type FROM {{ ref "odoo_res_partner_patient" }}
    UNION SELECT 'res.partner', 'x_gender', util.odoo_sel(gender), gender FROM {{ ref "stg_patient" }}
    UNION SELECT 'res.partner', 'x_patient_status', util.odoo_sel(status), status FROM {{ ref "stg_patient" }}
    UNION SELECT 'res.partner', 'x_guarantor_relationship', util.odoo_sel(guarantor_relationship), guarantor_relationship FROM {{ ref "stg_patient" }}
    UNION SELECT 'res.partner', 'x_coverage_type', util.odoo_sel(plan_type), plan_type FROM {{ ref "stg_benefit_plan" }}
    UNION SELECT 'res.partner', 'x_secondary_coverage_type', util.odoo_sel(plan_type), plan_type FROM {{ ref "stg_benefit_plan" }}
    UNION SELECT 'res.users', 'x_axium_role', util.odoo_sel(role), role FROM {{ ref "stg_provider" }}
    UNION SELECT 'res.users', 'x_coda_category', util.odoo_sel(coda_category), coda_category FROM {{ ref "stg_provider" }}
    UNION SELECT 'product.product', 'x_cdt_category', util.odoo_sel(category), category FROM {{ seed "cdt_label" }}
    UNION SELECT 'crm.lead', 'x_visit_kind', x_visit_kind, replace(x_visit_kind, '_', ' ') FROM {{ ref "odoo_crm_lead" }}
    UNION SELECT 'calendar.event', 'x_appointment_status', util.odoo_sel(status), status FROM {{ ref "stg_appointment" }}
    UNION SELECT 'calendar.event', 'x_procedure_type', util.odoo_sel(procedure_type), procedure_type FROM {{ ref "stg_appointment" }}
    UNION SELECT 'calendar.event', 'x_recall_type', x_recall_type, upper(x_recall_type) FROM {{ ref "odoo_calendar_event_recall" }}
    UNION SELECT 'calendar.event', 'x_recall_status', util.odoo_sel(status), status FROM {{ ref "stg_recall" }}
    UNION SELECT 'account.move', 'x_axium_transaction_type', x_axium_transaction_type, x_axium_transaction_type FROM {{ ref "odoo_account_move" }}
    UNION SELECT 'account.payment', 'x_payment_method', util.odoo_sel(payment_method), payment_method FROM {{ ref "stg_transaction" }}
    UNION SELECT 'account.payment', 'x_payer', x_payer, x_payer FROM {{ ref "odoo_account_payment" }}
    UNION SELECT 'x_perio_record', 'x_exam_type', util.odoo_sel(exam_type), exam_type FROM {{ ref "stg_perio_exam" }}
{{- if eq (var "perio_grain") "site" }}
    UNION SELECT 'x_perio_record', 'x_site', util.odoo_sel(site), site FROM {{ ref "stg_perio_measure" }}
{{- end }}
    UNION SELECT 'ir.attachment', 'x_document_type', util.odoo_sel(document_type), document_type FROM {{ ref "stg_attachment" }}
    UNION SELECT 'mail.message', 'x_note_type', util.odoo_sel(note_type), note_type FROM {{ ref "stg_clinical_note" }}
), options AS (
    -- One label per value (the first text that produced it).
    SELECT model, name, to_json(list([value, label] ORDER BY value)) AS selection
    FROM (SELECT model, name, value, min(label) AS label FROM sel WHERE value IS NOT NULL GROUP BY ALL)
    GROUP BY ALL
)
SELECT
    f.table_name, f.model, f.name, f.field_description, f.ttype,
    CASE WHEN f.is_custom AND f.ttype = 'selection' THEN coalesce(o.selection, to_json([])) END AS selection,
    f.relation, f.relation_field, f.required, f.is_custom, f.note
FROM fields f
LEFT JOIN options o ON o.model = f.model AND o.name = f.name
UNION ALL
-- Carried columns: a patient (appointment) export column the catalog does
-- not know becomes an x_ text field of res.partner (calendar.event): text,
-- not char, so free text keeps its line breaks and any length. Its
-- description is its header, with " (axiUm column)" when a planned field
-- of the model has that description.
SELECT
    k.table_name, k.model, c.odoo_field,
    CASE WHEN EXISTS (SELECT 1 FROM fields f WHERE f.model = k.model AND lower(f.field_description) = lower(c.raw_column))
         THEN left(c.raw_column, 240) || ' (axiUm column)' ELSE left(c.raw_column, 255) END,
    'text', NULL, NULL, NULL, false, true,
    'carried from column ' || c.raw_column || ' of the axiUm ' || c.object || ' export (not a catalog column)'
FROM {{ ref "source_column" }} c
JOIN (VALUES ('patient', 'res_partner', 'res.partner'), ('appointment', 'calendar_event', 'calendar.event')) AS k(object, table_name, model)
    USING (object)
WHERE c.decision = 'carry'
