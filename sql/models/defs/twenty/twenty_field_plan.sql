-- Every field the twenty.* tables send, standard and custom, so the
-- exporter can create the custom ones (before any record) and name the CSV
-- headers. table_column is the column, or for a composite field the
-- prefix before '__' (emails → emails__primary_email); custom-form fields
-- live in the extra_fields JSON column, one row each; carried columns
-- (staging.source_column) are columns named as their field.
--
-- Select options come from the data: the values present, plus the fixed
-- set of known enumerations (so an option exists before its first record),
-- each with its label (the text as axiUm writes it where the data gave it),
-- a position and a colour.
WITH fields(object_name_singular, table_column, field_name, label, type, is_custom, relation_target_object,
            relation_type, target_field_label, description) AS (
    VALUES
    ('company', 'id', 'id', 'Id', 'UUID', false, NULL, NULL, NULL, 'Deterministic id (UUID v5 of the axiUm key)'),
    ('company', 'name', 'name', 'Name', 'TEXT', false, NULL, NULL, NULL, NULL),
    ('company', 'company_type', 'companyType', 'Company Type', 'SELECT', true, NULL, NULL, NULL, 'Insurance carrier, referring practice, clinic or Self-Pay'),
    ('company', 'domain_name', 'domainName', 'Domain Name', 'LINKS', false, NULL, NULL, NULL, 'Unique in Twenty: only a carrier website no other company has'),
    ('company', 'website', 'website', 'Website', 'TEXT', true, NULL, NULL, NULL, 'The website as axiUm holds it'),
    ('company', 'address', 'address', 'Address', 'ADDRESS', false, NULL, NULL, NULL, NULL),
    ('company', 'main_phone', 'mainPhone', 'Main Phone', 'PHONES', true, NULL, NULL, NULL, NULL),
    ('company', 'payer_id', 'payerId', 'Payer ID', 'TEXT', true, NULL, NULL, NULL, 'Carrier electronic (EDI) payer id'),
    ('company', 'specialty', 'specialty', 'Specialty', 'TEXT', true, NULL, NULL, NULL, 'Referring practice specialty'),
    ('company', 'contact_name', 'contactName', 'Contact Name', 'TEXT', true, NULL, NULL, NULL, 'Referring practice contact'),
    ('company', 'contact_email', 'contactEmail', 'Contact Email', 'EMAILS', true, NULL, NULL, NULL, 'Referring practice e-mail'),
    ('company', 'benefit_plans', 'benefitPlans', 'Benefit Plans', 'TEXT', true, NULL, NULL, NULL, 'The carrier''s axiUm benefit plans'),
    ('company', 'chairs', 'chairs', 'Chairs', 'TEXT', true, NULL, NULL, NULL, 'The clinic''s chairs (operatories)'),
    ('company', 'axium_id', 'axiumId', 'axiUm ID', 'TEXT', true, NULL, NULL, NULL, 'Unique legacy id: object:key'),

    ('person', 'id', 'id', 'Id', 'UUID', false, NULL, NULL, NULL, 'Deterministic id (UUID v5 of the axiUm key)'),
    ('person', 'person_type', 'personType', 'Person Type', 'SELECT', true, NULL, NULL, NULL, 'Patient or provider'),
    ('person', 'name', 'name', 'Name', 'FULL_NAME', false, NULL, NULL, NULL, NULL),
    ('person', 'middle_name', 'middleName', 'Middle Name', 'TEXT', true, NULL, NULL, NULL, NULL),
    ('person', 'preferred_name', 'preferredName', 'Preferred Name', 'TEXT', true, NULL, NULL, NULL, NULL),
    ('person', 'emails', 'emails', 'Emails', 'EMAILS', false, NULL, NULL, NULL, 'Primary e-mail is unique: a shared address stays on one person'),
    ('person', 'phones', 'phones', 'Phones', 'PHONES', false, NULL, NULL, NULL, 'Cell, else home, else work first; the others as additional phones'),
    ('person', 'job_title', 'jobTitle', 'Job Title', 'TEXT', false, NULL, NULL, NULL, 'Provider role and discipline'),
    ('person', 'city', 'city', 'City', 'TEXT', false, NULL, NULL, NULL, NULL),
    ('person', 'address', 'address', 'Address', 'ADDRESS', true, NULL, NULL, NULL, NULL),
    ('person', 'company_id', 'company', 'Company', 'RELATION', false, 'company', 'MANY_TO_ONE', 'People', 'Primary insurance carrier (Self-Pay when none); a provider''s clinic'),
    ('person', 'birth_date', 'birthDate', 'Birth Date', 'DATE', true, NULL, NULL, NULL, NULL),
    ('person', 'gender', 'gender', 'Gender', 'SELECT', true, NULL, NULL, NULL, NULL),
    ('person', 'chart_number', 'chartNumber', 'Chart Number', 'TEXT', true, NULL, NULL, NULL, NULL),
    ('person', 'language', 'language', 'Language', 'TEXT', true, NULL, NULL, NULL, NULL),
    ('person', 'patient_status', 'patientStatus', 'Patient Status', 'SELECT', true, NULL, NULL, NULL, NULL),
    ('person', 'axium_deleted', 'axiumDeleted', 'Deleted in axiUm', 'BOOLEAN', true, NULL, NULL, NULL, 'The patient card is soft-deleted in axiUm'),
    ('person', 'axium_id', 'axiumId', 'axiUm ID', 'TEXT', true, NULL, NULL, NULL, 'Unique legacy id (patient:key, provider:key) to match relations by'),
    ('person', 'axium_created_at', 'axiumCreatedAt', 'axiUm Created At', 'DATE_TIME', true, NULL, NULL, NULL, 'Original create date'),
    ('person', 'created_at', 'createdAt', 'Creation date', 'DATE_TIME', false, NULL, NULL, NULL, 'Original create date when known'),
    ('person', 'alert_flag', 'alertFlag', 'Alert Flag', 'MULTI_SELECT', true, NULL, NULL, NULL, 'Active medical alerts'),
    ('person', 'medical_alerts', 'medicalAlerts', 'Medical Alerts', 'TEXT', true, NULL, NULL, NULL, 'Every alert in full, inactive ones marked'),
    ('person', 'insurance', 'insurance', 'Insurance', 'TEXT', true, NULL, NULL, NULL, 'Every policy: carrier, plan, subscriber, dates'),
    ('person', 'guarantor', 'guarantor', 'Guarantor', 'TEXT', true, NULL, NULL, NULL, 'Responsible party'),
    ('person', 'assigned_provider_id', 'assignedProvider', 'Assigned Provider', 'RELATION', true, 'person', 'MANY_TO_ONE', 'Assigned Patients', NULL),
    ('person', 'referred_by_id', 'referredBy', 'Referred By', 'RELATION', true, 'company', 'MANY_TO_ONE', 'Referred Patients', NULL),
    ('person', 'home_clinic_id', 'homeClinic', 'Home Clinic', 'RELATION', true, 'company', 'MANY_TO_ONE', 'Clinic People', NULL),
    ('person', 'outstanding_balance', 'outstandingBalance', 'Outstanding Balance', 'CURRENCY', true, NULL, NULL, NULL, 'Charges − payments − adjustments'),
    ('person', 'last_payment_date', 'lastPaymentDate', 'Last Payment Date', 'DATE', true, NULL, NULL, NULL, NULL),
    ('person', 'provider_role', 'providerRole', 'Provider Role', 'SELECT', true, NULL, NULL, NULL, NULL),
    ('person', 'npi', 'npi', 'NPI', 'TEXT', true, NULL, NULL, NULL, NULL),

    ('workspaceMember', 'id', 'id', 'Id', 'UUID', false, NULL, NULL, NULL, NULL),
    ('workspaceMember', 'name', 'name', 'Name', 'FULL_NAME', false, NULL, NULL, NULL, NULL),
    ('workspaceMember', 'user_email', 'userEmail', 'User Email', 'TEXT', false, NULL, NULL, NULL, 'Invited by this e-mail'),

    ('task', 'id', 'id', 'Id', 'UUID', false, NULL, NULL, NULL, NULL),
    ('task', 'task_type', 'taskType', 'Task Type', 'SELECT', true, NULL, NULL, NULL, 'Appointment or recall'),
    ('task', 'title', 'title', 'Title', 'TEXT', false, NULL, NULL, NULL, NULL),
    ('task', 'body_v2', 'bodyV2', 'Body', 'RICH_TEXT_V2', false, NULL, NULL, NULL, NULL),
    ('task', 'due_at', 'dueAt', 'Due Date', 'DATE_TIME', false, NULL, NULL, NULL, 'Appointment time or recall due date'),
    ('task', 'status', 'status', 'Status', 'SELECT', false, NULL, NULL, NULL, NULL),
    ('task', 'assignee_id', 'assignee', 'Assignee', 'RELATION', false, 'workspaceMember', 'MANY_TO_ONE', 'Assigned Tasks', NULL),
    ('task', 'provider_id', 'provider', 'Provider', 'RELATION', true, 'person', 'MANY_TO_ONE', 'Provider Tasks', 'The axiUm provider, also when not a workspace member'),
    ('task', 'procedure_type', 'procedureType', 'Procedure Type', 'SELECT', true, NULL, NULL, NULL, NULL),
    ('task', 'appointment_status', 'appointmentStatus', 'Appointment Status', 'SELECT', true, NULL, NULL, NULL, 'The scheduler status, broken and cancelled included'),
    ('task', 'recall_status', 'recallStatus', 'Recall Status', 'SELECT', true, NULL, NULL, NULL, 'Missed recalls stay open, flagged'),
    ('task', 'recall_type', 'recallType', 'Recall Type', 'SELECT', true, NULL, NULL, NULL, NULL),
    ('task', 'duration_minutes', 'durationMinutes', 'Duration (min)', 'NUMBER', true, NULL, NULL, NULL, NULL),
    ('task', 'axium_id', 'axiumId', 'axiUm ID', 'TEXT', true, NULL, NULL, NULL, NULL),
    ('task', 'axium_created_at', 'axiumCreatedAt', 'axiUm Created At', 'DATE_TIME', true, NULL, NULL, NULL, NULL),
    ('task', 'created_at', 'createdAt', 'Creation date', 'DATE_TIME', false, NULL, NULL, NULL, NULL),

    ('taskTarget', 'id', 'id', 'Id', 'UUID', false, NULL, NULL, NULL, NULL),
    ('taskTarget', 'task_id', 'task', 'Task', 'RELATION', false, 'task', 'MANY_TO_ONE', 'Task Targets', NULL),
    ('taskTarget', 'target_person_id', 'targetPerson', 'Person', 'RELATION', false, 'person', 'MANY_TO_ONE', 'Task Targets', NULL),

    ('note', 'id', 'id', 'Id', 'UUID', false, NULL, NULL, NULL, NULL),
    ('note', 'note_type', 'noteType', 'Note Type', 'SELECT', true, NULL, NULL, NULL, NULL),
    ('note', 'title', 'title', 'Title', 'TEXT', false, NULL, NULL, NULL, NULL),
    ('note', 'body_v2', 'bodyV2', 'Body', 'RICH_TEXT_V2', false, NULL, NULL, NULL, NULL),
    ('note', 'note_date', 'noteDate', 'Note Date', 'DATE_TIME', true, NULL, NULL, NULL, 'Original note date'),
    ('note', 'created_at', 'createdAt', 'Creation date', 'DATE_TIME', false, NULL, NULL, NULL, NULL),
    ('note', 'author_id', 'author', 'Author', 'RELATION', true, 'person', 'MANY_TO_ONE', 'Authored Notes', NULL),
    ('note', 'procedure_code', 'procedureCode', 'Procedure Code', 'TEXT', true, NULL, NULL, NULL, 'CDT code'),
    ('note', 'axium_id', 'axiumId', 'axiUm ID', 'TEXT', true, NULL, NULL, NULL, NULL),

    ('noteTarget', 'id', 'id', 'Id', 'UUID', false, NULL, NULL, NULL, NULL),
    ('noteTarget', 'note_id', 'note', 'Note', 'RELATION', false, 'note', 'MANY_TO_ONE', 'Note Targets', NULL),
    ('noteTarget', 'target_person_id', 'targetPerson', 'Person', 'RELATION', false, 'person', 'MANY_TO_ONE', 'Note Targets', NULL),

    ('perioRecord', 'id', 'id', 'Id', 'UUID', false, NULL, NULL, NULL, NULL),
    -- The perio grain (var perio_grain) decides what a record is and its fields.
{{- $grain := var "perio_grain" }}
{{- if eq $grain "site" }}
    ('perioRecord', 'name', 'name', 'Name', 'TEXT', false, NULL, NULL, NULL, 'Exam date, tooth and site'),
{{- else if eq $grain "tooth" }}
    ('perioRecord', 'name', 'name', 'Name', 'TEXT', false, NULL, NULL, NULL, 'Exam date and tooth'),
{{- else }}
    ('perioRecord', 'name', 'name', 'Name', 'TEXT', false, NULL, NULL, NULL, 'Exam date'),
{{- end }}
    ('perioRecord', 'person_id', 'person', 'Person', 'RELATION', true, 'person', 'MANY_TO_ONE', 'Perio Records', NULL),
    ('perioRecord', 'exam_date', 'examDate', 'Exam Date', 'DATE', true, NULL, NULL, NULL, NULL),
    ('perioRecord', 'exam_type', 'examType', 'Exam Type', 'SELECT', true, NULL, NULL, NULL, NULL),
{{- if eq $grain "site" }}
    ('perioRecord', 'tooth', 'tooth', 'Tooth', 'TEXT', true, NULL, NULL, NULL, 'Universal tooth number'),
    ('perioRecord', 'site', 'site', 'Site', 'SELECT', true, NULL, NULL, NULL, NULL),
    ('perioRecord', 'probing_depth', 'probingDepth', 'Probing Depth', 'NUMBER', true, NULL, NULL, NULL, 'mm'),
    ('perioRecord', 'gingival_margin', 'gingivalMargin', 'Gingival Margin', 'NUMBER', true, NULL, NULL, NULL, 'mm, positive coronal to the CEJ'),
    ('perioRecord', 'clinical_attachment_level', 'clinicalAttachmentLevel', 'CAL', 'NUMBER', true, NULL, NULL, NULL, 'mm: probing depth − gingival margin'),
    ('perioRecord', 'bleeding', 'bleeding', 'Bleeding', 'BOOLEAN', true, NULL, NULL, NULL, NULL),
    ('perioRecord', 'suppuration', 'suppuration', 'Suppuration', 'BOOLEAN', true, NULL, NULL, NULL, NULL),
    ('perioRecord', 'mobility', 'mobility', 'Mobility', 'NUMBER', true, NULL, NULL, NULL, 'Miller 0-3'),
    ('perioRecord', 'furcation', 'furcation', 'Furcation', 'NUMBER', true, NULL, NULL, NULL, 'Glickman grade 1-3'),
{{- else if eq $grain "tooth" }}
    ('perioRecord', 'tooth', 'tooth', 'Tooth', 'TEXT', true, NULL, NULL, NULL, 'Universal tooth number'),
    ('perioRecord', 'mobility', 'mobility', 'Mobility', 'NUMBER', true, NULL, NULL, NULL, 'Miller 0-3, per tooth'),
    ('perioRecord', 'furcation', 'furcation', 'Furcation', 'NUMBER', true, NULL, NULL, NULL, 'Glickman grade 1-3: the highest of the tooth''s sites'),
    ('perioRecord', 'pd_mb', 'pdMb', 'PD MB', 'NUMBER', true, NULL, NULL, NULL, 'Mesiobuccal probing depth, mm'),
    ('perioRecord', 'pd_b', 'pdB', 'PD B', 'NUMBER', true, NULL, NULL, NULL, 'Buccal probing depth, mm'),
    ('perioRecord', 'pd_db', 'pdDb', 'PD DB', 'NUMBER', true, NULL, NULL, NULL, 'Distobuccal probing depth, mm'),
    ('perioRecord', 'pd_ml', 'pdMl', 'PD ML', 'NUMBER', true, NULL, NULL, NULL, 'Mesiolingual probing depth, mm'),
    ('perioRecord', 'pd_l', 'pdL', 'PD L', 'NUMBER', true, NULL, NULL, NULL, 'Lingual probing depth, mm'),
    ('perioRecord', 'pd_dl', 'pdDl', 'PD DL', 'NUMBER', true, NULL, NULL, NULL, 'Distolingual probing depth, mm'),
    ('perioRecord', 'gm_mb', 'gmMb', 'GM MB', 'NUMBER', true, NULL, NULL, NULL, 'Mesiobuccal gingival margin, mm, positive coronal to the CEJ'),
    ('perioRecord', 'gm_b', 'gmB', 'GM B', 'NUMBER', true, NULL, NULL, NULL, 'Buccal gingival margin, mm, positive coronal to the CEJ'),
    ('perioRecord', 'gm_db', 'gmDb', 'GM DB', 'NUMBER', true, NULL, NULL, NULL, 'Distobuccal gingival margin, mm, positive coronal to the CEJ'),
    ('perioRecord', 'gm_ml', 'gmMl', 'GM ML', 'NUMBER', true, NULL, NULL, NULL, 'Mesiolingual gingival margin, mm, positive coronal to the CEJ'),
    ('perioRecord', 'gm_l', 'gmL', 'GM L', 'NUMBER', true, NULL, NULL, NULL, 'Lingual gingival margin, mm, positive coronal to the CEJ'),
    ('perioRecord', 'gm_dl', 'gmDl', 'GM DL', 'NUMBER', true, NULL, NULL, NULL, 'Distolingual gingival margin, mm, positive coronal to the CEJ'),
    ('perioRecord', 'cal_mb', 'calMb', 'CAL MB', 'NUMBER', true, NULL, NULL, NULL, 'Mesiobuccal clinical attachment level, mm: probing depth − gingival margin'),
    ('perioRecord', 'cal_b', 'calB', 'CAL B', 'NUMBER', true, NULL, NULL, NULL, 'Buccal clinical attachment level, mm: probing depth − gingival margin'),
    ('perioRecord', 'cal_db', 'calDb', 'CAL DB', 'NUMBER', true, NULL, NULL, NULL, 'Distobuccal clinical attachment level, mm: probing depth − gingival margin'),
    ('perioRecord', 'cal_ml', 'calMl', 'CAL ML', 'NUMBER', true, NULL, NULL, NULL, 'Mesiolingual clinical attachment level, mm: probing depth − gingival margin'),
    ('perioRecord', 'cal_l', 'calL', 'CAL L', 'NUMBER', true, NULL, NULL, NULL, 'Lingual clinical attachment level, mm: probing depth − gingival margin'),
    ('perioRecord', 'cal_dl', 'calDl', 'CAL DL', 'NUMBER', true, NULL, NULL, NULL, 'Distolingual clinical attachment level, mm: probing depth − gingival margin'),
    ('perioRecord', 'bleeding_mb', 'bleedingMb', 'Bleeding MB', 'BOOLEAN', true, NULL, NULL, NULL, 'Mesiobuccal bleeding on probing'),
    ('perioRecord', 'bleeding_b', 'bleedingB', 'Bleeding B', 'BOOLEAN', true, NULL, NULL, NULL, 'Buccal bleeding on probing'),
    ('perioRecord', 'bleeding_db', 'bleedingDb', 'Bleeding DB', 'BOOLEAN', true, NULL, NULL, NULL, 'Distobuccal bleeding on probing'),
    ('perioRecord', 'bleeding_ml', 'bleedingMl', 'Bleeding ML', 'BOOLEAN', true, NULL, NULL, NULL, 'Mesiolingual bleeding on probing'),
    ('perioRecord', 'bleeding_l', 'bleedingL', 'Bleeding L', 'BOOLEAN', true, NULL, NULL, NULL, 'Lingual bleeding on probing'),
    ('perioRecord', 'bleeding_dl', 'bleedingDl', 'Bleeding DL', 'BOOLEAN', true, NULL, NULL, NULL, 'Distolingual bleeding on probing'),
    ('perioRecord', 'suppuration_mb', 'suppurationMb', 'Suppuration MB', 'BOOLEAN', true, NULL, NULL, NULL, 'Mesiobuccal suppuration'),
    ('perioRecord', 'suppuration_b', 'suppurationB', 'Suppuration B', 'BOOLEAN', true, NULL, NULL, NULL, 'Buccal suppuration'),
    ('perioRecord', 'suppuration_db', 'suppurationDb', 'Suppuration DB', 'BOOLEAN', true, NULL, NULL, NULL, 'Distobuccal suppuration'),
    ('perioRecord', 'suppuration_ml', 'suppurationMl', 'Suppuration ML', 'BOOLEAN', true, NULL, NULL, NULL, 'Mesiolingual suppuration'),
    ('perioRecord', 'suppuration_l', 'suppurationL', 'Suppuration L', 'BOOLEAN', true, NULL, NULL, NULL, 'Lingual suppuration'),
    ('perioRecord', 'suppuration_dl', 'suppurationDl', 'Suppuration DL', 'BOOLEAN', true, NULL, NULL, NULL, 'Distolingual suppuration'),
    ('perioRecord', 'furcation_mb', 'furcationMb', 'Furcation MB', 'NUMBER', true, NULL, NULL, NULL, 'Mesiobuccal furcation, Glickman grade 1-3'),
    ('perioRecord', 'furcation_b', 'furcationB', 'Furcation B', 'NUMBER', true, NULL, NULL, NULL, 'Buccal furcation, Glickman grade 1-3'),
    ('perioRecord', 'furcation_db', 'furcationDb', 'Furcation DB', 'NUMBER', true, NULL, NULL, NULL, 'Distobuccal furcation, Glickman grade 1-3'),
    ('perioRecord', 'furcation_ml', 'furcationMl', 'Furcation ML', 'NUMBER', true, NULL, NULL, NULL, 'Mesiolingual furcation, Glickman grade 1-3'),
    ('perioRecord', 'furcation_l', 'furcationL', 'Furcation L', 'NUMBER', true, NULL, NULL, NULL, 'Lingual furcation, Glickman grade 1-3'),
    ('perioRecord', 'furcation_dl', 'furcationDl', 'Furcation DL', 'NUMBER', true, NULL, NULL, NULL, 'Distolingual furcation, Glickman grade 1-3'),
{{- else }}
    ('perioRecord', 'teeth', 'teeth', 'Teeth Charted', 'NUMBER', true, NULL, NULL, NULL, NULL),
    ('perioRecord', 'chart', 'chart', 'Chart', 'TEXT', true, NULL, NULL, NULL, 'JSON: tooth → mobility, furcation, sites → MB/B/DB/ML/L/DL → probing_depth, gingival_margin, cal, bleeding, suppuration, furcation (mm; margin positive coronal to the CEJ; cal = probing depth − margin)'),
{{- end }}
    ('perioRecord', 'axium_exam_id', 'axiumExamId', 'axiUm Exam ID', 'TEXT', true, NULL, NULL, NULL, NULL),

    ('attachment', 'id', 'id', 'Id', 'UUID', false, NULL, NULL, NULL, NULL),
    ('attachment', 'name', 'name', 'Name', 'TEXT', false, NULL, NULL, NULL, NULL),
    ('attachment', 'file_category', 'fileCategory', 'File Category', 'SELECT', false, NULL, NULL, NULL, NULL),
    ('attachment', 'created_at', 'createdAt', 'Creation date', 'DATE_TIME', false, NULL, NULL, NULL, 'Scan date'),
    ('attachment', 'target_person_id', 'targetPerson', 'Person', 'RELATION', false, 'person', 'MANY_TO_ONE', 'Attachments', NULL),
    ('attachment', 'target_note_id', 'targetNote', 'Note', 'RELATION', false, 'note', 'MANY_TO_ONE', 'Attachments', NULL)
), fixed(object_name_singular, field_name, value, label, rank) AS (
    -- Known enumerations, in the order a user would want them.
    VALUES
    ('company', 'companyType', 'INSURANCE_CARRIER', 'Insurance Carrier', 1),
    ('company', 'companyType', 'REFERRING_PRACTICE', 'Referring Practice', 2),
    ('company', 'companyType', 'CLINIC', 'Clinic', 3),
    ('company', 'companyType', 'SELF_PAY', 'Self-Pay', 4),
    ('person', 'personType', 'PATIENT', 'Patient', 1),
    ('person', 'personType', 'PROVIDER', 'Provider', 2),
    ('person', 'gender', 'FEMALE', 'Female', 1),
    ('person', 'gender', 'MALE', 'Male', 2),
    ('person', 'gender', 'UNKNOWN', 'Unknown', 3),
    ('person', 'patientStatus', 'ACTIVE', 'Active', 1),
    ('person', 'patientStatus', 'INACTIVE', 'Inactive', 2),
    ('person', 'patientStatus', 'DECEASED', 'Deceased', 3),
    ('person', 'patientStatus', 'ARCHIVED', 'Archived', 4),
    ('person', 'providerRole', 'STUDENT', 'Student', 1),
    ('person', 'providerRole', 'FACULTY', 'Faculty', 2),
    ('person', 'providerRole', 'STAFF', 'Staff', 3),
    ('person', 'providerRole', 'ADMINISTRATOR', 'Administrator', 4),
    ('task', 'taskType', 'APPOINTMENT', 'Appointment', 1),
    ('task', 'taskType', 'RECALL', 'Recall', 2),
    ('task', 'status', 'TODO', 'To do', 1),
    ('task', 'status', 'IN_PROGRESS', 'In progress', 2),
    ('task', 'status', 'DONE', 'Done', 3),
    ('task', 'procedureType', 'NEW_PATIENT_EXAM', 'New Patient Exam', 1),
    ('task', 'procedureType', 'SCREENING', 'Screening', 2),
    ('task', 'procedureType', 'RECALL_HYGIENE', 'Recall/Hygiene', 3),
    ('task', 'procedureType', 'RESTORATIVE', 'Restorative', 4),
    ('task', 'procedureType', 'PERIO', 'Perio', 5),
    ('task', 'procedureType', 'ENDO', 'Endo', 6),
    ('task', 'procedureType', 'PROSTH', 'Prosth', 7),
    ('task', 'procedureType', 'ORAL_SURGERY', 'Oral Surgery', 8),
    ('task', 'procedureType', 'EMERGENCY', 'Emergency', 9),
    ('task', 'procedureType', 'CONSULT', 'Consult', 10),
    ('task', 'appointmentStatus', 'SCHEDULED', 'Scheduled', 1),
    ('task', 'appointmentStatus', 'CONFIRMED', 'Confirmed', 2),
    ('task', 'appointmentStatus', 'CHECKED_IN', 'Checked In', 3),
    ('task', 'appointmentStatus', 'COMPLETED', 'Completed', 4),
    ('task', 'appointmentStatus', 'BROKEN', 'Broken', 5),
    ('task', 'appointmentStatus', 'CANCELLED', 'Cancelled', 6),
    ('task', 'appointmentStatus', 'NO_SHOW', 'No Show', 7),
    ('task', 'recallStatus', 'OPEN', 'Open', 1),
    ('task', 'recallStatus', 'MISSED', 'Missed', 2),
    ('task', 'recallStatus', 'COMPLETED', 'Completed', 3),
    ('task', 'recallType', 'HYG', 'Hygiene', 1),
    ('task', 'recallType', 'PER', 'Periodontal', 2),
    ('task', 'recallType', 'EXM', 'Exam', 3),
    ('note', 'noteType', 'SOAP', 'SOAP Note', 1),
    ('note', 'noteType', 'PROGRESS', 'Progress Note', 2),
    ('note', 'noteType', 'PROCEDURE', 'Procedure Note', 3),
    ('note', 'noteType', 'TELEPHONE', 'Telephone Note', 4),
    ('note', 'noteType', 'CLINICAL', 'Clinical Note', 5),
    ('note', 'noteType', 'PERIO_SUMMARY', 'Perio Summary', 6),
    ('note', 'noteType', 'TREATMENT_HISTORY', 'Treatment History', 7),
    ('note', 'noteType', 'TRANSACTION_HISTORY', 'Transaction History', 8),
    ('note', 'noteType', 'CLAIM_HISTORY', 'Claim History', 9),
    ('note', 'noteType', 'ATTACHMENT', 'Attachment', 10),
    ('perioRecord', 'examType', 'COMPREHENSIVE', 'Comprehensive', 1),
    ('perioRecord', 'examType', 'INITIAL', 'Initial', 2),
    ('perioRecord', 'examType', 'RE_EVALUATION', 'Re-evaluation', 3),
    ('perioRecord', 'examType', 'MAINTENANCE', 'Maintenance', 4),
    ('perioRecord', 'site', 'DB', 'Distobuccal', 1),
    ('perioRecord', 'site', 'B', 'Buccal', 2),
    ('perioRecord', 'site', 'MB', 'Mesiobuccal', 3),
    ('perioRecord', 'site', 'DL', 'Distolingual', 4),
    ('perioRecord', 'site', 'L', 'Lingual', 5),
    ('perioRecord', 'site', 'ML', 'Mesiolingual', 6)
), present AS (
    -- Values in the data, labelled with the text axiUm wrote.
    SELECT 'person' AS object_name_singular, 'alertFlag' AS field_name, util.option_value(coalesce(alert_code, alert_text)) AS value,
        min(coalesce(alert_text, alert_code)) AS label
    FROM {{ ref "stg_medical_alert" }} WHERE NOT is_inactive AND coalesce(alert_code, alert_text) IS NOT NULL GROUP BY ALL
    UNION ALL SELECT 'person', 'patientStatus', util.option_value(status), min(status) FROM {{ ref "stg_patient" }} WHERE status IS NOT NULL GROUP BY ALL
    UNION ALL SELECT 'person', 'providerRole', util.option_value(role), min(role) FROM {{ ref "stg_provider" }} WHERE role IS NOT NULL GROUP BY ALL
    UNION ALL SELECT 'task', 'procedureType', util.option_value(procedure_type), min(procedure_type) FROM {{ ref "stg_appointment" }} WHERE procedure_type IS NOT NULL GROUP BY ALL
    UNION ALL SELECT 'task', 'appointmentStatus', util.option_value(status), min(status) FROM {{ ref "stg_appointment" }} WHERE status IS NOT NULL GROUP BY ALL
    UNION ALL SELECT 'task', 'recallType', util.option_value(recall_type), min(recall_type) FROM {{ ref "stg_recall" }} WHERE recall_type IS NOT NULL GROUP BY ALL
    UNION ALL SELECT 'note', 'noteType', util.option_value(note_type), min(note_type) || ' Note' FROM {{ ref "stg_clinical_note" }} WHERE note_type IS NOT NULL GROUP BY ALL
    UNION ALL SELECT 'perioRecord', 'examType', util.option_value(exam_type), min(exam_type) FROM {{ ref "stg_perio_exam" }} WHERE exam_type IS NOT NULL GROUP BY ALL
), options AS (
    SELECT object_name_singular, field_name, value, min(label) AS label, min(rank) AS rank
    FROM (SELECT object_name_singular, field_name, value, label, rank FROM fixed
          UNION ALL
          SELECT p.object_name_singular, p.field_name, p.value, p.label, NULL
          FROM present p
          ANTI JOIN fixed f USING (object_name_singular, field_name, value))
    GROUP BY ALL
), positioned AS (
    SELECT *, row_number() OVER (PARTITION BY object_name_singular, field_name ORDER BY rank NULLS LAST, value) - 1 AS position
    FROM options
), option_lists AS (
    SELECT object_name_singular, field_name,
        to_json(list({'value': value, 'label': label, 'position': position,
            'color': ['green', 'turquoise', 'sky', 'blue', 'purple', 'pink', 'red', 'orange', 'yellow', 'gray'][position % 10 + 1]}
            ORDER BY position)) AS options
    FROM positioned
    GROUP BY ALL
)
SELECT
    f.object_name_singular, f.table_column, f.field_name, f.label, f.type, f.is_custom,
    CASE WHEN f.type IN ('SELECT', 'MULTI_SELECT') THEN o.options END AS options,
    f.relation_target_object, f.relation_type, f.target_field_label, f.description
FROM fields f
LEFT JOIN option_lists o USING (object_name_singular, field_name)
UNION ALL
SELECT
    'person', 'extra_fields', field_name, label, field_type, true, NULL, NULL, NULL, NULL,
    'Custom form ' || form_code || ', page ' || coalesce(CAST(page AS VARCHAR), '?') || ' row ' || coalesce(CAST(page_row AS VARCHAR), '?')
        || ' (FITEM ' || form_item_id || ', ' || answers || ' answers; the latest wins)'
FROM {{ ref "twenty_form_field" }}
UNION ALL
-- Carried columns: a patient (appointment) export column the catalog does
-- not know becomes a custom TEXT field of person (task), its own column of
-- twenty.person (twenty.task).
SELECT
    CASE object WHEN 'patient' THEN 'person' ELSE 'task' END, twenty_field, twenty_field, label, 'TEXT', true,
    NULL, NULL, NULL, NULL,
    'Carried from column ' || raw_column || ' of the axiUm ' || object || ' export (not a catalog column)'
FROM {{ ref "source_column" }}
WHERE object IN ('patient', 'appointment') AND decision = 'carry'
