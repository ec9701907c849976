-- Helpers of the twenty.* models: Twenty's naming rules for option values
-- and field names, its phone and currency shapes, markdown escaping.

-- A select option value as Twenty wants it (UPPER_SNAKE_CASE, letters,
-- digits and underscores, not starting with a digit): 'Recall/Hygiene' →
-- 'RECALL_HYGIENE', 'No Show' → 'NO_SHOW', 'ALG-PCN' → 'ALG_PCN'.
CREATE OR REPLACE MACRO util.option_value(t) AS
    list_transform([upper(regexp_replace(regexp_replace(trim(CAST(t AS VARCHAR)), '[^A-Za-z0-9]+', '_', 'g'), '^_+|_+$', '', 'g'))],
        lambda v: CASE WHEN v = '' THEN NULL WHEN regexp_matches(v, '^[0-9]') THEN 'V_' || v ELSE v END)[1];

-- The words of a text for a camelCase name: lower case, apostrophes
-- dropped ("physician's" → "physicians"), split at anything that is not a
-- letter or digit and between letters and digits (lodash's camelCase splits
-- there too), and runs of one-letter words joined ("e.g." → "eg"): lodash
-- would read "EG" back as one word and the name would not survive
-- Twenty's camelCase(name) == name check.
CREATE OR REPLACE MACRO util.name_words(t) AS
    list_filter(string_split(
        regexp_replace(regexp_replace(
        regexp_replace(regexp_replace(regexp_replace(regexp_replace(
            lower(regexp_replace(CAST(t AS VARCHAR), '[''’]', '', 'g')),
            '[^a-z0-9]+', ' ', 'g'),
            '([0-9])([a-z])', '\1 \2', 'g'),
            '([a-z])([0-9])', '\1 \2', 'g'),
            '(^| )([a-z]) ([a-z])( |$)', '\1\2\3\4', 'g'),
            '(^| )([a-z]) ([a-z])( |$)', '\1\2\3\4', 'g'),
            '(^| )([a-z]) ([a-z])( |$)', '\1\2\3\4', 'g'),
        ' '), lambda w: w <> '');

-- camelCase of a text: 'HHX Are you under a physician''s care now?' →
-- 'hhxAreYouUnderAPhysiciansCareNow'. NULL when the text has no letters
-- or digits; a name must start with a letter, so one starting with a digit
-- gets a 'field' prefix.
CREATE OR REPLACE MACRO util.camel_name(t) AS
    list_transform([array_to_string(list_transform(util.name_words(t),
        lambda w, i: CASE WHEN i = 1 THEN w ELSE upper(w[1]) || w[2:] END), '')],
        lambda n: CASE WHEN n = '' THEN NULL WHEN regexp_matches(n, '^[0-9]') THEN 'field' || n ELSE n END)[1];

-- Twenty's PHONES parts of an E.164 number: {number, calling_code,
-- country_code}. North American numbers are read as US (+1 does not say
-- US or Canada; the clinics are US schools). Other country codes are
-- recognised for the countries patients of a US school most often give;
-- an unrecognised one keeps the whole number with no calling code (and the
-- person model reports it).
CREATE OR REPLACE MACRO util.phone_parts(e164) AS
    CASE
        WHEN e164 IS NULL THEN NULL
        WHEN e164 LIKE '+1%' THEN {'number': substr(e164, 3), 'calling_code': '+1', 'country_code': 'US'}
        WHEN e164 LIKE '+7%' THEN {'number': substr(e164, 3), 'calling_code': '+7', 'country_code': 'RU'}
        WHEN substr(e164, 2, 2) IN ('20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45',
            '46', '47', '48', '49', '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65',
            '66', '81', '82', '84', '86', '90', '91', '92', '93', '94', '95', '98')
            THEN {'number': substr(e164, 4), 'calling_code': substr(e164, 1, 3),
                  'country_code': CASE substr(e164, 2, 2)
                      WHEN '20' THEN 'EG' WHEN '27' THEN 'ZA' WHEN '30' THEN 'GR' WHEN '31' THEN 'NL' WHEN '32' THEN 'BE'
                      WHEN '33' THEN 'FR' WHEN '34' THEN 'ES' WHEN '36' THEN 'HU' WHEN '39' THEN 'IT' WHEN '40' THEN 'RO'
                      WHEN '41' THEN 'CH' WHEN '43' THEN 'AT' WHEN '44' THEN 'GB' WHEN '45' THEN 'DK' WHEN '46' THEN 'SE'
                      WHEN '47' THEN 'NO' WHEN '48' THEN 'PL' WHEN '49' THEN 'DE' WHEN '51' THEN 'PE' WHEN '52' THEN 'MX'
                      WHEN '53' THEN 'CU' WHEN '54' THEN 'AR' WHEN '55' THEN 'BR' WHEN '56' THEN 'CL' WHEN '57' THEN 'CO'
                      WHEN '58' THEN 'VE' WHEN '60' THEN 'MY' WHEN '61' THEN 'AU' WHEN '62' THEN 'ID' WHEN '63' THEN 'PH'
                      WHEN '64' THEN 'NZ' WHEN '65' THEN 'SG' WHEN '66' THEN 'TH' WHEN '81' THEN 'JP' WHEN '82' THEN 'KR'
                      WHEN '84' THEN 'VN' WHEN '86' THEN 'CN' WHEN '90' THEN 'TR' WHEN '91' THEN 'IN' WHEN '92' THEN 'PK'
                      WHEN '93' THEN 'AF' WHEN '94' THEN 'LK' WHEN '95' THEN 'MM' WHEN '98' THEN 'IR' END}
        ELSE {'number': e164, 'calling_code': NULL, 'country_code': NULL}
    END;

-- Twenty's CURRENCY amountMicros of a DECIMAL amount, exactly: DECIMAL
-- times an integer stays DECIMAL, and the cast to BIGINT is exact for
-- amounts with at most six decimals.
CREATE OR REPLACE MACRO util.amount_micros(amount) AS
    CAST(CAST(amount AS DECIMAL(38, 6)) * 1000000 AS BIGINT);

-- A value inside a markdown table cell: pipes escaped, line breaks as
-- spaces, NULL as an empty cell. The regex only changes a value with a line
-- break, so the rest (most cells, every date and amount) skips it: the
-- history notes run this on every ledger line and treatment.
CREATE OR REPLACE MACRO util.md_cell(v) AS
    coalesce(replace(
        CASE WHEN strpos(CAST(v AS VARCHAR), chr(10)) = 0 AND strpos(CAST(v AS VARCHAR), chr(13)) = 0 THEN CAST(v AS VARCHAR)
             ELSE regexp_replace(CAST(v AS VARCHAR), '\s*[\r\n]+\s*', ' ', 'g') END,
        '|', '\|'), '');

-- The host of a website as Twenty compares company domains: lower case,
-- without scheme, 'www.', path, port or trailing dot; NULL when the text
-- is not an http(s) URL or bare host name with a dot-separated domain.
CREATE OR REPLACE MACRO util.website_host(t) AS
    list_transform([lower(regexp_extract(trim(CAST(t AS VARCHAR)), '^(?:[A-Za-z][A-Za-z0-9+.-]*://)?([^/?#:\s]+)', 1))],
        lambda h: CASE
            WHEN NOT regexp_matches(lower(trim(CAST(t AS VARCHAR))), '^(https?://)?[^/?#:\s]+([:/?#].*)?$') THEN NULL
            WHEN regexp_full_match(regexp_replace(h, '^www\.', ''), '([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}')
                THEN regexp_replace(h, '^www\.', '')
        END)[1];
