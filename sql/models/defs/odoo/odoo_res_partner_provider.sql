-- The partner of each axiUm user (student, faculty, staff). res.users
-- inherits res.partner; creating the partner first under an external id
-- lets chatter notes name their author ("author_id/id") and appointments
-- invite the provider, neither of which can point at a res.users id.
WITH p AS (
    SELECT * FROM {{ ref "stg_provider" }} p
    ANTI JOIN {{ ref "dq_duplicates" }} d
        ON d.model = 'stg_provider' AND d.record_key = p.provider_id AND d."_source_file" = p."_source_file" AND d."_source_record" = p."_source_record"
)
SELECT
    util.odoo_xid('provider_partner', provider_id) AS id,
    coalesce(nullif(concat_ws(' ', first_name, last_name), ''), 'Provider ' || provider_id) AS name,
    false AS is_company,
    'contact' AS type,
    'provider' AS x_partner_type,
    provider_id AS x_source_system_id,
    email,
    'provider' AS "_source_object",
    provider_id AS "_source_key",
    "_batch_id", "_source_file", "_source_record"
FROM p
