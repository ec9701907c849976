{{define "newest_target"}}
-- The server of the newest push of a destination that no finished
-- rollback undid: the one the log says holds its records.
SELECT p.run_id, coalesce(p.target, '')
FROM meta.push_run p
WHERE p.destination = ? AND p.mode = 'push'
  AND NOT EXISTS (SELECT 1 FROM meta.push_run r
                  WHERE r.mode = 'rollback' AND r.parent_run = p.run_id AND r.status = 'finished')
ORDER BY p.run_id DESC
LIMIT 1
{{end}}
