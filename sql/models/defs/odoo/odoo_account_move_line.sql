-- Invoice lines: one per charge (the CDT product, its tooth and surfaces
-- in the label, quantity 1 at the charged amount) and one per adjustment
-- (no product: Odoo takes the sale journal's income account). Amounts are
-- positive; the move type carries the sign. Moves are built first, so a
-- line's move always exists. x_axium_xid repeats the external id on the
-- line: the push creates lines with create (about twice as fast as load
-- against a real Odoo 17 with two workers) and knows them by it, as it
-- does perio records.
WITH tx AS (
    SELECT t.* FROM {{ ref "stg_transaction" }} t
    ANTI JOIN {{ ref "dq_duplicates" }} d
        ON d.model = 'stg_transaction' AND d.record_key = t.transaction_id AND d."_source_file" = t."_source_file" AND d."_source_record" = t."_source_record"
    WHERE t.amount IS NOT NULL AND t.transaction_type IN ('Charge', 'Adjustment')
), tr AS (
    SELECT treatment_id, any_value(tooth) AS tooth, any_value(surfaces) AS surfaces
    FROM {{ ref "stg_treatment" }} GROUP BY treatment_id
)
SELECT
    util.odoo_xid('move_line', tx.transaction_id) AS id,
    m.id AS "move_id/id",
    pr.id AS "product_id/id",
    concat_ws(' ',
        CASE WHEN pr.id IS NOT NULL THEN '[' || pr.default_code || '] ' || pr.name END,
        CASE WHEN pr.id IS NULL THEN coalesce(tx.description, 'Adjustment') END,
        CASE WHEN tr.tooth IS NOT NULL THEN '- tooth ' || tr.tooth END,
        CASE WHEN tr.surfaces IS NOT NULL THEN 'surfaces ' || tr.surfaces END) AS name,
    'product' AS display_type,
    1.0 AS quantity,
    abs(tx.amount) AS price_unit,
    util.odoo_xid('move_line', tx.transaction_id) AS x_axium_xid,
    'transaction' AS "_source_object",
    tx.transaction_id AS "_source_key",
    tx."_batch_id", tx."_source_file", tx."_source_record"
FROM tx
JOIN {{ ref "odoo_account_move" }} m ON m.id = CASE
    WHEN tx.transaction_type = 'Charge'
        THEN util.odoo_xid('invoice', tx.patient_id || '|' || coalesce(strftime(tx.transaction_date, '%Y%m%d'), 'undated'))
    ELSE util.odoo_xid('adjustment', tx.transaction_id) END
LEFT JOIN {{ ref "odoo_product_product" }} pr ON pr.default_code = tx.procedure_code AND tx.transaction_type = 'Charge'
LEFT JOIN tr ON tr.treatment_id = tx.treatment_id
