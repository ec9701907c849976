-- axiUm users as Odoo internal users, matched by login: the e-mail when
-- axiUm has one (Odoo's usual login, and what the exporter matches existing
-- users by), else the axiUm login. Each user gets its partner
-- (res_partner_provider), base.group_user and its dental group; CODA
-- tracking fields are custom fields on res.users.
WITH p AS (
    SELECT * FROM {{ ref "stg_provider" }} p
    ANTI JOIN {{ ref "dq_duplicates" }} d
        ON d.model = 'stg_provider' AND d.record_key = p.provider_id AND d."_source_file" = p."_source_file" AND d."_source_record" = p."_source_record"
)
SELECT
    util.odoo_xid('user', p.provider_id) AS id,
    coalesce(nullif(concat_ws(' ', p.first_name, p.last_name), ''), 'Provider ' || p.provider_id) AS name,
    coalesce(p.email, lower(p.login), lower(p.provider_id)) AS login,
    p.email,
    util.odoo_xid('provider_partner', p.provider_id) AS "partner_id/id",
    'base.group_user' || coalesce(',' || g.id, '') AS "groups_id/id",
    coalesce(p.is_active, true) AS active,
    util.odoo_sel(p.role) AS x_axium_role,
    util.odoo_sel(p.coda_category) AS x_coda_category,
    p.class_year AS x_class_year,
    p.discipline AS x_discipline,
    p.npi AS x_npi,
    p.login AS x_axium_login,
    p.provider_id AS x_source_system_id,
    p.start_date AS x_start_date,
    'provider' AS "_source_object",
    p.provider_id AS "_source_key",
    p."_batch_id", p."_source_file", p."_source_record"
FROM p
LEFT JOIN {{ ref "odoo_res_groups" }} g
    ON g.id = 'axium.group_dental_' || CASE p.role WHEN 'Faculty' THEN 'faculty' WHEN 'Student' THEN 'student'
        WHEN 'Staff' THEN 'staff' WHEN 'Administrator' THEN 'staff' ELSE util.odoo_sel(p.role) END
