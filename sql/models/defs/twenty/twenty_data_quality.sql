-- What the Twenty shaping changed or withheld from a record that did reach
-- Twenty, one row each, in staging.data_quality's shape (rows that did not
-- reach Twenty at all are counted in twenty.reconciliation, and their
-- causes listed in staging.data_quality).
SELECT 'twenty_person' AS model, "_source_object" AS object, "_source_key" AS record_key, 'Email' AS "column",
    "_withheld_email" AS raw_value,
    'e-mail shared with ' || "_email_kept_on" || ': kept there, withheld here (Twenty primary e-mails are unique)' AS reason,
    "_source_file", "_source_record"
FROM {{ ref "twenty_person" }}
WHERE "_withheld_email" IS NOT NULL
UNION ALL
SELECT 'twenty_company', "_source_object", "_source_key", 'Website', website,
    CASE WHEN util.website_host(website) IS NULL THEN 'website is not a valid URL: not used as the domain'
         ELSE 'website host shared with another company: not used as the domain (Twenty domains are unique)' END,
    "_source_file", "_source_record"
FROM {{ ref "twenty_company" }}
WHERE website IS NOT NULL AND domain_name__primary_link_url IS NULL
UNION ALL
SELECT 'twenty_person', "_source_object", "_source_key", 'Phone', phones__primary_phone_number,
    'phone country code not recognised: the whole number is sent without calling code',
    "_source_file", "_source_record"
FROM {{ ref "twenty_person" }}
WHERE phones__primary_phone_number IS NOT NULL AND phones__primary_phone_calling_code IS NULL
