-- Patient and insurance payments as account.payment (customer receipts):
-- Odoo's own representation of money received, which makes its journal
-- entry (outstanding receipts against the partner's receivable) and can
-- be matched to the invoices. axiUm writes credits negative: a negative
-- amount is money in (inbound), a positive one a refund paid out
-- (outbound); amount is always positive. The journal is left to Odoo's
-- default bank journal; the axiUm method (cash, check, card, ...) and the
-- payer (patient or insurance) are custom fields. x_axium_xid repeats the
-- external id on the record: the push creates payments with create (in
-- Odoo 17 with their journal entry's two lines in the same call) and
-- knows them by it.
WITH tx AS (
    SELECT t.* FROM {{ ref "stg_transaction" }} t
    ANTI JOIN {{ ref "dq_duplicates" }} d
        ON d.model = 'stg_transaction' AND d.record_key = t.transaction_id AND d."_source_file" = t."_source_file" AND d."_source_record" = t."_source_record"
    SEMI JOIN {{ ref "odoo_res_partner_patient" }} p ON p.x_source_system_id = t.patient_id
    WHERE t.amount IS NOT NULL AND t.amount <> 0 AND t.transaction_type IN ('Payment', 'Insurance Payment')
)
SELECT
    util.odoo_xid('payment', tx.transaction_id) AS id,
    util.odoo_xid('payment', tx.transaction_id) AS x_axium_xid,
    CASE WHEN tx.amount < 0 THEN 'inbound' ELSE 'outbound' END AS payment_type,
    'customer' AS partner_type,
    util.odoo_xid('patient', tx.patient_id) AS "partner_id/id",
    abs(tx.amount) AS amount,
    tx.transaction_date AS date,
    concat_ws(' - ', tx.description, CASE WHEN c.claim_number IS NOT NULL THEN 'claim ' || c.claim_number END,
        'axiUm transaction ' || tx.transaction_id) AS payment_reference,
    util.odoo_sel(tx.payment_method) AS x_payment_method,
    CASE tx.transaction_type WHEN 'Insurance Payment' THEN 'insurance' ELSE 'patient' END AS x_payer,
    'transaction' AS "_source_object",
    tx.transaction_id AS "_source_key",
    tx."_batch_id", tx."_source_file", tx."_source_record"
FROM tx
-- Claim numbers through a narrow (transaction, claim) join: joined on the
-- wide payment rows, the planner built the hash table on them and ran out
-- of a 2 GB memory limit at 1,000,000 patients.
LEFT JOIN (
    SELECT n.transaction_id, any_value(cl.claim_number) AS claim_number
    FROM (SELECT transaction_id, claim_id FROM tx WHERE claim_id IS NOT NULL) n
    JOIN {{ ref "stg_claim" }} cl ON cl.claim_id = n.claim_id
    GROUP BY n.transaction_id
) c ON c.transaction_id = tx.transaction_id
