-- Recalls as recurring all-day calendar.event series (seed row Recall
-- Records): one series per patient and recall type. Its first date is the
-- patient's last completed appointment + the recall interval (the seed's
-- rule), or axiUm's due date when the patient has no completed
-- appointment. It repeats monthly every interval months (rrule_type
-- monthly, interval, month_by date on the start's day) for two years
-- (count = 24 / interval, at least 1), so the series stays bounded (Odoo
-- expands a recurrence into events).
--
-- axiUm keeps a recall row per cycle; the newest (latest due date) drives
-- the series and the older rows of the same patient and type are merged
-- into its description as history.
--
-- Built in passes of patients (the .yml): the history lists are aggregate
-- states DuckDB cannot spill.
WITH r AS (
    SELECT r.* FROM {{ ref "stg_recall" }} r
    ANTI JOIN {{ ref "dq_duplicates" }} d
        ON d.model = 'stg_recall' AND d.record_key = r.recall_id AND d."_source_file" = r."_source_file" AND d."_source_record" = r."_source_record"
    SEMI JOIN {{ ref "odoo_res_partner_patient" }} p ON p.x_source_system_id = r.patient_id
    WHERE {{ batch "r.patient_id" }}
), series AS (
    SELECT
        patient_id,
        coalesce(recall_type, recall_code, 'recall') AS series_type,
        arg_max(recall_id, (due_date, length(recall_id), recall_id)) AS recall_id,
        -- A sorted list, not an ORDER BY aggregate (a sort state per series).
        '<ul>' || util.join_sorted(list({'k1': due_date IS NULL, 'v1': due_date, 'k2': recall_id IS NULL, 'v2': recall_id,
            'line': '<li>' || util.html_text(concat_ws(' ', 'due', CAST(due_date AS VARCHAR), '-', status,
            CASE WHEN appointment_date IS NOT NULL THEN '(appointment ' || appointment_date || ')' END,
            '(axiUm recall ' || recall_id || ')')) || '</li>'}), '') || '</ul>' AS history,
        count(*) AS cycles
    FROM r
    GROUP BY ALL
), last_visit AS (
    SELECT patient_id, max(CAST(appointment_at AS DATE)) AS last_completed
    FROM {{ ref "stg_appointment" }}
    WHERE status = 'Completed' AND appointment_at IS NOT NULL AND {{ batch "patient_id" }}
    GROUP BY patient_id
), cur AS (
    SELECT
        s.series_type, s.history, s.cycles, r.*,
        lv.last_completed,
        CASE WHEN r.interval_months BETWEEN 1 AND 120 THEN r.interval_months END AS months
    FROM series s
    JOIN r ON r.recall_id = s.recall_id
    LEFT JOIN last_visit lv ON lv.patient_id = s.patient_id
), dated AS (
    SELECT *,
        coalesce(CAST(last_completed + to_months(months) AS DATE), due_date) AS next_date,
        CASE WHEN last_completed IS NOT NULL AND months IS NOT NULL THEN 'last completed appointment ' || last_completed || ' + ' || months || ' months'
             ELSE 'axiUm due date' END AS basis
    FROM cur
)
SELECT
    util.odoo_xid('recall', d.patient_id || '|' || d.series_type) AS id,
    'Recall ' || coalesce(d.recall_code, d.series_type) || ' - ' || p.name AS name,
    d.next_date AS start,
    d.next_date AS stop,
    d.next_date AS start_date,
    d.next_date AS stop_date,
    true AS allday,
    d.months IS NOT NULL AS recurrency,
    CASE WHEN d.months IS NOT NULL THEN 'monthly' END AS rrule_type,
    d.months AS interval,
    CASE WHEN d.months IS NOT NULL THEN 'count' END AS end_type,
    CASE WHEN d.months IS NOT NULL THEN greatest(1, 24 // d.months) END AS count,
    CASE WHEN d.months IS NOT NULL THEN 'date' END AS month_by,
    CASE WHEN d.months IS NOT NULL THEN day(d.next_date) END AS day,
    p.id || coalesce(',' || pp.id, '') AS "partner_ids/id",
    u.id AS "user_id/id",
    '<p>Next recall from ' || util.html_text(d.basis) || '; axiUm status ' || util.html_text(coalesce(d.status, 'unknown'))
        || CASE WHEN d.months IS NULL THEN '; no valid interval in axiUm, so a single event' ELSE '' END
        || '.</p><p><strong>Recall history</strong></p>' || d.history AS description,
    util.odoo_sel(d.series_type) AS x_recall_type,
    util.odoo_sel(d.status) AS x_recall_status,
    d.due_date AS x_recall_due_date,
    'recall' AS "_source_object",
    d.recall_id AS "_source_key",
    d."_batch_id", d."_source_file", d."_source_record"
FROM dated d
JOIN {{ ref "odoo_res_partner_patient" }} p ON p.x_source_system_id = d.patient_id
LEFT JOIN {{ ref "odoo_res_users" }} u ON u.x_source_system_id = d.provider_id
LEFT JOIN {{ ref "odoo_res_partner_provider" }} pp ON pp.x_source_system_id = d.provider_id
WHERE d.next_date IS NOT NULL
