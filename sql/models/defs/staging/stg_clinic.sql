-- Clinics (locations), typed.
WITH typed AS (
    SELECT
        src AS r,
        util.clean_text("Clinic") AS clinic_id,
        util.clean_name("Name") AS name,
        util.clean_text("Address1") AS address1,
        util.clean_text("City") AS city,
        upper(util.clean_text("State")) AS state,
        util.clean_text("Zip") AS zip,
        util.phone_e164("Phone", 'US') AS phone,
        "_batch_id", "_source_file", "_source_record"
    FROM {{ source "clinic" }} src
)
SELECT
    * EXCLUDE (r),
    util.dq_list([
        util.dq('Phone', r."Phone", util.phone_e164_issue(r."Phone", 'US'))
    ]) AS _dq
FROM typed
