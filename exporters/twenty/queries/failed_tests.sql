-- The newest outcome of every data test of the twenty models that did not
-- pass. A push refuses to start while any remains.
SELECT model, test, status, coalesce(failures, 0)
FROM (
    SELECT model, test, status, failures,
           row_number() OVER (PARTITION BY model, test ORDER BY tested_at DESC, run_id DESC) AS rn
    FROM meta.test_result
    WHERE model LIKE 'twenty\_%' ESCAPE '\'
)
WHERE rn = 1 AND status <> 'pass'
ORDER BY model, test
