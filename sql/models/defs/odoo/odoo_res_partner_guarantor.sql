-- Guarantors (responsible parties) as their own res.partner persons. A
-- patient with a guarantor points at it with parent_id, which makes the
-- guarantor the patient's commercial entity in Odoo: invoices on the
-- patient post their receivable to the guarantor (see the README).
WITH g AS (
    SELECT * FROM {{ ref "stg_guarantor" }} g
    ANTI JOIN {{ ref "dq_duplicates" }} d
        ON d.model = 'stg_guarantor' AND d.record_key = g.guarantor_id AND d."_source_file" = g."_source_file" AND d."_source_record" = g."_source_record"
)
SELECT
    util.odoo_xid('guarantor', guarantor_id) AS id,
    coalesce(nullif(concat_ws(' ', first_name, last_name), ''), 'Guarantor ' || guarantor_id) AS name,
    false AS is_company,
    'contact' AS type,
    'guarantor' AS x_partner_type,
    guarantor_id AS x_source_system_id,
    address1 AS street,
    address2 AS street2,
    city,
    zip,
    'base.us' AS "country_id/id",
    phone,
    email,
    employer AS x_employer,
    state AS "_state_code",
    'guarantor' AS "_source_object",
    guarantor_id AS "_source_key",
    "_batch_id", "_source_file", "_source_record"
FROM g
