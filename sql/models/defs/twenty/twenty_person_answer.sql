-- Helper of twenty.person (not a destination object): the latest non-blank
-- answer of each patient to each custom-form question, by entered_at, as
-- the JSON value its custom field takes. A table of its own so the window
-- that picks it sorts (and spills) before twenty_person_extra aggregates.
    SELECT
        a.patient_id,
        f.field_name,
        CASE f.answer_type
            WHEN 'Y' THEN to_json(a.answer_yes)
            WHEN 'N' THEN coalesce(to_json(try_cast(a.answer_text AS DECIMAL(18, 4))), to_json(a.answer_text))
            WHEN 'D' THEN coalesce(to_json(CAST(util.parse_date(a.answer_text) AS VARCHAR)), to_json(a.answer_text))
            ELSE to_json(a.answer_text)
        END AS value
    FROM {{ ref "stg_form_answer" }} a
    JOIN {{ ref "twenty_form_field" }} f USING (form_item_id)
    WHERE a.answer_yes IS NOT NULL OR a.answer_text IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY a.patient_id, f.field_name
        ORDER BY a.entered_at DESC NULLS LAST, a.answer_date DESC NULLS LAST, a."_batch_id" DESC, a."_source_record" DESC) = 1
