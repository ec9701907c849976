{{define "gate"}}
-- Every model of the destination's schema as its newest build left it,
-- with the newest data-test run of the model and, of that run, the tests
-- that did not pass. A push needs each model built, and the tests of each
-- tested model run after that build and passing.
WITH built AS (
    SELECT model, run_id, status, fingerprint
    FROM meta.model_run
    WHERE schema_name = ?
    QUALIFY row_number() OVER (PARTITION BY model ORDER BY run_id DESC, started_at DESC) = 1
),
tested AS (
    SELECT model, max(run_id) AS run_id
    FROM meta.test_result
    GROUP BY model
),
outcome AS (
    SELECT t.model, t.run_id,
           bool_and(t.fingerprint = b.fingerprint) AS same_fingerprint,
           list(t.test || ': ' || t.status ORDER BY t.test) FILTER (WHERE t.status <> 'pass') AS failing
    FROM meta.test_result t
    JOIN tested USING (model, run_id)
    JOIN built b USING (model)
    GROUP BY t.model, t.run_id
)
SELECT b.model, b.status, b.run_id, coalesce(o.run_id, 0), coalesce(o.same_fingerprint, true),
       coalesce(array_to_string(o.failing, '; '), '')
FROM built b
LEFT JOIN outcome o USING (model)
ORDER BY b.model
{{end}}
