-- Tasks: scheduler appointments and recalls (taskType), each for one
-- patient (twenty.task_target links them). A row whose patient is not in
-- twenty.person (an orphan reference, listed in staging.data_quality) has
-- no one to belong to and is left out; twenty.reconciliation counts it.
--
-- Appointments: due at the appointment time, assigned to the provider's
-- workspace member (NULL when the provider is no active user; the provider
-- person stays linked through providerId), status TODO / IN_PROGRESS /
-- DONE from the scheduler status (broken, cancelled and no-show
-- appointments are closed, DONE, and keep their status in
-- appointmentStatus). Recalls: due on the recall date, DONE once
-- completed; recallStatus OPEN / MISSED / COMPLETED keeps missed recalls
-- open and flagged for outreach.
WITH patient AS (
    SELECT id, "_source_key" AS patient_id FROM {{ ref "twenty_person" }} WHERE "_source_object" = 'patient'
), provider AS (
    SELECT id, "_source_key" AS provider_id, concat_ws(' ', name__first_name, name__last_name) AS provider_name
    FROM {{ ref "twenty_person" }} WHERE "_source_object" = 'provider'
), member AS (
    SELECT id, "_source_key" AS provider_id FROM {{ ref "twenty_workspace_member" }}
), clinic AS (
    SELECT t.* FROM {{ ref "stg_clinic" }} t
    ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_clinic'
        AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"
), chair AS (
    SELECT t.* FROM {{ ref "stg_operatory" }} t
    ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_operatory'
        AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"
), appointment AS (
    SELECT t.* FROM {{ ref "stg_appointment" }} t
    ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_appointment'
        AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"
), recall AS (
    SELECT t.* FROM {{ ref "stg_recall" }} t
    ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_recall'
        AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"
), task AS (
SELECT
    util.det_uuid('appointment', a.appointment_id) AS id,
    'APPOINTMENT' AS task_type,
    concat_ws(' — ', coalesce(a.procedure_type, 'Appointment'), k.name) AS title,
    concat_ws(E'\n',
        '**Appointment** ' || coalesce(strftime(a.appointment_at, '%Y-%m-%d %H:%M'), 'date unknown')
            || coalesce(' for ' || a.duration_minutes || ' min', ''),
        '- Status: ' || coalesce(a.status, 'unknown'),
        '- Procedure type: ' || coalesce(a.procedure_type, 'unknown'),
        '- Clinic: ' || coalesce(k.name || ' (' || a.clinic_id || ')', a.clinic_id, 'unknown'),
        '- Chair: ' || coalesce(c.name || ' (' || a.chair_id || ')', a.chair_id, 'unknown'),
        '- Provider: ' || coalesce(v.provider_name || ' (' || a.provider_id || ')', a.provider_id, 'unknown'),
        CASE WHEN a.notes IS NOT NULL THEN E'\n**Notes**\n\n' || a.notes END) AS body_v2__markdown,
    a.appointment_at AS due_at,
    CASE
        WHEN a.status IN ('Scheduled', 'Confirmed') THEN 'TODO'
        WHEN a.status = 'Checked In' THEN 'IN_PROGRESS'
        WHEN a.status IN ('Completed', 'Broken', 'Cancelled', 'No Show') THEN 'DONE'
        ELSE 'TODO'
    END AS status,
    m.id AS assignee_id,
    v.id AS provider_id,
    util.option_value(a.procedure_type) AS procedure_type,
    util.option_value(a.status) AS appointment_status,
    CAST(NULL AS VARCHAR) AS recall_status,
    CAST(NULL AS VARCHAR) AS recall_type,
    a.duration_minutes,
    'appointment:' || a.appointment_id AS axium_id,
    a.created_at AS axium_created_at,
    a.created_at,
    p.id AS "_person_id",
    'appointment' AS "_source_object", a.appointment_id AS "_source_key",
    a."_batch_id", a."_source_file", a."_source_record"
FROM appointment a
JOIN patient p USING (patient_id)
LEFT JOIN provider v USING (provider_id)
LEFT JOIN member m USING (provider_id)
LEFT JOIN clinic k USING (clinic_id)
LEFT JOIN chair c USING (chair_id)
UNION ALL
SELECT
    util.det_uuid('recall', r.recall_id),
    'RECALL',
    concat_ws(' ', 'Recall', coalesce(r.recall_code, r.recall_type),
        CASE r.recall_type WHEN 'HYG' THEN '(hygiene)' WHEN 'PER' THEN '(periodontal)' WHEN 'EXM' THEN '(exam)' END,
        CASE WHEN r.status = 'Missed' THEN '— missed' END),
    concat_ws(E'\n',
        '**Recall** due ' || coalesce(CAST(r.due_date AS VARCHAR), 'date unknown'),
        '- Status: ' || coalesce(r.status, 'unknown'),
        '- Code: ' || coalesce(r.recall_code, 'unknown') || coalesce(', every ' || r.interval_months || ' months', ''),
        '- Type: ' || coalesce(r.recall_type, 'unknown'),
        CASE WHEN r.appointment_date IS NOT NULL THEN '- Appointment: ' || CAST(r.appointment_date AS VARCHAR) END,
        '- Provider: ' || coalesce(v.provider_name || ' (' || r.provider_id || ')', r.provider_id, 'unknown')),
    CAST(r.due_date AS TIMESTAMP),
    CASE WHEN r.status = 'Completed' THEN 'DONE' ELSE 'TODO' END,
    m.id,
    v.id,
    NULL,
    NULL,
    CASE r.status WHEN 'Completed' THEN 'COMPLETED' WHEN 'Missed' THEN 'MISSED' ELSE 'OPEN' END,
    util.option_value(r.recall_type),
    NULL,
    'recall:' || r.recall_id,
    NULL,
    NULL,
    p.id,
    'recall', r.recall_id,
    r."_batch_id", r."_source_file", r."_source_record"
FROM recall r
JOIN patient p USING (patient_id)
LEFT JOIN provider v USING (provider_id)
LEFT JOIN member m USING (provider_id)
)
-- Every column above, then each column of the appointment export that the
-- catalog does not know and meta.carried_column carries: a custom TEXT
-- field named as its twenty_field, holding the raw text exactly (a blank
-- is no value; recall rows hold none). See staging.source_column.
{{ carried "appointment" "twenty" "task" }}
