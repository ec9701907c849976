-- Names, e-mail addresses and phone numbers.

-- A name trimmed with inner runs of whitespace collapsed to one space; NULL
-- when blank. Case is kept: "McDonald" and "de la Cruz" cannot be recased
-- safely.
CREATE OR REPLACE MACRO util.clean_name(t) AS
    util.clean_text(regexp_replace(t, '\s+', ' ', 'g'));

-- The address lower-cased and trimmed, or NULL when it is blank or not a
-- plausible address: one @, a dot-separated local part, a domain of
-- letter/digit labels and a top-level domain of two letters or more. Not the
-- whole of RFC 5322 on purpose: quoted local parts and IP literals do not
-- occur in a patient file and a CRM would refuse them.
CREATE OR REPLACE MACRO util.clean_email(t) AS
    CASE WHEN regexp_full_match(lower(util.clean_text(t)),
        '[a-z0-9!#$%&''*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&''*+/=?^_`{|}~-]+)*@([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}')
    THEN lower(util.clean_text(t)) END;

-- Why an e-mail was refused or changed. Lower-casing keeps the address but
-- changes the exported text, so it is reported too.
CREATE OR REPLACE MACRO util.clean_email_issue(t) AS
    CASE
        WHEN util.clean_text(t) IS NULL THEN NULL
        WHEN util.clean_email(t) IS NULL THEN 'invalid email'
        WHEN util.clean_text(t) <> lower(util.clean_text(t)) THEN 'email lower-cased'
    END;

-- Phones. The macros are flat (each input appears a few times at the top
-- of one CASE) because DuckDB inlines a macro's arguments and does not
-- share common subexpressions inside CASE branches: a nested formulation
-- ran each regex dozens of times per value.

-- The number part of a phone field: a trailing extension ("x12", "ext. 12",
-- "extension 12") and a note in brackets ("(cell)") are cut off.
CREATE OR REPLACE MACRO util.phone_main(t) AS
    regexp_replace(trim(t), '\s*(\([A-Za-z ]*\)|[Xx]|[Ee][Xx][Tt]\.?|[Ee]xtension)\s*[0-9]*\s*$', '');

-- The digits (and a leading +) with a North American number rewritten to
-- +1 and ten digits: '(614) 555-0134', '1-614-555-0134', '+1.614.555.0134'
-- all become '+16145550134'. A '+' followed by another country code stays
-- as written, digits only. Area code and exchange never start with 0 or 1.
CREATE OR REPLACE MACRO util.phone_normal(t) AS
    regexp_replace(regexp_replace(util.phone_main(t), '[^0-9+]', '', 'g'),
        '^(?:\+?1)?([2-9][0-9]{2}[2-9][0-9]{6})$', '+1\1');

-- E.164 form of a phone number, or NULL. Without a leading + only North
-- American numbering is understood (country 'US', the default, or 'CA'):
-- 10 digits, or 11 starting with 1. With a leading + any country code is
-- accepted with 8 to 15 digits in all (+1 numbers must have 11).
CREATE OR REPLACE MACRO util.phone_e164(t, country := 'US') AS
    CASE
        WHEN regexp_full_match(util.phone_normal(t), '\+1[2-9][0-9]{2}[2-9][0-9]{6}')
             AND (upper(coalesce(country, 'US')) IN ('US', 'CA') OR starts_with(trim(t), '+'))
            THEN util.phone_normal(t)
        WHEN regexp_full_match(util.phone_normal(t), '\+[2-9][0-9]{7,14}') AND starts_with(trim(t), '+')
            THEN util.phone_normal(t)
    END;

-- 'phone extension dropped' when the field carried an extension, which
-- E.164 has no place for.
CREATE OR REPLACE MACRO util.phone_extension_issue(t) AS
    CASE WHEN regexp_matches(t, '([Xx]|[Ee][Xx][Tt]\.?|[Ee]xtension)\s*[0-9]+\s*$') THEN 'phone extension dropped' END;

-- Why a phone number was refused, or what was dropped from it.
CREATE OR REPLACE MACRO util.phone_e164_issue(t, country := 'US') AS
    CASE
        WHEN util.clean_text(t) IS NULL THEN NULL
        WHEN util.phone_e164(t, country) IS NOT NULL THEN util.phone_extension_issue(t)
        WHEN NOT starts_with(trim(t), '+') AND upper(coalesce(country, 'US')) NOT IN ('US', 'CA') THEN 'phone country not supported'
        ELSE 'invalid phone number'
    END;
