{{define "unfinished"}}
SELECT run_id, destination, mode, coalesce(target, ''), coalesce(args, ''), status, started_at, resumes
FROM meta.push_run
WHERE destination = ? AND mode = ? AND status IN ('running', 'interrupted', 'cancelled', 'failed')
  AND run_id > coalesce((SELECT max(run_id) FROM meta.push_run WHERE destination = ? AND mode = ? AND status = 'finished'), 0)
ORDER BY run_id DESC
LIMIT 1
{{end}}

{{define "last_hashes"}}
-- The newest create, update, restore or delete of each record: a record
-- whose newest entry is a delete no longer exists at the destination.
SELECT dest_id, payload_hash, dest_db_id
FROM (
    SELECT dest_id, payload_hash, dest_db_id, action,
           row_number() OVER (PARTITION BY dest_id ORDER BY logged_at DESC, run_id DESC) AS rn
    FROM meta.push_record
    WHERE destination = ? AND table_name = ? AND action IN ('create', 'update', 'restore', 'delete')
)
WHERE rn = 1 AND action <> 'delete'
{{end}}

{{define "summary"}}
SELECT table_name, action, count(*) AS records
FROM meta.push_record
WHERE run_id = ?
GROUP BY ALL
ORDER BY table_name, action
{{end}}

{{define "gone"}}
-- Records the destination holds (by the log) that the current table no
-- longer has: deleted or filtered out in axiUm since they were pushed.
SELECT l.dest_id, coalesce(l.source_key, ''), coalesce(l.dest_db_id, 0)
FROM (
    SELECT dest_id, source_key, dest_db_id, action,
           row_number() OVER (PARTITION BY dest_id ORDER BY logged_at DESC, run_id DESC) AS rn
    FROM meta.push_record
    WHERE destination = ? AND table_name = ? AND action IN ('create', 'update', 'restore', 'delete')
) l
WHERE l.rn = 1 AND l.action <> 'delete'
  AND l.dest_id NOT IN (SELECT CAST({{.IDColumn}} AS VARCHAR) FROM {{.Relation}} WHERE {{.IDColumn}} IS NOT NULL)
ORDER BY l.dest_id
{{end}}

{{define "undo_plan"}}
-- What a push run wrote (creates and updates, with pre-images), minus what
-- an earlier rollback of that run already undid: a rollback re-run after an
-- interruption carries on where it stopped.
SELECT p.table_name, p.object, p.dest_id, coalesce(p.dest_db_id, 0), p.action, coalesce(p.pre_image, ''), coalesce(p.source_key, '')
FROM meta.push_record p
WHERE p.run_id = ? AND p.action IN ('create', 'update')
  AND NOT EXISTS (
      SELECT 1 FROM meta.push_record u JOIN meta.push_run r ON r.run_id = u.run_id
      WHERE r.mode = 'rollback' AND r.parent_run = p.run_id
        AND u.dest_id = p.dest_id AND u.table_name = p.table_name AND u.action IN ('delete', 'restore')
  )
QUALIFY row_number() OVER (PARTITION BY p.table_name, p.dest_id ORDER BY p.logged_at) = 1
ORDER BY p.table_name, p.dest_id
{{end}}
