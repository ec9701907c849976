-- Helper of twenty.person (not a destination object): the medical alerts merged into alertFlag and
-- medicalAlerts,
-- one row per patient. A table of its own so its per-patient aggregate states are
-- built alone, on one thread (see the .yml): at 1,000,000 patients they
-- did not fit a 2 GB memory limit inside twenty_person.

    SELECT
        patient_id,
        list_sort(list_distinct(list(util.option_value(coalesce(alert_code, alert_text))) FILTER (WHERE NOT is_inactive))) AS alert_flag,
        util.join_sorted(list({
            'k1': is_inactive IS NULL, 'v1': is_inactive, 'k2': entered_date IS NULL, 'v2': entered_date,
            'k3': alert_id IS NULL, 'v3': alert_id,
            'line': concat_ws(' ', coalesce(alert_text, alert_code),
            '(' || concat_ws(', ', category, severity, 'since ' || CAST(entered_date AS VARCHAR)) || ')',
            CASE WHEN is_inactive THEN '[inactive]' END)}), '; ') AS medical_alerts,
        count(*) AS alert_rows
    FROM (SELECT t.* FROM {{ ref "stg_medical_alert" }} t
          ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_medical_alert'
              AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record")
    GROUP BY patient_id
