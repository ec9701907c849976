-- Helper of twenty.person (not a destination object): the latest answer to each custom-form question,
-- as extra_fields,
-- one row per patient. A table of its own so its per-patient aggregate states are
-- built alone, on one thread (see the .yml): at 1,000,000 patients they
-- did not fit a 2 GB memory limit inside twenty_person.
-- Keys in name order, so a re-run writes the same text: a list of
-- '"name":value' strings sorted once complete (field names are
-- alphanumeric, so sorting the strings sorts the names).
-- Four buckets of patients, aggregated one after another (one thread, see
-- the .yml): a bucket's per-patient lists are freed before the next is
-- built, so at most a quarter of them are in memory at once. At 1,000,000
-- patients the single aggregate did not fit a 2 GB memory limit; the
-- buckets do (20 s).
SELECT patient_id,
    CAST('{' || array_to_string(list_sort(list(CAST(to_json(field_name) AS VARCHAR) || ':' || CAST(value AS VARCHAR))), ',') || '}' AS JSON) AS extra_fields
FROM {{ ref "twenty_person_answer" }}
WHERE hash(patient_id) % 4 = 0
GROUP BY patient_id
UNION ALL
SELECT patient_id,
    CAST('{' || array_to_string(list_sort(list(CAST(to_json(field_name) AS VARCHAR) || ':' || CAST(value AS VARCHAR))), ',') || '}' AS JSON) AS extra_fields
FROM {{ ref "twenty_person_answer" }}
WHERE hash(patient_id) % 4 = 1
GROUP BY patient_id
UNION ALL
SELECT patient_id,
    CAST('{' || array_to_string(list_sort(list(CAST(to_json(field_name) AS VARCHAR) || ':' || CAST(value AS VARCHAR))), ',') || '}' AS JSON) AS extra_fields
FROM {{ ref "twenty_person_answer" }}
WHERE hash(patient_id) % 4 = 2
GROUP BY patient_id
UNION ALL
SELECT patient_id,
    CAST('{' || array_to_string(list_sort(list(CAST(to_json(field_name) AS VARCHAR) || ':' || CAST(value AS VARCHAR))), ',') || '}' AS JSON) AS extra_fields
FROM {{ ref "twenty_person_answer" }}
WHERE hash(patient_id) % 4 = 3
GROUP BY patient_id
