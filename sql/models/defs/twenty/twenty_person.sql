-- People: patients and providers (personType), one row per axiUm key (a
-- repeated key keeps its first copy in export order).
--
-- What merges into a patient:
--   medical alerts    alertFlag (MULTI_SELECT of the active alert codes)
--                     and medicalAlerts (every alert as text, inactive ones
--                     marked)
--   guarantor         guarantor (text: name, relationship, contact)
--   policies, plans   companyId = the carrier of the in-force policy with
--                     the lowest ordinal (Self-Pay when none is in force),
--                     insurance (text: every policy)
--   transactions      outstandingBalance (charges − payments −
--                     adjustments, DECIMAL sums, amountMicros exact) and
--                     lastPaymentDate
--   form answers      extra_fields: the latest non-blank answer per
--                     question (by entered_at), under the field name of
--                     twenty.form_field
--   unknown columns   one custom TEXT column each (carried, see the end)
--
-- Primary e-mail is unique in Twenty: an address shared by several people
-- stays on one (providers first, since they sign in with it, then the
-- earliest created, then the axiUm key); the others go without it and keep
-- it in the metadata column _withheld_email, which twenty.data_quality
-- reports.
WITH patient AS (
    SELECT t.* FROM {{ ref "stg_patient" }} t
    ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_patient'
        AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"
), provider AS (
    SELECT t.* FROM {{ ref "stg_provider" }} t
    ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_provider'
        AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"
), company AS (
    SELECT id, "_source_object", "_source_key" FROM {{ ref "twenty_company" }}
), alerts AS (
    SELECT * FROM {{ ref "twenty_person_alerts" }}
), guarantor AS (
    SELECT t.* FROM {{ ref "stg_guarantor" }} t
    ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_guarantor'
        AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"
), policy AS (
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
), primary_carrier AS (
    -- axiUm leaves TermDate blank while a policy is in force.
    SELECT p.patient_id, k.id AS company_id
    FROM policy p
    JOIN company k ON k."_source_object" = 'carrier' AND k."_source_key" = p.carrier_id
    WHERE p.term_date IS NULL
    QUALIFY row_number() OVER (PARTITION BY p.patient_id ORDER BY p.ordinal NULLS LAST, p.effective_date DESC NULLS LAST, p.policy_id) = 1
), insurance AS (
    SELECT * FROM {{ ref "twenty_person_insurance" }}
), ledger AS (
    SELECT
        patient_id,
        coalesce(sum(amount) FILTER (WHERE transaction_type = 'Charge'), 0) AS charges,
        -- Credits are exported negative: a payment of 40.00 is -40.00.
        coalesce(-sum(amount) FILTER (WHERE transaction_type IN ('Payment', 'Insurance Payment')), 0) AS payments,
        coalesce(-sum(amount) FILTER (WHERE transaction_type = 'Adjustment'), 0) AS adjustments,
        max(transaction_date) FILTER (WHERE transaction_type IN ('Payment', 'Insurance Payment')) AS last_payment_date
    FROM (SELECT t.* FROM {{ ref "stg_transaction" }} t
          ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_transaction'
              AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record")
    GROUP BY patient_id
), extra AS (
    SELECT * FROM {{ ref "twenty_person_extra" }}
), people AS (
    SELECT
        util.det_uuid('patient', p.patient_id) AS id,
        'PATIENT' AS person_type,
        p.first_name, p.middle_name, p.last_name, p.preferred_name,
        p.email,
        p.cell_phone, p.home_phone, p.work_phone,
        CAST(NULL AS VARCHAR) AS job_title,
        p.address1, p.address2, p.city, p.state, p.zip,
        coalesce(pc.company_id, util.det_uuid('company', 'self-pay')) AS company_id,
        p.birth_date,
        CASE p.gender WHEN 'F' THEN 'FEMALE' WHEN 'M' THEN 'MALE' WHEN 'U' THEN 'UNKNOWN' END AS gender,
        p.chart_number,
        p.language,
        util.option_value(p.status) AS patient_status,
        p.is_deleted AS axium_deleted,
        'patient:' || p.patient_id AS axium_id,
        p.created_at,
        al.alert_flag,
        al.medical_alerts,
        ins.insurance,
        CASE WHEN g.guarantor_id IS NOT NULL THEN concat_ws(', ',
            concat_ws(' ', g.first_name, g.last_name) || coalesce(' (' || p.guarantor_relationship || ')', ''),
            g.phone, g.email, CASE WHEN g.employer IS NOT NULL THEN 'employer ' || g.employer END,
            '[guarantor ' || g.guarantor_id || ']')
             WHEN p.guarantor_id IS NULL AND p.guarantor_relationship = 'Self' THEN 'Self'
        END AS guarantor,
        ap.id AS assigned_provider_id,
        rf.id AS referred_by_id,
        hc.id AS home_clinic_id,
        -- No ledger line: nothing is owed.
        coalesce(l.charges - l.payments - l.adjustments, 0) AS balance,
        l.last_payment_date,
        CAST(NULL AS VARCHAR) AS provider_role,
        CAST(NULL AS VARCHAR) AS npi,
        x.extra_fields,
        al.alert_rows,
        ins.policy_rows,
        'patient' AS "_source_object", p.patient_id AS "_source_key",
        p."_batch_id", p."_source_file", p."_source_record"
    FROM patient p
    LEFT JOIN primary_carrier pc USING (patient_id)
    LEFT JOIN alerts al USING (patient_id)
    LEFT JOIN insurance ins USING (patient_id)
    LEFT JOIN guarantor g USING (guarantor_id)
    LEFT JOIN ledger l USING (patient_id)
    LEFT JOIN extra x USING (patient_id)
    LEFT JOIN (SELECT provider_id, util.det_uuid('provider', provider_id) AS id FROM provider) ap ON ap.provider_id = p.assigned_provider_id
    LEFT JOIN company rf ON rf."_source_object" = 'referral_source' AND rf."_source_key" = p.referral_id
    LEFT JOIN company hc ON hc."_source_object" = 'clinic' AND hc."_source_key" = p.clinic_id
    UNION ALL
    SELECT
        util.det_uuid('provider', v.provider_id),
        'PROVIDER',
        v.first_name, NULL, v.last_name, NULL,
        v.email,
        NULL, NULL, NULL,
        concat_ws(' — ', v.role, v.discipline),
        NULL, NULL, NULL, NULL, NULL,
        hc.id,
        NULL, NULL, NULL, NULL, NULL, NULL,
        'provider:' || v.provider_id,
        NULL,
        NULL, NULL, NULL, NULL, NULL, NULL,
        hc.id,
        NULL, NULL,
        util.option_value(v.role),
        v.npi,
        NULL,
        NULL, NULL,
        'provider', v.provider_id,
        v."_batch_id", v."_source_file", v."_source_record"
    FROM provider v
    LEFT JOIN company hc ON hc."_source_object" = 'clinic' AND hc."_source_key" = v.clinic_id
), email_rank AS (
    -- Ranked on narrow rows: a window over the wide person rows held them
    -- all in memory.
    SELECT axium_id,
        row_number() OVER (PARTITION BY email ORDER BY person_type = 'PROVIDER' DESC, created_at NULLS LAST, axium_id) AS email_rank,
        first(axium_id) OVER (PARTITION BY email ORDER BY person_type = 'PROVIDER' DESC, created_at NULLS LAST, axium_id) AS email_holder
    FROM people
    WHERE email IS NOT NULL
), ranked AS (
    SELECT p.*,
        coalesce(cell_phone, home_phone, work_phone) AS primary_phone,
        list_filter(list_distinct([cell_phone, home_phone, work_phone]), lambda x: x <> coalesce(cell_phone, home_phone, work_phone)) AS other_phones,
        e.email_rank,
        e.email_holder
    FROM people p
    LEFT JOIN email_rank e USING (axium_id)
), person AS (
SELECT
    id,
    person_type,
    first_name AS name__first_name,
    last_name AS name__last_name,
    middle_name,
    preferred_name,
    CASE WHEN email_rank = 1 THEN email END AS emails__primary_email,
    util.phone_parts(primary_phone).number AS phones__primary_phone_number,
    util.phone_parts(primary_phone).calling_code AS phones__primary_phone_calling_code,
    util.phone_parts(primary_phone).country_code AS phones__primary_phone_country_code,
    CASE WHEN len(other_phones) > 0 THEN to_json(list_transform(other_phones, lambda x: {
        'number': util.phone_parts(x).number,
        'callingCode': util.phone_parts(x).calling_code,
        'countryCode': util.phone_parts(x).country_code})) END AS phones__additional_phones,
    job_title,
    city,
    address1 AS address__address_street1,
    address2 AS address__address_street2,
    city AS address__address_city,
    state AS address__address_state,
    zip AS address__address_postcode,
    CASE WHEN state IS NOT NULL THEN 'United States' END AS address__address_country,
    company_id,
    birth_date,
    gender,
    chart_number,
    language,
    patient_status,
    axium_deleted,
    axium_id,
    created_at AS axium_created_at,
    created_at,
    CASE WHEN len(alert_flag) > 0 THEN alert_flag END AS alert_flag,
    medical_alerts,
    insurance,
    guarantor,
    assigned_provider_id,
    referred_by_id,
    home_clinic_id,
    util.amount_micros(balance) AS outstanding_balance__amount_micros,
    CASE WHEN balance IS NOT NULL THEN 'USD' END AS outstanding_balance__currency_code,
    last_payment_date,
    provider_role,
    npi,
    extra_fields,
    "_source_object", "_source_key", "_batch_id", "_source_file", "_source_record",
    CASE WHEN email_rank > 1 THEN email END AS "_withheld_email",
    CASE WHEN email_rank > 1 THEN email_holder END AS "_email_kept_on",
    -- How many alerts and policies merged into the record (reconciliation).
    alert_rows AS "_merged_alerts",
    policy_rows AS "_merged_policies"
FROM ranked
)
-- Every column above, then each column of the patient export that the
-- catalog does not know and meta.carried_column carries: a custom TEXT
-- field named as its twenty_field, holding the raw text exactly (a blank
-- is no value; provider rows hold none). See staging.source_column.
{{ carried "patient" "twenty" "person" }}
