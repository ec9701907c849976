-- Helper of twenty.person (not a destination object): every policy of the patient as text
-- (insurance),
-- one row per patient. A table of its own so its per-patient aggregate states are
-- built alone, on one thread (see the .yml): at 1,000,000 patients they
-- did not fit a 2 GB memory limit inside twenty_person.
WITH policy AS (
    SELECT p.*, b.carrier_id, b.plan_type, b.group_name, b.group_number, c.name AS carrier_name
    FROM (SELECT t.* FROM {{ ref "stg_policy" }} t
          ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_policy'
              AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record") p
    LEFT JOIN (SELECT t.* FROM {{ ref "stg_benefit_plan" }} t
          ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_benefit_plan'
              AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record") b USING (plan_id)
    LEFT JOIN (SELECT t.* FROM {{ ref "stg_carrier" }} t
          ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_carrier'
              AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record") c USING (carrier_id)
)
    SELECT patient_id,
        util.join_sorted(list({
            'v0': term_date IS NOT NULL, 'k1': ordinal IS NULL, 'v1': ordinal,
            'k2': effective_date IS NULL, 'v2': effective_date, 'k3': policy_id IS NULL, 'v3': policy_id,
            'line': concat_ws(' ',
            CASE ordinal WHEN 1 THEN 'Primary:' WHEN 2 THEN 'Secondary:' ELSE 'Policy:' END,
            coalesce(carrier_name, 'unknown carrier'),
            CASE WHEN plan_type IS NOT NULL OR group_name IS NOT NULL THEN '— ' || concat_ws(' ', plan_type, group_name) END,
            CASE WHEN group_number IS NOT NULL THEN '(group ' || group_number || ')' END,
            CASE WHEN subscriber_id IS NOT NULL THEN 'subscriber ' || subscriber_id END,
            CASE WHEN subscriber_name IS NOT NULL THEN concat(subscriber_name, ' (', subscriber_relationship, ')') END,
            CASE WHEN effective_date IS NOT NULL THEN 'from ' || CAST(effective_date AS VARCHAR) END,
            CASE WHEN term_date IS NOT NULL THEN 'to ' || CAST(term_date AS VARCHAR) END,
            '[policy ' || policy_id || ']')}), '; ') AS insurance,
        count(*) AS policy_rows
    FROM policy
    GROUP BY patient_id
