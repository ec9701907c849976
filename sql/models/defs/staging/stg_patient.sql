-- Patient cards, typed: names trimmed, e-mail lower-cased and checked,
-- phones in E.164, dates and the soft-delete flag typed. Every value that
-- could not be typed, or was changed on the way, is listed in _dq with its
-- raw text; a duplicated card stays (twice) for the unique test and
-- dq_duplicates to report.
WITH typed AS (
    SELECT
        src AS r,
        util.clean_text("Patient") AS patient_id,
        util.clean_text("Chart") AS chart_number,
        util.clean_name("LastName") AS last_name,
        util.clean_name("FirstName") AS first_name,
        util.clean_name("MiddleName") AS middle_name,
        util.clean_name("PreferredName") AS preferred_name,
        util.parse_birth_date("BirthDate") AS birth_date,
        upper(util.clean_text("Gender")) AS gender,
        util.clean_text("Address1") AS address1,
        util.clean_text("Address2") AS address2,
        util.clean_text("City") AS city,
        upper(util.clean_text("State")) AS state,
        util.clean_text("Zip") AS zip,
        util.phone_e164("HomePhone", 'US') AS home_phone,
        util.phone_e164("CellPhone", 'US') AS cell_phone,
        util.phone_e164("WorkPhone", 'US') AS work_phone,
        util.clean_email("Email") AS email,
        util.clean_text("Status") AS status,
        -- Blank when the patient is their own guarantor.
        util.clean_text("Guarantor") AS guarantor_id,
        util.clean_text("GuarantorRelationship") AS guarantor_relationship,
        util.clean_text("AssignedProvider") AS assigned_provider_id,
        util.clean_text("Clinic") AS clinic_id,
        util.clean_text("Referral") AS referral_id,
        util.clean_text("Language") AS language,
        util.parse_ts("CreatedDate") AS created_at,
        util.parse_ts("ModifiedDate") AS modified_at,
        coalesce(util.yn("Deleted"), false) AS is_deleted,
        "_batch_id", "_source_file", "_source_record"
    FROM {{ source "patient" }} src
)
SELECT
    * EXCLUDE (r),
    util.dq_list([
        util.dq_typed('BirthDate', r."BirthDate", birth_date, util.parse_date_issue(r."BirthDate")),
        util.dq('HomePhone', r."HomePhone", util.phone_e164_issue(r."HomePhone", 'US')),
        util.dq('CellPhone', r."CellPhone", util.phone_e164_issue(r."CellPhone", 'US')),
        util.dq('WorkPhone', r."WorkPhone", util.phone_e164_issue(r."WorkPhone", 'US')),
        util.dq('Email', r."Email", util.clean_email_issue(r."Email")),
        util.dq_typed('CreatedDate', r."CreatedDate", created_at, util.parse_ts_issue(r."CreatedDate")),
        util.dq_typed('ModifiedDate', r."ModifiedDate", modified_at, util.parse_ts_issue(r."ModifiedDate")),
        util.dq('Deleted', r."Deleted", util.yn_issue(r."Deleted"))
    ]) AS _dq
FROM typed
