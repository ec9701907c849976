-- Billing documents (seed row Transactions): axiUm charges as customer
-- invoices, one per patient and transaction date with a line per charge
-- (account_move_line); adjustments as credit notes (out_refund), one per
-- adjustment, or as an invoice when axiUm recorded a debit adjustment.
-- Payments are account.payment records (account_payment), not moves: a
-- payment makes its own journal entry and can be reconciled with these
-- invoices in Odoo.
--
-- partner_id is the patient. A patient with a guarantor is the guarantor's
-- child, so Odoo posts the receivable to the guarantor (the commercial
-- partner): the bill goes where axiUm's billing responsibility lies while
-- each invoice still names the patient treated. Moves are created as
-- drafts (no state column): posting is a separate, reviewable step.
--
-- Built in passes over shares of the patients (see the .yml); every row
-- comes from tx, which keeps one pass's share.
WITH tx AS (
    SELECT t.* FROM {{ ref "stg_transaction" }} t
    ANTI JOIN {{ ref "dq_duplicates" }} d
        ON d.model = 'stg_transaction' AND d.record_key = t.transaction_id AND d."_source_file" = t."_source_file" AND d."_source_record" = t."_source_record"
    SEMI JOIN {{ ref "odoo_res_partner_patient" }} p ON p.x_source_system_id = t.patient_id
    WHERE t.amount IS NOT NULL AND {{ batch "t.patient_id" }}
), claims AS (
    SELECT claim_id, any_value(claim_number) AS claim_number FROM {{ ref "stg_claim" }} GROUP BY claim_id
), charges AS (
    SELECT
        tx.patient_id || '|' || coalesce(strftime(tx.transaction_date, '%Y%m%d'), 'undated') AS move_key,
        any_value(tx.patient_id) AS patient_id,
        any_value(tx.transaction_date) AS invoice_date,
        arg_min(tx.provider_id, (tx.provider_id IS NULL, length(tx.transaction_id), tx.transaction_id)) AS provider_id,
        -- Sorted lists, not DISTINCT/ORDER BY aggregates: those keep a
        -- sort state per group (one per patient and day here).
        util.sorted_distinct_text(list(c.claim_number) FILTER (WHERE c.claim_number IS NOT NULL), ', ') AS claim_numbers,
        util.join_sorted(list({'v1': length(tx.transaction_id), 'v2': tx.transaction_id, 'line': tx.transaction_id}), ', ') AS transactions,
        arg_min({'b': tx."_batch_id", 'f': tx."_source_file", 'r': tx."_source_record"},
            (tx."_batch_id", tx."_source_file", tx."_source_record")) AS first_row
    FROM tx
    LEFT JOIN claims c ON c.claim_id = tx.claim_id
    WHERE tx.transaction_type = 'Charge'
    GROUP BY ALL
)
SELECT
    util.odoo_xid('invoice', move_key) AS id,
    'out_invoice' AS move_type,
    util.odoo_xid('patient', patient_id) AS "partner_id/id",
    invoice_date,
    invoice_date AS date,
    CASE WHEN claim_numbers IS NOT NULL THEN 'Claim ' || claim_numbers END AS ref,
    'axiUm charges ' || transactions AS invoice_origin,
    u.id AS "invoice_user_id/id",
    'charge' AS x_axium_transaction_type,
    'transaction' AS "_source_object",
    move_key AS "_source_key",
    first_row.b AS "_batch_id",
    first_row.f AS "_source_file",
    first_row.r AS "_source_record"
FROM charges
LEFT JOIN {{ ref "odoo_res_users" }} u ON u.x_source_system_id = charges.provider_id
UNION ALL
SELECT
    util.odoo_xid('adjustment', tx.transaction_id),
    CASE WHEN tx.amount < 0 THEN 'out_refund' ELSE 'out_invoice' END,
    util.odoo_xid('patient', tx.patient_id),
    tx.transaction_date,
    tx.transaction_date,
    CASE WHEN c.claim_number IS NOT NULL THEN 'Claim ' || c.claim_number END,
    'axiUm adjustment ' || tx.transaction_id,
    u.id,
    'adjustment',
    'transaction',
    tx.transaction_id,
    tx."_batch_id", tx."_source_file", tx."_source_record"
FROM tx
LEFT JOIN claims c ON c.claim_id = tx.claim_id
LEFT JOIN {{ ref "odoo_res_users" }} u ON u.x_source_system_id = tx.provider_id
WHERE tx.transaction_type = 'Adjustment' AND tx.amount <> 0
