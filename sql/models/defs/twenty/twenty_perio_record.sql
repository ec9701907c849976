-- The custom object perioRecord: one row per perio exam × tooth × site,
-- linked to the patient (personId). Values staging could not trust (out of
-- range, not a number) are NULL here and listed in staging.data_quality. A
-- measurement of an exam that is not in the export, or of an exam whose
-- patient is not, has no one to belong to and is left out (counted in
-- twenty.reconciliation). The exam's facts are joined once per exam, not
-- per row: this is the biggest table (about 90 rows per charted patient).
WITH exam AS (
    SELECT e.exam_id, e.exam_date, p.id AS person_id,
        -- Per exam, not per site: about 160 times fewer calls.
        CAST(e.exam_date AS VARCHAR) AS exam_day,
        util.option_value(e.exam_type) AS exam_type,
        'perio_exam:' || e.exam_id AS axium_exam_id
    FROM (SELECT t.* FROM {{ ref "stg_perio_exam" }} t
          ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_perio_exam'
              AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record") e
    JOIN {{ ref "twenty_person" }} p ON p."_source_object" = 'patient' AND p."_source_key" = e.patient_id
), measure AS (
    -- A measurement without a tooth or a site is no chart site (staging
    -- reports it; twenty.reconciliation counts it).
    SELECT t.* FROM {{ ref "stg_perio_measure" }} t
    ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_perio_measure'
        AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record"
    WHERE t.tooth IS NOT NULL AND t.site IS NOT NULL
)
SELECT
    util.det_uuid('perio_measure', concat_ws('|', m.exam_id, m.tooth, m.site)) AS id,
    concat_ws(' ', e.exam_day, '#' || m.tooth, m.site) AS name,
    e.person_id,
    e.exam_date,
    e.exam_type,
    m.tooth,
    m.site,
    m.probing_depth,
    m.gingival_margin,
    m.clinical_attachment_level,
    m.bleeding,
    m.suppuration,
    m.mobility,
    m.furcation_grade AS furcation,
    e.axium_exam_id,
    'perio_measure' AS "_source_object",
    concat_ws('|', m.exam_id, m.tooth, m.site) AS "_source_key",
    m."_batch_id", m."_source_file", m."_source_record"
FROM measure m
JOIN exam e USING (exam_id)
