-- Patient insurance policies: a benefit plan, its subscriber and the
-- coverage order (1 primary, 2 secondary).
WITH typed AS (
    SELECT
        src AS r,
        util.clean_text("Policy") AS policy_id,
        util.clean_text("Patient") AS patient_id,
        util.clean_text("Plan") AS plan_id,
        CAST(util.parse_int("Ordinal") AS INTEGER) AS ordinal,
        util.clean_text("SubscriberID") AS subscriber_id,
        util.clean_name("SubscriberName") AS subscriber_name,
        util.clean_text("SubscriberRelationship") AS subscriber_relationship,
        util.parse_date("EffectiveDate") AS effective_date,
        -- NULL while the policy is in force.
        util.parse_date("TermDate") AS term_date,
        "_batch_id", "_source_file", "_source_record"
    FROM {{ source "policy" }} src
)
SELECT
    * EXCLUDE (r),
    util.dq_list([
        util.dq_typed('Ordinal', r."Ordinal", ordinal, util.parse_int_issue(r."Ordinal")),
        util.dq_typed('EffectiveDate', r."EffectiveDate", effective_date, util.parse_date_issue(r."EffectiveDate")),
        util.dq_typed('TermDate', r."TermDate", term_date, util.parse_date_issue(r."TermDate"))
    ]) AS _dq
FROM typed
