-- axiUm users (students, faculty, staff, administrators), typed. The e-mail
-- is what Twenty and Odoo match users by, so it is cleaned and checked.
WITH typed AS (
    SELECT
        src AS r,
        util.clean_text("Provider") AS provider_id,
        util.clean_name("LastName") AS last_name,
        util.clean_name("FirstName") AS first_name,
        util.clean_email("Email") AS email,
        util.clean_text("Login") AS login,
        util.clean_text("Role") AS role,
        util.clean_text("Discipline") AS discipline,
        CAST(util.parse_int("ClassYear") AS INTEGER) AS class_year,
        -- An NPI is ten digits; the check digit is not verified here.
        CASE WHEN regexp_full_match(util.clean_text("NPI"), '[0-9]{10}') THEN util.clean_text("NPI") END AS npi,
        util.clean_text("Clinic") AS clinic_id,
        util.yn("Active") AS is_active,
        util.parse_date("StartDate") AS start_date,
        util.clean_text("CodaCategory") AS coda_category,
        "_batch_id", "_source_file", "_source_record"
    FROM {{ source "provider" }} src
)
SELECT
    * EXCLUDE (r),
    util.dq_list([
        util.dq('Email', r."Email", util.clean_email_issue(r."Email")),
        util.dq_typed('ClassYear', r."ClassYear", class_year, util.parse_int_issue(r."ClassYear")),
        util.dq_typed('NPI', r."NPI", npi, 'invalid NPI'),
        util.dq_typed('Active', r."Active", is_active, util.yn_issue(r."Active")),
        util.dq_typed('StartDate', r."StartDate", start_date, util.parse_date_issue(r."StartDate"))
    ]) AS _dq
FROM typed
