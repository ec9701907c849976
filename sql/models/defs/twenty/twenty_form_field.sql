-- Helper, not a destination object: one custom person field per custom-
-- form question (FITEM) that has at least one non-blank answer. The field
-- name is the camelCase of form code + question text
-- ('hhxAreYouUnderAPhysiciansCareNow'); a name longer than Twenty's 63
-- characters, or one two questions would share, is cut and suffixed with
-- 'Item' and the FITEM key, so names stay unique and stable across runs.
-- twenty.person reads the answers through it, twenty.field_plan lists it.
WITH item AS (
    SELECT t.* FROM {{ ref "stg_form_item" }} t
    ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_form_item'
        AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"
), answered AS (
    SELECT form_item_id, count(*) AS answers
    FROM {{ ref "stg_form_answer" }}
    WHERE answer_yes IS NOT NULL OR answer_text IS NOT NULL
    GROUP BY form_item_id
), named AS (
    SELECT
        i.*,
        a.answers,
        coalesce(util.camel_name(concat_ws(' ', i.form_code, i.question_text)), 'formItem' || i.form_item_id) AS base_name,
        'Item' || regexp_replace(i.form_item_id, '[^A-Za-z0-9]', '', 'g') AS suffix
    FROM item i
    JOIN answered a USING (form_item_id)
)
SELECT
    form_item_id,
    form_code,
    page,
    page_row,
    parent_form_item_id,
    answer_type,
    question_text,
    answers,
    CASE WHEN length(base_name) > 63 OR count(*) OVER (PARTITION BY base_name) > 1
         THEN left(base_name, 63 - length(suffix)) || suffix
         ELSE base_name END AS field_name,
    -- The label is what a CSV header shows; Twenty labels are free text.
    left(concat_ws(': ', form_code, coalesce(question_text, 'item ' || form_item_id)), 255) AS label,
    CASE answer_type WHEN 'Y' THEN 'BOOLEAN' WHEN 'N' THEN 'NUMBER' WHEN 'D' THEN 'DATE' ELSE 'TEXT' END AS field_type,
    "_batch_id", "_source_file", "_source_record"
FROM named
