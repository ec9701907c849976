-- The newest finished push to Odoo: the run a verify concerns.
SELECT run_id FROM meta.push_run
WHERE destination = 'odoo' AND mode = 'push' AND status = 'finished'
ORDER BY run_id DESC
LIMIT 1
