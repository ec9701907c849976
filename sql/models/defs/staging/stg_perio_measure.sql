-- Perio chart measurements, one row per exam, tooth and site, typed and
-- range-checked. A value outside its sane range is kept out of the typed
-- column (NULL) and listed in _dq: a probing depth of 20 mm or -1 (some
-- systems' "not measured") must not reach a chart as a measurement.
--
-- Ranges: probing depth 0-14 mm (a reading at a 15 mm probe's end is not a
-- measurement), gingival margin -10..+10 mm (positive coronal to the CEJ,
-- as axiUm schools chart it), mobility 0-3 (Miller), furcation I-III.
-- This is the largest object (about 90 rows per charted patient), so the
-- typing sticks to regex-checked casts and the _dq list is only built for
-- rows with something to report.
WITH typed AS (
    SELECT
        src AS r,
        util.clean_text("Exam") AS exam_id,
        util.clean_text("Tooth") AS tooth,
        upper(util.clean_text("Site")) AS site,
        CAST(util.parse_int("ProbingDepth") AS INTEGER) AS pd,
        CAST(util.parse_int("GingivalMargin") AS INTEGER) AS gm,
        util.yn("Bleeding") AS bleeding,
        util.yn("Suppuration") AS suppuration,
        CAST(util.parse_int("Mobility") AS INTEGER) AS mob,
        util.clean_text("Furcation") AS furcation_text,
        util.furcation_grade("Furcation") AS furcation_grade,
        "_batch_id", "_source_file", "_source_record"
    FROM {{ source "perio_measure" }} src
), checked AS (
    SELECT
        *,
        util.range_issue(pd, 0, 14, 'probing depth out of range') AS pd_issue,
        util.range_issue(gm, -10, 10, 'gingival margin out of range') AS gm_issue,
        util.range_issue(mob, 0, 3, 'mobility out of range') AS mob_issue,
        -- A blank tooth or site is reported too: such a row is no chart
        -- site, and the destination tables leave it out.
        CASE WHEN tooth IS NULL THEN 'missing tooth'
             WHEN NOT regexp_full_match(tooth, '[1-9]|[12][0-9]|3[0-2]') THEN 'invalid tooth' END AS tooth_issue,
        CASE WHEN site IS NULL THEN 'missing perio site'
             WHEN site NOT IN ('DB', 'B', 'MB', 'DL', 'L', 'ML') THEN 'invalid perio site' END AS site_issue
    FROM typed
)
SELECT
    exam_id,
    tooth,
    site,
    CASE WHEN pd_issue IS NULL THEN pd END AS probing_depth,
    CASE WHEN gm_issue IS NULL THEN gm END AS gingival_margin,
    -- Clinical attachment level: probing depth minus the margin's height
    -- above the CEJ.
    CASE WHEN pd_issue IS NULL AND gm_issue IS NULL THEN pd - gm END AS clinical_attachment_level,
    bleeding,
    suppuration,
    CASE WHEN mob_issue IS NULL THEN mob END AS mobility,
    furcation_grade,
    "_batch_id", "_source_file", "_source_record",
    CASE
        WHEN pd_issue IS NULL AND gm_issue IS NULL AND mob_issue IS NULL AND tooth_issue IS NULL AND site_issue IS NULL
             AND (pd IS NOT NULL OR util.clean_text(r."ProbingDepth") IS NULL)
             AND (gm IS NOT NULL OR util.clean_text(r."GingivalMargin") IS NULL)
             AND (mob IS NOT NULL OR util.clean_text(r."Mobility") IS NULL)
             AND (bleeding IS NOT NULL OR util.clean_text(r."Bleeding") IS NULL)
             AND (suppuration IS NOT NULL OR util.clean_text(r."Suppuration") IS NULL)
             AND (furcation_grade IS NOT NULL OR furcation_text IS NULL)
            THEN util.dq_list([])
        ELSE util.dq_list([
            util.dq('Tooth', r."Tooth", tooth_issue),
            util.dq('Site', r."Site", site_issue),
            util.dq_typed('ProbingDepth', r."ProbingDepth", pd, util.parse_int_issue(r."ProbingDepth")),
            util.dq('ProbingDepth', r."ProbingDepth", pd_issue),
            util.dq_typed('GingivalMargin', r."GingivalMargin", gm, util.parse_int_issue(r."GingivalMargin")),
            util.dq('GingivalMargin', r."GingivalMargin", gm_issue),
            util.dq_typed('Bleeding', r."Bleeding", bleeding, util.yn_issue(r."Bleeding")),
            util.dq_typed('Suppuration', r."Suppuration", suppuration, util.yn_issue(r."Suppuration")),
            util.dq_typed('Mobility', r."Mobility", mob, util.parse_int_issue(r."Mobility")),
            util.dq('Mobility', r."Mobility", mob_issue),
            util.dq_typed('Furcation', r."Furcation", furcation_grade, util.furcation_issue(r."Furcation"))
        ])
    END AS _dq
FROM checked
