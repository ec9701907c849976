{{define "last_measured_push"}}
-- The newest push to a target that sent records and finished in one go (a
-- resumed run's timestamps span the time it lay interrupted).
SELECT r.run_id
FROM meta.push_run r
WHERE r.destination = ? AND r.mode = 'push' AND coalesce(r.target, '') = ?
  AND r.status = 'finished' AND r.resumes = 0
  AND EXISTS (SELECT 1 FROM meta.push_record p WHERE p.run_id = r.run_id AND p.action IN ('create', 'update'))
ORDER BY r.run_id DESC
LIMIT 1
{{end}}

{{define "push_table_times"}}
-- Each table of one push: the records it created or updated, when the
-- first of them was logged pending (before its write) and when the last
-- answer was logged, in milliseconds since the epoch.
SELECT table_name,
       count(*) FILTER (WHERE action IN ('create', 'update')) AS records,
       epoch_ms(min(logged_at) FILTER (WHERE action = 'pending')) AS first_pending,
       epoch_ms(max(logged_at) FILTER (WHERE action IN ('create', 'update', 'fail'))) AS last_answer
FROM meta.push_record
WHERE run_id = ?
GROUP BY table_name
HAVING count(*) FILTER (WHERE action IN ('create', 'update')) > 0
   AND min(logged_at) FILTER (WHERE action = 'pending') IS NOT NULL
ORDER BY last_answer, table_name
{{end}}

{{define "row_count"}}
SELECT count(*) FROM {{.}}
{{end}}
