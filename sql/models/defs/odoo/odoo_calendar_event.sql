-- Appointments as calendar.event (seed row Scheduler - Appointments).
-- calendar.event has no state field in Odoo 17 or 18 (its only statuses
-- are the attendees' answers), so axiUm's status is kept in the custom
-- selection x_appointment_status and repeated in the description. start
-- is the clinic's local wall-clock time (the exporter converts to UTC);
-- stop is start + the booked duration (60 minutes when axiUm has none, and
-- the description says so). Attendees: the patient and the provider's
-- partner. An appointment of an unknown patient, or without a start, is
-- not loaded (reconciliation counts them).
WITH a AS (
    SELECT a.* FROM {{ ref "stg_appointment" }} a
    ANTI JOIN {{ ref "dq_duplicates" }} d
        ON d.model = 'stg_appointment' AND d.record_key = a.appointment_id AND d."_source_file" = a."_source_file" AND d."_source_record" = a."_source_record"
    WHERE a.appointment_at IS NOT NULL
), event AS (
SELECT
    util.odoo_xid('appointment', a.appointment_id) AS id,
    coalesce(a.procedure_type, 'Appointment') || ' - ' || p.name AS name,
    a.appointment_at AS start,
    a.appointment_at + to_minutes(coalesce(a.duration_minutes, 60)) AS stop,
    round(coalesce(a.duration_minutes, 60) / 60.0, 4) AS duration,
    false AS allday,
    p.id || coalesce(',' || pp.id, '') AS "partner_ids/id",
    u.id AS "user_id/id",
    nullif(concat_ws(', ', cl.name, ch.name), '') AS location,
    '<p>axiUm status: ' || util.html_text(coalesce(a.status, 'unknown')) || '</p>'
        || CASE WHEN a.duration_minutes IS NULL THEN '<p>No duration in axiUm: booked as 60 minutes.</p>' ELSE '' END
        || util.html_section('Notes', a.notes) AS description,
    util.odoo_sel(a.status) AS x_appointment_status,
    util.odoo_sel(a.procedure_type) AS x_procedure_type,
    a.created_at AS x_axium_created_at,
    v.id AS "opportunity_id/id",
    'appointment' AS "_source_object",
    a.appointment_id AS "_source_key",
    a."_batch_id", a."_source_file", a."_source_record"
FROM a
JOIN {{ ref "odoo_res_partner_patient" }} p ON p.x_source_system_id = a.patient_id
LEFT JOIN {{ ref "odoo_res_users" }} u ON u.x_source_system_id = a.provider_id
LEFT JOIN {{ ref "odoo_res_partner_provider" }} pp ON pp.x_source_system_id = a.provider_id
LEFT JOIN (SELECT clinic_id, any_value(name) AS name FROM {{ ref "stg_clinic" }} GROUP BY clinic_id) cl ON cl.clinic_id = a.clinic_id
LEFT JOIN (SELECT chair_id, any_value(name) AS name FROM {{ ref "stg_operatory" }} GROUP BY chair_id) ch ON ch.chair_id = a.chair_id
LEFT JOIN {{ ref "odoo_crm_lead" }} v ON v.id = util.odoo_xid('visit', a.patient_id || '|A' || a.appointment_id)
)
-- Every column above, then each column of the appointment export that the
-- catalog does not know and meta.carried_column carries: an x_ text field
-- named as its odoo_field, holding the raw text exactly (a blank is no
-- value). See staging.source_column.
{{ carried "appointment" "odoo" "event" }}
