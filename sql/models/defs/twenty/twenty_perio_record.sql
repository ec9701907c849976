-- The custom object perioRecord at the project's perio grain
-- (axium2crm.yaml perio.grain, read here as the var perio_grain), linked
-- to the patient (personId):
--   tooth  one row per exam × tooth (the default): the six sites' probing
--          depth, gingival margin, CAL, bleeding, suppuration and furcation
--          as fields named by site (pd_mb → pdMb, gm_db, cal_l,
--          bleeding_ml, suppuration_dl, furcation_b), the tooth's mobility
--          and furcation (its highest grade) on the tooth: a sixth of the
--          site grain's records;
--   site   one row per exam × tooth × site;
--   exam   one row per exam, the chart as JSON text in chart.
-- CAL is probing depth minus gingival margin (staging's
-- clinical_attachment_level): axiUm schools chart the margin positive
-- coronal to the CEJ, so recession (a negative margin) adds to the loss.
-- Values staging could not trust (out of range, not a number) are NULL
-- here and listed in staging.data_quality. A measurement of an exam that
-- is not in the export, or of an exam whose patient is not, has no one to
-- belong to and is left out; so is one without a tooth or a site, and at
-- the tooth and exam grains one whose site is not one of the six (it has
-- no field). twenty.reconciliation counts them all. The exam's facts are
-- joined once per exam, not per row: this is the biggest table.
{{- $grain := var "perio_grain" }}
WITH exam AS (
    SELECT e.exam_id, e.exam_date, p.id AS person_id,
        -- Per exam, not per site: about 160 times fewer calls.
        CAST(e.exam_date AS VARCHAR) AS exam_day,
        util.option_value(e.exam_type) AS exam_type,
        'perio_exam:' || e.exam_id AS axium_exam_id,
        e."_batch_id", e."_source_file", e."_source_record"
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
{{- if ne $grain "site" }}
        AND t.site IN ('DB', 'B', 'MB', 'DL', 'L', 'ML')
{{- end }}
)
{{- if eq $grain "site" }}
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
{{- else }}
, tooth AS (
    -- One row per exam and tooth, its sites pivoted (a site has one row:
    -- later copies are gone). Mobility is charted per tooth and repeated
    -- on each site; should the sites disagree, the highest. The driving
    -- raw row is the tooth's first site row in export order.
    SELECT exam_id, tooth,
        max(mobility) AS mobility,
        max(furcation_grade) AS furcation,
        any_value(probing_depth) FILTER (WHERE site = 'MB') AS pd_mb, any_value(probing_depth) FILTER (WHERE site = 'B') AS pd_b, any_value(probing_depth) FILTER (WHERE site = 'DB') AS pd_db, any_value(probing_depth) FILTER (WHERE site = 'ML') AS pd_ml, any_value(probing_depth) FILTER (WHERE site = 'L') AS pd_l, any_value(probing_depth) FILTER (WHERE site = 'DL') AS pd_dl,
        any_value(gingival_margin) FILTER (WHERE site = 'MB') AS gm_mb, any_value(gingival_margin) FILTER (WHERE site = 'B') AS gm_b, any_value(gingival_margin) FILTER (WHERE site = 'DB') AS gm_db, any_value(gingival_margin) FILTER (WHERE site = 'ML') AS gm_ml, any_value(gingival_margin) FILTER (WHERE site = 'L') AS gm_l, any_value(gingival_margin) FILTER (WHERE site = 'DL') AS gm_dl,
        any_value(clinical_attachment_level) FILTER (WHERE site = 'MB') AS cal_mb, any_value(clinical_attachment_level) FILTER (WHERE site = 'B') AS cal_b, any_value(clinical_attachment_level) FILTER (WHERE site = 'DB') AS cal_db, any_value(clinical_attachment_level) FILTER (WHERE site = 'ML') AS cal_ml, any_value(clinical_attachment_level) FILTER (WHERE site = 'L') AS cal_l, any_value(clinical_attachment_level) FILTER (WHERE site = 'DL') AS cal_dl,
        any_value(bleeding) FILTER (WHERE site = 'MB') AS bleeding_mb, any_value(bleeding) FILTER (WHERE site = 'B') AS bleeding_b, any_value(bleeding) FILTER (WHERE site = 'DB') AS bleeding_db, any_value(bleeding) FILTER (WHERE site = 'ML') AS bleeding_ml, any_value(bleeding) FILTER (WHERE site = 'L') AS bleeding_l, any_value(bleeding) FILTER (WHERE site = 'DL') AS bleeding_dl,
        any_value(suppuration) FILTER (WHERE site = 'MB') AS suppuration_mb, any_value(suppuration) FILTER (WHERE site = 'B') AS suppuration_b, any_value(suppuration) FILTER (WHERE site = 'DB') AS suppuration_db, any_value(suppuration) FILTER (WHERE site = 'ML') AS suppuration_ml, any_value(suppuration) FILTER (WHERE site = 'L') AS suppuration_l, any_value(suppuration) FILTER (WHERE site = 'DL') AS suppuration_dl,
        any_value(furcation_grade) FILTER (WHERE site = 'MB') AS furcation_mb, any_value(furcation_grade) FILTER (WHERE site = 'B') AS furcation_b, any_value(furcation_grade) FILTER (WHERE site = 'DB') AS furcation_db, any_value(furcation_grade) FILTER (WHERE site = 'ML') AS furcation_ml, any_value(furcation_grade) FILTER (WHERE site = 'L') AS furcation_l, any_value(furcation_grade) FILTER (WHERE site = 'DL') AS furcation_dl,
        count(*) FILTER (WHERE site = 'MB') > 0 AS has_mb, count(*) FILTER (WHERE site = 'B') > 0 AS has_b, count(*) FILTER (WHERE site = 'DB') > 0 AS has_db, count(*) FILTER (WHERE site = 'ML') > 0 AS has_ml, count(*) FILTER (WHERE site = 'L') > 0 AS has_l, count(*) FILTER (WHERE site = 'DL') > 0 AS has_dl,
        count(*) AS sites,
        min({'batch': "_batch_id", 'file': "_source_file", 'record': "_source_record"}) AS src
    FROM measure
    SEMI JOIN exam USING (exam_id)
    GROUP BY exam_id, tooth
)
{{- if eq $grain "tooth" }}
SELECT
    util.det_uuid('perio_tooth', concat_ws('|', t.exam_id, t.tooth)) AS id,
    concat_ws(' ', e.exam_day, '#' || t.tooth) AS name,
    e.person_id,
    e.exam_date,
    e.exam_type,
    t.tooth,
    t.mobility,
    t.furcation,
    t.pd_mb, t.pd_b, t.pd_db, t.pd_ml, t.pd_l, t.pd_dl,
    t.gm_mb, t.gm_b, t.gm_db, t.gm_ml, t.gm_l, t.gm_dl,
    t.cal_mb, t.cal_b, t.cal_db, t.cal_ml, t.cal_l, t.cal_dl,
    t.bleeding_mb, t.bleeding_b, t.bleeding_db, t.bleeding_ml, t.bleeding_l, t.bleeding_dl,
    t.suppuration_mb, t.suppuration_b, t.suppuration_db, t.suppuration_ml, t.suppuration_l, t.suppuration_dl,
    t.furcation_mb, t.furcation_b, t.furcation_db, t.furcation_ml, t.furcation_l, t.furcation_dl,
    e.axium_exam_id,
    'perio_measure' AS "_source_object",
    concat_ws('|', t.exam_id, t.tooth) AS "_source_key",
    -- The site rows this record holds (twenty.reconciliation counts them).
    t.sites AS "_merged_rows",
    t.src.batch AS "_batch_id", t.src.file AS "_source_file", t.src.record AS "_source_record"
