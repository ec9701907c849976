-- Charges, payments and adjustments, typed. Amounts are DECIMAL(18,2):
-- positive charges, negative credits, as axiUm exports them.
WITH typed AS (
    SELECT
        src AS r,
        util.clean_text("Transaction") AS transaction_id,
        util.clean_text("Patient") AS patient_id,
        util.clean_text("Provider") AS provider_id,
        util.clean_text("Treatment") AS treatment_id,
        util.clean_text("Type") AS transaction_type,
        util.clean_text("Procedure") AS procedure_code_original,
        util.cdt_base("Procedure") AS procedure_code_base,
        util.cdt_suffix("Procedure") AS procedure_code_suffix,
        util.parse_money("Amount") AS amount,
        util.parse_date("TransactionDate") AS transaction_date,
        util.clean_text("PaymentMethod") AS payment_method,
        util.free_text("Description") AS description,
        util.clean_text("Claim") AS claim_id,
        "_batch_id", "_source_file", "_source_record"
    FROM {{ source "transaction" }} src
)
SELECT
    t.transaction_id,
    t.patient_id,
    t.provider_id,
    t.treatment_id,
    t.transaction_type,
    coalesce(util.clean_text(x.new_code), t.procedure_code_base) AS procedure_code,
    t.procedure_code_original,
    t.procedure_code_base,
    t.procedure_code_suffix,
    t.amount,
    t.transaction_date,
    t.payment_method,
    t.description,
    t.claim_id,
    t."_batch_id", t."_source_file", t."_source_record",
    util.dq_list([
        util.dq_typed('Procedure', t.r."Procedure", t.procedure_code_base, util.cdt_base_issue(t.r."Procedure")),
        util.dq('Procedure', t.r."Procedure", CASE WHEN t.procedure_code_suffix IS NOT NULL THEN 'code suffix stripped' END),
        -- A charge is posted after the work (on approval), so its date says
        -- nothing about when the code was valid: judged by the treatment.
        util.dq('Procedure', t.r."Procedure",
            util.cdt_retired_issue(x.old_code, x.new_code, x.retired_in, CAST(NULL AS DATE))),
        util.dq_typed('Amount', t.r."Amount", t.amount, util.parse_money_issue(t.r."Amount")),
        -- Every ledger line moves money: a blank or 0 amount is the
        -- blank-vs-zero confusion of old report exports, not a real line.
        util.dq('Amount', t.r."Amount", CASE
            WHEN util.clean_text(t.r."Amount") IS NULL THEN 'missing amount'
            WHEN t.amount = 0 THEN 'zero amount'
        END),
        util.dq_typed('TransactionDate', t.r."TransactionDate", t.transaction_date, util.parse_date_issue(t.r."TransactionDate"))
    ]) AS _dq
FROM typed t
LEFT JOIN {{ seed "cdt_crosswalk" }} x ON util.clean_text(x.old_code) = t.procedure_code_base
