-- One service product per CDT code in use (treatments and charges), as the
-- code is used today (retired codes already mapped to their successor in
-- staging). name is our own short label (seed cdt_label: the ADA holds the
-- copyright on CDT descriptors); list_price is the usual fee, the most
-- frequent fee charged for the code (ties: the higher fee).
WITH used AS (
    SELECT procedure_code AS code, fee AS price, "_batch_id", "_source_file", "_source_record", 'treatment' AS src
    FROM {{ ref "stg_treatment" }} WHERE procedure_code IS NOT NULL
    UNION ALL
    SELECT procedure_code, amount, "_batch_id", "_source_file", "_source_record", 'transaction'
    FROM {{ ref "stg_transaction" }} WHERE procedure_code IS NOT NULL AND transaction_type = 'Charge'
), fees AS (
    SELECT code, price, count(*) AS n FROM used WHERE price > 0 GROUP BY ALL
), usual AS (
    SELECT code, arg_max(price, (n, price)) AS price FROM fees GROUP BY code
), codes AS (
    -- Provenance: the first row (treatments before charges) using the code.
    SELECT code, arg_min(src, (src <> 'treatment', "_batch_id", "_source_file", "_source_record")) AS src,
        arg_min({'b': "_batch_id", 'f': "_source_file", 'r': "_source_record"},
            (src <> 'treatment', "_batch_id", "_source_file", "_source_record")) AS first_row
    FROM used GROUP BY code
)
SELECT
    util.odoo_xid('cdt', c.code) AS id,
    c.code AS default_code,
    coalesce(l.label, 'CDT ' || c.code) AS name,
    coalesce(u.price, 0.00) AS list_price,
    'service' AS type,
    -- Odoo 17 keeps the type in detailed_type (type is computed from it);
    -- Odoo 18 has no detailed_type. field_plan says so for the exporter.
    'service' AS detailed_type,
    true AS sale_ok,
    false AS purchase_ok,
    util.odoo_sel(l.category) AS x_cdt_category,
    c.src AS "_source_object",
    c.code AS "_source_key",
    c.first_row.b AS "_batch_id",
    c.first_row.f AS "_source_file",
    c.first_row.r AS "_source_record"
FROM codes c
LEFT JOIN usual u ON u.code = c.code
LEFT JOIN {{ seed "cdt_label" }} l ON l.code = c.code
