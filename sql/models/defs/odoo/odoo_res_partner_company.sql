-- Companies: insurance carriers, referring practices and the school's
-- clinics, as res.partner companies. Loaded first: patients point at them
-- (x_insurance_carrier_id, x_referral_source_id, x_clinic_id).
-- A repeated key keeps its first copy (staging.dq_duplicates lists the
-- others). The state is left as its code in _state_code: Odoo's state
-- records have no external id derivable from the code, so the exporter
-- resolves it by (country, code).
WITH carrier AS (
    SELECT * FROM {{ ref "stg_carrier" }} c
    ANTI JOIN {{ ref "dq_duplicates" }} d
        ON d.model = 'stg_carrier' AND d.record_key = c.carrier_id AND d."_source_file" = c."_source_file" AND d."_source_record" = c."_source_record"
), referrer AS (
    SELECT * FROM {{ ref "stg_referral_source" }} r
    ANTI JOIN {{ ref "dq_duplicates" }} d
        ON d.model = 'stg_referral_source' AND d.record_key = r.referral_id AND d."_source_file" = r."_source_file" AND d."_source_record" = r."_source_record"
), clinic AS (
    SELECT * FROM {{ ref "stg_clinic" }} c
    ANTI JOIN {{ ref "dq_duplicates" }} d
        ON d.model = 'stg_clinic' AND d.record_key = c.clinic_id AND d."_source_file" = c."_source_file" AND d."_source_record" = c."_source_record"
)
SELECT
    util.odoo_xid('carrier', carrier_id) AS id,
    coalesce(name, 'Carrier ' || carrier_id) AS name,
    true AS is_company,
    'contact' AS type,
    'carrier' AS x_partner_type,
    carrier_id AS x_source_system_id,
    address1 AS street,
    CAST(NULL AS VARCHAR) AS street2,
    city,
    zip,
    'base.us' AS "country_id/id",
    phone,
    CAST(NULL AS VARCHAR) AS email,
    website,
    CASE WHEN electronic_id IS NOT NULL THEN 'Payer ID (EDI): ' || electronic_id END AS comment,
    state AS "_state_code",
    'carrier' AS "_source_object",
    carrier_id AS "_source_key",
    "_batch_id", "_source_file", "_source_record"
FROM carrier
UNION ALL
SELECT
    util.odoo_xid('referrer', referral_id),
    coalesce(practice_name, concat_ws(' ', contact_first_name, contact_last_name), 'Referral source ' || referral_id),
    true,
    'contact',
    'referrer',
    referral_id,
    address1,
    NULL,
    city,
    zip,
    'base.us',
    phone,
    email,
    NULL,
    nullif(concat_ws('; ',
        CASE WHEN contact_first_name IS NOT NULL OR contact_last_name IS NOT NULL
            THEN 'Contact: ' || concat_ws(' ', contact_first_name, contact_last_name) END,
        CASE WHEN specialty IS NOT NULL THEN 'Specialty: ' || specialty END), ''),
    state,
    'referral_source',
    referral_id,
    "_batch_id", "_source_file", "_source_record"
FROM referrer
UNION ALL
SELECT
    util.odoo_xid('clinic', clinic_id),
    coalesce(name, 'Clinic ' || clinic_id),
    true,
    'contact',
    'clinic',
    clinic_id,
    address1,
    NULL,
    city,
    zip,
    'base.us',
    phone,
    NULL,
    NULL,
    NULL,
    state,
    'clinic',
    clinic_id,
    "_batch_id", "_source_file", "_source_record"
FROM clinic
