-- Benefit plans: a carrier and an employer group.
SELECT
    util.clean_text("Plan") AS plan_id,
    util.clean_text("Carrier") AS carrier_id,
    util.clean_text("GroupNumber") AS group_number,
    util.clean_text("GroupName") AS group_name,
    util.clean_text("Employer") AS employer,
    util.clean_text("PlanType") AS plan_type,
    "_batch_id", "_source_file", "_source_record",
    util.dq_list([]) AS _dq
FROM {{ source "benefit_plan" }} src
