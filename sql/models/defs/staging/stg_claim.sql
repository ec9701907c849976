-- Insurance claims (sent by EDI), typed.
WITH typed AS (
    SELECT
        src AS r,
        util.clean_text("Claim") AS claim_id,
        util.clean_text("Patient") AS patient_id,
        util.clean_text("Policy") AS policy_id,
        util.clean_text("ClaimNumber") AS claim_number,
        util.clean_text("BillingID") AS billing_id,
        util.clean_text("Practice") AS practice,
        util.parse_date("SubmittedDate") AS submitted_date,
        util.clean_text("Status") AS status,
        util.parse_money("BilledAmount") AS billed_amount,
        util.parse_money("PaidAmount") AS paid_amount,
        util.parse_date("PaidDate") AS paid_date,
        "_batch_id", "_source_file", "_source_record"
    FROM {{ source "claim" }} src
)
SELECT
    * EXCLUDE (r),
    util.dq_list([
        util.dq_typed('SubmittedDate', r."SubmittedDate", submitted_date, util.parse_date_issue(r."SubmittedDate")),
        util.dq_typed('BilledAmount', r."BilledAmount", billed_amount, util.parse_money_issue(r."BilledAmount")),
        util.dq_typed('PaidAmount', r."PaidAmount", paid_amount, util.parse_money_issue(r."PaidAmount")),
        -- A decided claim (paid or denied) has a paid amount, 0.00 when
        -- denied; an open one has none. A blank or 0 on the wrong side is
        -- the blank-vs-zero confusion of old report exports.
        util.dq('PaidAmount', r."PaidAmount", CASE
            WHEN status IN ('Paid', 'Denied') AND util.clean_text(r."PaidAmount") IS NULL THEN 'missing paid amount'
            WHEN status = 'Paid' AND paid_amount = 0 THEN 'zero paid amount'
            WHEN status IN ('Submitted', 'Accepted', 'Pending') AND util.clean_text(r."PaidAmount") IS NOT NULL THEN 'paid amount on unpaid claim'
        END),
        util.dq_typed('PaidDate', r."PaidDate", paid_date, util.parse_date_issue(r."PaidDate"))
    ]) AS _dq
FROM typed
