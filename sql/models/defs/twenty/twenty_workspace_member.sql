-- Workspace members: the active axiUm users with an e-mail, invited by
-- e-mail so task assignees resolve. Twenty matches members by e-mail, so a
-- shared address keeps the first provider by key. Role permissions are
-- rebuilt in Twenty (axiUm roles do not map): the role travels as
-- providerRole on the provider's person. _person_id links the member to
-- that person; Twenty's workspaceMember has no such field, hence metadata.
SELECT
    util.det_uuid('workspace_member', p."_source_key") AS id,
    p.name__first_name,
    p.name__last_name,
    v.email AS user_email,
    -- Twenty's workspaceMember takes no custom fields: the role and the
    -- axiUm id ride as metadata.
    p.provider_role AS "_provider_role",
    p.axium_id AS "_axium_id",
    p.id AS "_person_id",
    'provider' AS "_source_object",
    p."_source_key",
    p."_batch_id", p."_source_file", p."_source_record"
FROM {{ ref "twenty_person" }} p
JOIN (SELECT t.* FROM {{ ref "stg_provider" }} t
      ANTI JOIN {{ ref "later_copies" }} c ON c.model = 'stg_provider'
          AND c."_batch_id" = t."_batch_id" AND c."_source_file" = t."_source_file" AND c."_source_record" = t."_source_record") v
  ON v.provider_id = p."_source_key"
WHERE p.person_type = 'PROVIDER' AND v.is_active AND v.email IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY v.email ORDER BY v.provider_id) = 1
