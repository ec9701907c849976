-- Referring practices and their contacts, typed.
WITH typed AS (
    SELECT
        src AS r,
        util.clean_text("Referral") AS referral_id,
        util.clean_name("PracticeName") AS practice_name,
        util.clean_name("ContactLastName") AS contact_last_name,
        util.clean_name("ContactFirstName") AS contact_first_name,
        util.clean_text("Specialty") AS specialty,
        util.phone_e164("Phone", 'US') AS phone,
        util.clean_email("Email") AS email,
        util.clean_text("Address1") AS address1,
        util.clean_text("City") AS city,
        upper(util.clean_text("State")) AS state,
        util.clean_text("Zip") AS zip,
        "_batch_id", "_source_file", "_source_record"
    FROM {{ source "referral_source" }} src
)
SELECT
    * EXCLUDE (r),
    util.dq_list([
        util.dq('Phone', r."Phone", util.phone_e164_issue(r."Phone", 'US')),
        util.dq('Email', r."Email", util.clean_email_issue(r."Email"))
    ]) AS _dq
FROM typed
