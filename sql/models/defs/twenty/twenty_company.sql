-- Companies: insurance carriers, referring practices and clinics, plus one
-- "Self-Pay" company for patients with no insurance in force. companyType
-- tells them apart. A repeated key keeps its first copy (as
-- staging.dq_duplicates lists the others).
--
-- Twenty's company domain is unique (upsert matches on it, and a soft-
-- deleted company keeps holding it), so a carrier's website becomes the
-- domain only when it is a valid http(s) URL whose host no other company
-- has; the first carrier by key keeps a shared host and the others are
-- listed in twenty.data_quality. The website text stays on every carrier
-- in the custom field website.
WITH carrier AS (
    SELECT t.* FROM {{ ref "stg_carrier" }} t
    ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_carrier'
        AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"
), plans AS (
    -- Benefit plans merge into their carrier: one line each.
    SELECT carrier_id,
        string_agg(concat_ws(' ', plan_id, plan_type, '—', coalesce(group_name, employer),
            CASE WHEN group_number IS NOT NULL THEN '(group ' || group_number || ')' END), '; ' ORDER BY plan_id) AS benefit_plans
    FROM (SELECT t.* FROM {{ ref "stg_benefit_plan" }} t
          ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_benefit_plan'
              AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record")
    GROUP BY carrier_id
), hosts AS (
    SELECT carrier_id, util.website_host(website) AS host,
        row_number() OVER (PARTITION BY util.website_host(website) ORDER BY carrier_id) AS host_rank
    FROM carrier
), chairs AS (
    -- Chairs (operatories) merge into their clinic.
    SELECT clinic_id, string_agg(coalesce(name, chair_id) || ' (' || chair_id || ')', '; ' ORDER BY chair_id) AS chairs
    FROM (SELECT t.* FROM {{ ref "stg_operatory" }} t
          ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_operatory'
              AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record")
    GROUP BY clinic_id
), referral AS (
    SELECT t.* FROM {{ ref "stg_referral_source" }} t
    ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_referral_source'
        AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"
), clinic AS (
    SELECT t.* FROM {{ ref "stg_clinic" }} t
    ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_clinic'
        AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"
), rows AS (
    SELECT
        util.det_uuid('carrier', c.carrier_id) AS id,
        coalesce(c.name, 'Carrier ' || c.carrier_id) AS name,
        'INSURANCE_CARRIER' AS company_type,
        CASE WHEN h.host IS NOT NULL AND h.host_rank = 1 THEN 'https://' || h.host END AS domain_name__primary_link_url,
        c.website,
        c.address1 AS address__address_street1, CAST(NULL AS VARCHAR) AS address__address_street2,
        c.city AS address__address_city, c.state AS address__address_state, c.zip AS address__address_postcode,
        c.phone AS e164, c.electronic_id AS payer_id,
        CAST(NULL AS VARCHAR) AS specialty, CAST(NULL AS VARCHAR) AS contact_name, CAST(NULL AS VARCHAR) AS contact_email,
        p.benefit_plans, CAST(NULL AS VARCHAR) AS chairs,
        'carrier:' || c.carrier_id AS axium_id,
        'carrier' AS "_source_object", c.carrier_id AS "_source_key",
        c."_batch_id", c."_source_file", c."_source_record"
    FROM carrier c
    LEFT JOIN hosts h USING (carrier_id)
    LEFT JOIN plans p USING (carrier_id)
    UNION ALL
    SELECT
        util.det_uuid('referral_source', r.referral_id),
        coalesce(r.practice_name, concat_ws(' ', r.contact_first_name, r.contact_last_name), 'Referral ' || r.referral_id),
        'REFERRING_PRACTICE',
        NULL, NULL,
        r.address1, NULL, r.city, r.state, r.zip,
        r.phone, NULL,
        r.specialty, nullif(concat_ws(' ', r.contact_first_name, r.contact_last_name), ''), r.email,
        NULL, NULL,
        'referral_source:' || r.referral_id,
        'referral_source', r.referral_id, r."_batch_id", r."_source_file", r."_source_record"
    FROM referral r
    UNION ALL
    SELECT
        util.det_uuid('clinic', k.clinic_id),
        coalesce(k.name, 'Clinic ' || k.clinic_id),
        'CLINIC',
        NULL, NULL,
        k.address1, NULL, k.city, k.state, k.zip,
        k.phone, NULL,
        NULL, NULL, NULL,
        NULL, ch.chairs,
        'clinic:' || k.clinic_id,
        'clinic', k.clinic_id, k."_batch_id", k."_source_file", k."_source_record"
    FROM clinic k
    LEFT JOIN chairs ch USING (clinic_id)
    UNION ALL
    -- Patients with no insurance in force link here; it has no axiUm row.
    SELECT
        util.det_uuid('company', 'self-pay'), 'Self-Pay', 'SELF_PAY',
        NULL, NULL,
        NULL, NULL, NULL, NULL, NULL,
        NULL, NULL,
        NULL, NULL, NULL,
        NULL, NULL,
        'company:self-pay',
        'company', 'self-pay', NULL, NULL, NULL
)
SELECT
    id,
    name,
    company_type,
    domain_name__primary_link_url,
    website,
    address__address_street1,
    address__address_street2,
    address__address_city,
    address__address_state,
    address__address_postcode,
    CASE WHEN address__address_state IS NOT NULL THEN 'United States' END AS address__address_country,
    util.phone_parts(e164).number AS main_phone__primary_phone_number,
    util.phone_parts(e164).calling_code AS main_phone__primary_phone_calling_code,
    util.phone_parts(e164).country_code AS main_phone__primary_phone_country_code,
    payer_id,
    specialty,
    contact_name,
    contact_email AS contact_email__primary_email,
    benefit_plans,
    chairs,
    axium_id,
    "_source_object", "_source_key", CAST("_batch_id" AS BIGINT) AS "_batch_id", CAST("_source_file" AS VARCHAR) AS "_source_file",
    CAST("_source_record" AS BIGINT) AS "_source_record"
FROM rows
