-- Helper of twenty.person (not a destination object): the latest answer to each custom-form question,
-- as extra_fields,
-- one row per patient. A table of its own so its per-patient aggregate states are
-- built alone, on one thread, in passes over shares of the patients (see
-- the .yml): list states cannot spill to disk, and at 1,000,000 patients
-- they did not fit a 2 GB memory limit in one pass.
-- Keys in name order, so a re-run writes the same text: a list of
-- '"name":value' strings sorted once complete (field names are
-- alphanumeric, so sorting the strings sorts the names).
SELECT patient_id,
    CAST('{' || array_to_string(list_sort(list(CAST(to_json(field_name) AS VARCHAR) || ':' || CAST(value AS VARCHAR))), ',') || '}' AS JSON) AS extra_fields
FROM {{ ref "twenty_person_answer" }}
WHERE {{ batch "patient_id" }}
GROUP BY patient_id
