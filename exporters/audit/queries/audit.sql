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
