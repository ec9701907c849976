-- Numbers and flags. DuckDB's casts are lenient in ways an export must not
-- be ('1e3', '0x1F' and '1_000' cast to numbers, '5.5' rounds to an integer,
-- '12.345' rounds to cents), so each text is checked against the shape it
-- must have before it is cast. RE2 full matches on short strings cost about
-- as much as the cast itself, far less than a failed cast.

-- Money as DECIMAL(18,2), never DOUBLE. Accepted: 125.00, -40, 0, +3.5, .50,
-- report forms with a dollar sign and thousands separators ($1,200.00,
-- -$40.00) and accounting negatives in brackets ((40.00)). Refused: more
-- than two decimals (12.345), because rounding would invent or lose a cent
-- of a ledger that must balance; the issue says so.
CREATE OR REPLACE MACRO util.money_text(x) AS
    CASE
        WHEN regexp_full_match(x, '[+-]?([0-9]+(\.[0-9]{0,2})?|\.[0-9]{1,2})') THEN x
        WHEN regexp_full_match(x, '-?\$?([0-9]{1,3}(,[0-9]{3})*|[0-9]+)(\.[0-9]{1,2})?') THEN replace(replace(x, '$', ''), ',', '')
        WHEN regexp_full_match(x, '\(\$?([0-9]{1,3}(,[0-9]{3})*|[0-9]+)(\.[0-9]{1,2})?\)') THEN '-' || replace(replace(replace(replace(x, '$', ''), ',', ''), '(', ''), ')', '')
    END;

CREATE OR REPLACE MACRO util.parse_money(t) AS
    try_cast(util.money_text(util.clean_text(t)) AS DECIMAL(18, 2));

CREATE OR REPLACE MACRO util.parse_money_issue(t) AS
    CASE
        WHEN util.clean_text(t) IS NULL OR util.parse_money(t) IS NOT NULL THEN NULL
        WHEN regexp_full_match(util.clean_text(t), '[(+-]?\$?[0-9,]*\.[0-9]{3,}\)?') THEN 'more than two decimals'
        ELSE 'not an amount'
    END;

-- A whole number: optional sign and digits only.
CREATE OR REPLACE MACRO util.parse_int(t) AS
    CASE WHEN regexp_full_match(util.clean_text(t), '[+-]?[0-9]{1,18}') THEN CAST(util.clean_text(t) AS BIGINT) END;

CREATE OR REPLACE MACRO util.parse_int_issue(t) AS
    CASE
        WHEN util.clean_text(t) IS NULL OR util.parse_int(t) IS NOT NULL THEN NULL
        ELSE 'not a whole number'
    END;

-- Yes/no flags as BOOLEAN: Y/N, Yes/No, 1/0, T/F, True/False in any case.
-- axiUm writes soft-delete and inactive flags as 0/1 and perio flags as Y/N.
CREATE OR REPLACE MACRO util.yn(t) AS
    CASE
        WHEN upper(util.clean_text(t)) IN ('Y', 'YES', '1', 'T', 'TRUE') THEN true
        WHEN upper(util.clean_text(t)) IN ('N', 'NO', '0', 'F', 'FALSE') THEN false
    END;

CREATE OR REPLACE MACRO util.yn_issue(t) AS
    CASE
        WHEN util.clean_text(t) IS NULL OR util.yn(t) IS NOT NULL THEN NULL
        ELSE 'not a yes/no value'
    END;

-- A value outside [lo, hi]: `reason`, else NULL. For range checks of typed
-- values (perio measurements, ordinals).
CREATE OR REPLACE MACRO util.range_issue(v, lo, hi, reason) AS
    CASE WHEN v IS NOT NULL AND (v < lo OR v > hi) THEN reason END;
