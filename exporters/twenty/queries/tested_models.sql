-- How many twenty models have any recorded data test outcome.
SELECT count(DISTINCT model) FROM meta.test_result WHERE model LIKE 'twenty\_%' ESCAPE '\'
