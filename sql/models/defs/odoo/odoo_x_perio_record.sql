-- Perio chart measurements in the custom model x_perio_record (seed row
-- Perio Chart: "a custom one2many ... field group"): one record per exam,
-- tooth and site, linked to the patient partner by x_partner_id, so the
-- partner form can show them as a one2many. The exam's header (date, type,
-- provider) is repeated on each of its sites. Values staging found out of
-- range are empty here and listed in staging.data_quality.
--
-- The biggest table (about 70 rows per charted patient): exams are
-- filtered and keyed first (small), measurements joined to them once.
WITH e AS (
    SELECT e.exam_id, e.patient_id, e.provider_id, e.exam_date,
        -- Per exam, not per site: about 160 times fewer calls.
        CAST(e.exam_date AS VARCHAR) AS exam_day,
        util.odoo_sel(e.exam_type) AS exam_type,
        util.odoo_xid('patient', e.patient_id) AS partner_xid,
        -- The exam's part of each site's external id (see id below).
        regexp_replace(e.exam_id, '[^A-Za-z0-9_-]', '-', 'g') AS xid_exam
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
)
SELECT
    -- util.odoo_xid('perio', exam|tooth|site), cheaper: its replacement
    -- works character by character, so the key's parts are replaced one by
    -- one (the exam's once per exam, a valid site needs none) and joined
    -- with '-', NULL parts left out as concat_ws leaves them out of the key.
    'axium.perio_' || concat_ws('-', e.xid_exam, regexp_replace(m.tooth, '[^A-Za-z0-9_-]', '-', 'g'),
        CASE WHEN m.site IN ('DB', 'B', 'MB', 'DL', 'L', 'ML') THEN m.site ELSE regexp_replace(m.site, '[^A-Za-z0-9_-]', '-', 'g') END) AS id,
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
