-- The destination tables in load order: companies before the people that
-- link to them, people before workspace members (invited by e-mail, linked
-- back to their person), tasks and notes before their targets, the perio
-- records (a custom object created with its fields first) and the
-- attachments last, since they point at people and notes.
SELECT * FROM (VALUES
    ('company', 'company', 'companies', 'Company', 'Companies', 'IconBuildingSkyscraper', false, 1,
        'Insurance carriers, referring practices, clinics and Self-Pay'),
    ('person', 'person', 'people', 'Person', 'People', 'IconUser', false, 2,
        'Patients and providers'),
    ('workspace_member', 'workspaceMember', 'workspaceMembers', 'Workspace Member', 'Workspace Members', 'IconUserCircle', false, 3,
        'Active axiUm users, invited by e-mail'),
    ('task', 'task', 'tasks', 'Task', 'Tasks', 'IconCheckbox', false, 4,
        'Appointments and recalls'),
    ('task_target', 'taskTarget', 'taskTargets', 'Task Target', 'Task Targets', 'IconCheckbox', false, 5,
        'Task → patient links (API only)'),
    ('note', 'note', 'notes', 'Note', 'Notes', 'IconNotes', false, 6,
        'Clinical notes, perio summaries, histories, attachment notes'),
    ('note_target', 'noteTarget', 'noteTargets', 'Note Target', 'Note Targets', 'IconNotes', false, 7,
        'Note → patient links (API only)'),
    ('perio_record', 'perioRecord', 'perioRecords', 'Perio Record', 'Perio Records', 'IconDental', true, 8,
        {{ if eq (var "perio_grain") "site" }}'Perio chart measurements, one per exam, tooth and site'
        {{- else if eq (var "perio_grain") "tooth" }}'Perio chart measurements, one per exam and tooth (the six sites as fields)'
        {{- else }}'Perio charts, one per exam (the chart as JSON)'{{ end }}),
    ('attachment', 'attachment', 'attachments', 'Attachment', 'Attachments', 'IconFile', false, 9,
        'axiUm documents, uploaded and linked to the patient and the attachment note')
) AS t(table_name, object_name_singular, object_name_plural, label_singular, label_plural, icon, is_custom, load_order, description)
