-- Perio charts in the custom model x_perio_record (seed row Perio Chart:
-- "a custom one2many ... field group"), at the project's perio grain
-- (axium2crm.yaml perio.grain, read here as the var perio_grain), linked
-- to the patient partner by x_partner_id, so the partner form can show
-- them as a one2many:
--   tooth  one record per exam × tooth (the default): the six sites'
--          probing depth, gingival margin, CAL, bleeding, suppuration and
--          furcation as fields named by site (x_pd_mb, x_gm_db, x_cal_l,
--          x_bleeding_ml, x_suppuration_dl, x_furcation_b), the tooth's
--          mobility and furcation (its highest grade) on the tooth;
--   site   one record per exam × tooth × site;
--   exam   one record per exam, the chart as JSON text in x_chart.
-- CAL is probing depth minus gingival margin (staging's
-- clinical_attachment_level): axiUm schools chart the margin positive
-- coronal to the CEJ, so recession (a negative margin) adds to the loss.
-- The exam's header (date, type, provider) is on each record.
-- x_axium_xid repeats the external id on the record: the push creates
-- perio records with create (5-6 times faster than load for this model)
-- and knows them by this field, indexed, instead of an ir.model.data
-- name (a resume, verify and rollback find them by it). Values
-- staging found out of range are empty here and listed in
-- staging.data_quality. A site that is not one of the six has no field
-- at the tooth and exam grains (odoo.reconciliation counts it).
--
-- The biggest table: exams are filtered and keyed first (small),
-- measurements joined to them once.
{{- $grain := var "perio_grain" }}
WITH e AS (
    SELECT e.exam_id, e.patient_id, e.provider_id, e.exam_date,
        -- Per exam, not per site: about 160 times fewer calls.
        CAST(e.exam_date AS VARCHAR) AS exam_day,
        util.odoo_sel(e.exam_type) AS exam_type,
        util.odoo_xid('patient', e.patient_id) AS partner_xid,
        -- The exam's part of each record's external id (see id below).
        regexp_replace(e.exam_id, '[^A-Za-z0-9_-]', '-', 'g') AS xid_exam,
        e."_batch_id", e."_source_file", e."_source_record"
    FROM {{ ref "stg_perio_exam" }} e
    ANTI JOIN {{ ref "dq_duplicates" }} d
        ON d.model = 'stg_perio_exam' AND d.record_key = e.exam_id AND d."_source_file" = e."_source_file" AND d."_source_record" = e."_source_record"
    SEMI JOIN {{ ref "odoo_res_partner_patient" }} p ON p.x_source_system_id = e.patient_id
), m AS (
    SELECT m.* FROM {{ ref "stg_perio_measure" }} m
    ANTI JOIN {{ ref "dq_duplicates" }} d
        ON d.model = 'stg_perio_measure' AND d.record_key = concat_ws('|', m.exam_id, m.tooth, m.site)
        AND d."_source_file" = m."_source_file" AND d."_source_record" = m."_source_record"
    -- A measurement without a tooth or a site is no chart site (staging
    -- reports it; odoo.reconciliation counts it).
    WHERE m.tooth IS NOT NULL AND m.site IS NOT NULL
{{- if ne $grain "site" }}
        AND m.site IN ('DB', 'B', 'MB', 'DL', 'L', 'ML')
{{- end }}
)
{{- if eq $grain "site" }}
SELECT
    -- util.odoo_xid('perio', exam|tooth|site), cheaper: its replacement
    -- works character by character, so the key's parts are replaced one by
    -- one (the exam's once per exam, a valid site needs none) and joined
    -- with '-', NULL parts left out as concat_ws leaves them out of the key.
    'axium.perio_' || concat_ws('-', e.xid_exam, regexp_replace(m.tooth, '[^A-Za-z0-9_-]', '-', 'g'),
        CASE WHEN m.site IN ('DB', 'B', 'MB', 'DL', 'L', 'ML') THEN m.site ELSE regexp_replace(m.site, '[^A-Za-z0-9_-]', '-', 'g') END) AS id,
    'axium.perio_' || concat_ws('-', e.xid_exam, regexp_replace(m.tooth, '[^A-Za-z0-9_-]', '-', 'g'),
        CASE WHEN m.site IN ('DB', 'B', 'MB', 'DL', 'L', 'ML') THEN m.site ELSE regexp_replace(m.site, '[^A-Za-z0-9_-]', '-', 'g') END) AS x_axium_xid,
    concat_ws(' ', e.exam_day, 'tooth', m.tooth, m.site) AS x_name,
    e.partner_xid AS "x_partner_id/id",
    u.id AS "x_provider_id/id",
    m.exam_id AS x_exam_id,
    e.exam_date AS x_exam_date,
    e.exam_type AS x_exam_type,
    m.tooth AS x_tooth,
    -- util.odoo_sel(site); a valid site's is its lower case.
    CASE WHEN m.site IN ('DB', 'B', 'MB', 'DL', 'L', 'ML') THEN lower(m.site) ELSE util.odoo_sel(m.site) END AS x_site,
    m.probing_depth AS x_probing_depth,
    m.gingival_margin AS x_gingival_margin,
    m.clinical_attachment_level AS x_cal,
    m.bleeding AS x_bleeding,
    m.suppuration AS x_suppuration,
    m.mobility AS x_mobility,
    m.furcation_grade AS x_furcation,
    'perio_measure' AS "_source_object",
    concat_ws('|', m.exam_id, m.tooth, m.site) AS "_source_key",
    m."_batch_id", m."_source_file", m."_source_record"
FROM m
JOIN e ON e.exam_id = m.exam_id
LEFT JOIN {{ ref "odoo_res_users" }} u ON u.x_source_system_id = e.provider_id
{{- else }}
, tooth AS (
    -- One row per exam and tooth, its sites pivoted (a site has one row:
    -- repeated keys are gone). Mobility is charted per tooth and repeated
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
    FROM m
    SEMI JOIN e USING (exam_id)
    GROUP BY exam_id, tooth
)
{{- if eq $grain "tooth" }}
SELECT
    -- util.odoo_xid('perio_tooth', exam|tooth), the parts replaced one by
    -- one as at the site grain.
    'axium.perio_tooth_' || concat_ws('-', e.xid_exam, regexp_replace(t.tooth, '[^A-Za-z0-9_-]', '-', 'g')) AS id,
    'axium.perio_tooth_' || concat_ws('-', e.xid_exam, regexp_replace(t.tooth, '[^A-Za-z0-9_-]', '-', 'g')) AS x_axium_xid,
    concat_ws(' ', e.exam_day, 'tooth', t.tooth) AS x_name,
    e.partner_xid AS "x_partner_id/id",
    u.id AS "x_provider_id/id",
    t.exam_id AS x_exam_id,
    e.exam_date AS x_exam_date,
    e.exam_type AS x_exam_type,
    t.tooth AS x_tooth,
    t.mobility AS x_mobility,
    t.furcation AS x_furcation,
    t.pd_mb AS x_pd_mb, t.pd_b AS x_pd_b, t.pd_db AS x_pd_db, t.pd_ml AS x_pd_ml, t.pd_l AS x_pd_l, t.pd_dl AS x_pd_dl,
    t.gm_mb AS x_gm_mb, t.gm_b AS x_gm_b, t.gm_db AS x_gm_db, t.gm_ml AS x_gm_ml, t.gm_l AS x_gm_l, t.gm_dl AS x_gm_dl,
    t.cal_mb AS x_cal_mb, t.cal_b AS x_cal_b, t.cal_db AS x_cal_db, t.cal_ml AS x_cal_ml, t.cal_l AS x_cal_l, t.cal_dl AS x_cal_dl,
    t.bleeding_mb AS x_bleeding_mb, t.bleeding_b AS x_bleeding_b, t.bleeding_db AS x_bleeding_db, t.bleeding_ml AS x_bleeding_ml, t.bleeding_l AS x_bleeding_l, t.bleeding_dl AS x_bleeding_dl,
    t.suppuration_mb AS x_suppuration_mb, t.suppuration_b AS x_suppuration_b, t.suppuration_db AS x_suppuration_db, t.suppuration_ml AS x_suppuration_ml, t.suppuration_l AS x_suppuration_l, t.suppuration_dl AS x_suppuration_dl,
    t.furcation_mb AS x_furcation_mb, t.furcation_b AS x_furcation_b, t.furcation_db AS x_furcation_db, t.furcation_ml AS x_furcation_ml, t.furcation_l AS x_furcation_l, t.furcation_dl AS x_furcation_dl,
    'perio_measure' AS "_source_object",
    concat_ws('|', t.exam_id, t.tooth) AS "_source_key",
    t.src.batch AS "_batch_id", t.src.file AS "_source_file", t.src.record AS "_source_record"
FROM tooth t
JOIN e ON e.exam_id = t.exam_id
LEFT JOIN {{ ref "odoo_res_users" }} u ON u.x_source_system_id = e.provider_id
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
    -- partitions it sorts and spills. The exam's facts and provider ride
    -- along, so no join follows (DuckDB would hash the charts, its
    -- estimate of them after the filter being a handful of rows: 1 GB at
    -- 100,000 patients).
    SELECT * FROM (
        SELECT e.*, u.id AS provider_user_xid,
            '{' || string_agg(util.perio_chart_entry(t), ',') OVER w || '}' AS chart,
            count(*) OVER w AS teeth,
            row_number() OVER w AS nth
        FROM tooth t
        JOIN e ON e.exam_id = t.exam_id
        LEFT JOIN {{ ref "odoo_res_users" }} u ON u.x_source_system_id = e.provider_id
        WINDOW w AS (PARTITION BY t.exam_id ORDER BY TRY_CAST(t.tooth AS INTEGER) NULLS LAST, t.tooth
            ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING))
    WHERE nth = 1
)
SELECT
    'axium.perio_chart_' || c.xid_exam AS id,
    'axium.perio_chart_' || c.xid_exam AS x_axium_xid,
    concat_ws(' ', c.exam_day, 'perio chart') AS x_name,
    c.partner_xid AS "x_partner_id/id",
    c.provider_user_xid AS "x_provider_id/id",
    c.exam_id AS x_exam_id,
    c.exam_date AS x_exam_date,
    c.exam_type AS x_exam_type,
    c.teeth AS x_teeth,
    c.chart AS x_chart,
    'perio_exam' AS "_source_object",
    c.exam_id AS "_source_key",
    c."_batch_id", c."_source_file", c."_source_record"
FROM chart c
{{- end }}
{{- end }}
