-- Custom form questions (axiUm FITEM). Pages of the health history: 1
-- medical, 2 dental, 3 medications. A follow-up question names its parent.
WITH typed AS (
    SELECT
        src AS r,
        util.clean_text("FItem") AS form_item_id,
        util.clean_text("ParentFItem") AS parent_form_item_id,
        util.clean_text("FormCode") AS form_code,
        CAST(util.parse_int("Page") AS INTEGER) AS page,
        CAST(util.parse_int("Row") AS INTEGER) AS page_row,
        -- Y yes/no, T text, D date, N number, L list.
        upper(util.clean_text("AnsType")) AS answer_type,
        util.clean_text("Text") AS question_text,
        "_batch_id", "_source_file", "_source_record"
    FROM {{ source "form_item" }} src
)
SELECT
    * EXCLUDE (r),
    util.dq_list([
        util.dq_typed('Page', r."Page", page, util.parse_int_issue(r."Page")),
        util.dq_typed('Row', r."Row", page_row, util.parse_int_issue(r."Row"))
    ]) AS _dq
FROM typed
