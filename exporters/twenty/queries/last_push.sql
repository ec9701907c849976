-- The newest finished push to Twenty: what verify compares against.
SELECT run_id FROM meta.push_run
WHERE destination = 'twenty' AND mode = 'push' AND status = 'finished'
ORDER BY run_id DESC
LIMIT 1