FROM tooth t
JOIN exam e USING (exam_id)
{{- else }}
, chart AS (
    -- The chart as JSON, teeth → sites → measures:
    --   {"3": {"mobility": 1, "furcation": 2, "sites": {"MB": {"probing_depth": 5,
    --    "gingival_margin": -1, "cal": 6, "bleeding": true, "suppuration": false,
    --    "furcation": null}, "B": ..., "DL": null}}, "4": ...}
    -- Teeth in Universal order, sites in the order MB B DB ML L DL; a
    -- value not charted (or not trusted) is null, a site not charted too.
    -- A window over each exam's teeth, not an ordered string_agg by exam:
    -- the aggregate's per-exam state is one DuckDB cannot spill (at
    -- 100,000 patients it ran out of a 2 GB memory_limit), a window's
    -- partitions it sorts and spills. The exam's facts ride along, so no
    -- join follows (one would hash the charts, 1 GB at 100,000 patients).
    SELECT * FROM (
        SELECT e.*,
            '{' || string_agg(util.perio_chart_entry(t), ',') OVER w || '}' AS chart,
            count(*) OVER w AS teeth,
            sum(t.sites) OVER w AS chart_sites,
            row_number() OVER w AS nth
        FROM tooth t
        JOIN exam e USING (exam_id)
        WINDOW w AS (PARTITION BY t.exam_id ORDER BY TRY_CAST(t.tooth AS INTEGER) NULLS LAST, t.tooth
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING))
    WHERE nth = 1
)
SELECT
    util.det_uuid('perio_chart', c.exam_id) AS id,
    concat_ws(' ', c.exam_day, 'perio chart') AS name,
    c.person_id,
    c.exam_date,
    c.exam_type,
    c.teeth,
    c.chart,
    c.axium_exam_id,
    'perio_exam' AS "_source_object",
    c.exam_id AS "_source_key",
    -- The site rows the chart holds (twenty.reconciliation counts them).
    c.chart_sites AS "_merged_rows",
    c."_batch_id", c."_source_file", c."_source_record"
FROM chart c
{{- end }}
{{- end }}
