-- Data tests of the odoo models that did not pass in their model's latest
-- test run: a push refuses to send data that failed its tests.
SELECT t.model, t.test, t.status, coalesce(t.failures, 0) AS failures
FROM meta.test_result t
WHERE t.model LIKE 'odoo\_%' ESCAPE '\'
  AND t.run_id = (SELECT max(run_id) FROM meta.test_result l WHERE l.model = t.model)
  AND t.status <> 'pass'
ORDER BY t.model, t.test
