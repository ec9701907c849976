-- The dental access groups the users need, one per axiUm role family
-- present (the seed's Dental Faculty, Dental Student, Office Staff).
-- Administrators get Office Staff: Odoo's Settings rights are granted by
-- hand, never by a migration. Each group implies base.group_user
-- (internal user), so a user in it can log in and use the apps.
WITH roles AS (
    SELECT
        CASE role WHEN 'Faculty' THEN 'faculty' WHEN 'Student' THEN 'student'
            WHEN 'Staff' THEN 'staff' WHEN 'Administrator' THEN 'staff'
            ELSE util.odoo_sel(role) END AS grp,
        -- The group's provenance is the first provider row that asks for it.
        arg_min(provider_id, ("_batch_id", "_source_file", "_source_record")) AS first_provider,
        arg_min({'b': "_batch_id", 'f': "_source_file", 'r': "_source_record"}, ("_batch_id", "_source_file", "_source_record")) AS first_row
    FROM {{ ref "stg_provider" }}
    WHERE role IS NOT NULL
    GROUP BY ALL
)
SELECT
    'axium.group_dental_' || grp AS id,
    CASE grp WHEN 'faculty' THEN 'Dental Faculty' WHEN 'student' THEN 'Dental Student'
        WHEN 'staff' THEN 'Office Staff' ELSE 'Dental ' || grp END AS name,
    'base.group_user' AS "implied_ids/id",
    'Created by the axiUm migration for axiUm ' || grp || ' accounts.' AS comment,
    'provider' AS "_source_object",
    first_provider AS "_source_key",
    first_row.b AS "_batch_id",
    first_row.f AS "_source_file",
    first_row.r AS "_source_record"
FROM roles
