-- Dates and timestamps in the shapes axiUm exports write them:
--   ISO      2021-03-04, 2021-03-04 10:00:00, 2021-03-04T10:00:00
--   US       03/04/2021, 3/4/21, 03/14/2024 09:30 AM, 03/14/2024 13:30:05
-- ISO wins: a text whose fifth character is '-' is read as year-month-day
-- and nothing else. Everything else with a '/' is month/day/year.
-- Timestamps stay local time as exported (TIMESTAMP, no zone): axiUm
-- records clinic wall-clock time.
--
-- These run on every date of every big table, so parse_ts has a fast path:
-- the padded shapes report writers use are recognised with LIKE (a length
-- and literal-character check) and sent straight to the one strptime
-- format or cast that fits. Everything else (unpadded or two-digit parts,
-- stray spaces, blanks, junk) goes to parse_ts_general, which is slower but
-- only sees those rows. Measured on 10M values, the fast path costs about
-- one strptime; a nested CASE with the century and range fixes around
-- every branch cost four to eight times that (DuckDB does not share common
-- subexpressions inside CASE branches), and a failed strptime or cast
-- costs about ten successful ones, so no format is ever tried on spec.

-- Two-digit years: yy is the latest year ending in yy that is not after
-- the run's pivot, util.two_digit_year_pivot(), which the runner defines:
-- the project's models.two_digit_year_pivot, else the year after the
-- newest load batch (pivot 2027 for an export loaded in 2026: 00-27 are
-- 2000-2027, 28-99 are 1928-1999), so elderly patients' birth dates and
-- next year's appointments are both right. The window is the export's,
-- not the calendar's: the same export gives the same dates whenever the
-- models run.
CREATE OR REPLACE MACRO util.year_of_yy(yy) AS
    util.two_digit_year_pivot() - (util.two_digit_year_pivot() - yy) % 100;

-- Whether a date text writes its year with one or two digits
-- (3/4/45, 03/04/45 10:00).
CREATE OR REPLACE MACRO util.has_short_year(t) AS
    list_transform([split_part(split_part(trim(t), ' ', 1), 'T', 1)], lambda d:
        contains(d, '/') AND length(split_part(d, '/', 3)) BETWEEN 1 AND 2)[1];

-- month/day/year with an optional 24- or 12-hour time; %Y reads a two-digit
-- year as year 00xx, which the caller moves into the window above.
CREATE OR REPLACE MACRO util.mdy_ts(x) AS
    CASE
        WHEN NOT contains(x, ':') THEN try_strptime(x, '%m/%d/%Y')
        WHEN contains(x, 'M') OR contains(x, 'm') THEN
            CASE WHEN length(x) - length(replace(x, ':', '')) = 2
                 THEN try_strptime(x, '%m/%d/%Y %I:%M:%S %p')
                 ELSE try_strptime(x, '%m/%d/%Y %I:%M %p') END
        WHEN length(x) - length(replace(x, ':', '')) = 2 THEN try_strptime(x, '%m/%d/%Y %H:%M:%S')
        ELSE try_strptime(x, '%m/%d/%Y %H:%M')
    END;

-- The slow path's fixes take their timestamp once through a one-element
-- list and a lambda: a macro argument used five times would be inlined
-- five times, and these expressions are planned in every date column of
-- every model.
CREATE OR REPLACE MACRO util.fix_year(ts) AS
    list_transform([ts], lambda v:
        CASE
            -- Years outside 1900-2099 are placeholders ("01/01/1800") or
            -- typos, not dates a dental school recorded.
            WHEN year(v) BETWEEN 1900 AND 2099 THEN v
            -- %Y reads a two-digit year as year 00xx.
            WHEN year(v) < 100 THEN v + to_years(util.year_of_yy(year(v)) - year(v))
        END)[1];

-- Any accepted shape; `x` is trimmed text or NULL.
CREATE OR REPLACE MACRO util.parse_ts_general(x) AS
    CASE
        WHEN x IS NULL THEN NULL
        WHEN substr(x, 5, 1) = '-' THEN
            CASE WHEN substr(x, 1, 2) IN ('19', '20') THEN try_cast(x AS TIMESTAMP) END
        WHEN contains(x, '/') THEN util.fix_year(util.mdy_ts(x))
    END;

-- A date and time, as TIMESTAMP; NULL when blank or not a valid date. The
-- fast-path shapes carry a 19xx or 20xx year, so they need neither the
-- century nor the range fix.
CREATE OR REPLACE MACRO util.parse_ts(t) AS
    CASE
        WHEN t LIKE '__/__/19__' OR t LIKE '__/__/20__' THEN try_strptime(t, '%m/%d/%Y')
        WHEN t LIKE '__/__/19__ __:__:__' OR t LIKE '__/__/20__ __:__:__' THEN try_strptime(t, '%m/%d/%Y %H:%M:%S')
        WHEN t LIKE '__/__/19__ __:__ _M' OR t LIKE '__/__/20__ __:__ _M' THEN try_strptime(t, '%m/%d/%Y %I:%M %p')
        WHEN t LIKE '19__-__-__%' OR t LIKE '20__-__-__%' THEN try_cast(t AS TIMESTAMP)
        ELSE util.parse_ts_general(util.clean_text(t))
    END;

-- A date; a time part, if any, is dropped.
CREATE OR REPLACE MACRO util.parse_date(t) AS
    CAST(util.parse_ts(t) AS DATE);

-- A birth date: never after the export. One a two-digit year put after
-- the newest load batch's date, util.export_date(), is of the century
-- before (12/01/26 in an export of June 2026 is 1926-12-01); a four-digit
-- year is left as written, for the data tests to catch.
CREATE OR REPLACE MACRO util.parse_birth_date(t) AS
    list_transform([util.parse_date(t)], lambda d:
        CASE WHEN d > util.export_date() AND util.has_short_year(t)
             THEN CAST(d - INTERVAL 100 YEAR AS DATE) ELSE d END)[1];

-- The date part's numbers, year first, whatever the shape: [y, m, d], NULL
-- entries where a part is not a number. Only runs for rows that failed.
CREATE OR REPLACE MACRO util.date_parts(x) AS
    list_transform([split_part(split_part(x, ' ', 1), 'T', 1)], lambda d:
        CASE
            WHEN substr(d, 5, 1) = '-' THEN
                [try_cast(split_part(d, '-', 1) AS INTEGER),
                 try_cast(split_part(d, '-', 2) AS INTEGER),
                 try_cast(split_part(d, '-', 3) AS INTEGER)]
            WHEN len(string_split(d, '/')) = 3 THEN
                [CASE WHEN length(split_part(d, '/', 3)) <= 2
                      THEN util.year_of_yy(try_cast(split_part(d, '/', 3) AS INTEGER))
                      ELSE try_cast(split_part(d, '/', 3) AS INTEGER) END,
                 try_cast(split_part(d, '/', 1) AS INTEGER),
                 try_cast(split_part(d, '/', 2) AS INTEGER)]
        END)[1];

CREATE OR REPLACE MACRO util.date_parts_issue(parts) AS
    list_transform([parts], lambda p:
        CASE
            WHEN p IS NULL OR p[1] IS NULL OR p[2] IS NULL OR p[3] IS NULL THEN 'unrecognised date'
            WHEN try(make_date(p[1], p[2], p[3])) IS NULL THEN 'impossible date'
            WHEN p[1] NOT BETWEEN 1900 AND 2099 THEN 'date out of range'
            ELSE 'unrecognised time'
        END)[1];

-- Why a non-blank text is not a timestamp (NULL when it parses or is
-- blank): 'impossible date' (02/30/2020, 00/15/2020, 02/29/2019),
-- 'date out of range', 'unrecognised time' (a good date with a bad time)
-- or 'unrecognised date'.
CREATE OR REPLACE MACRO util.parse_ts_issue(t) AS
    list_transform([util.clean_text(t)], lambda x:
        CASE
            WHEN x IS NULL OR util.parse_ts(x) IS NOT NULL THEN NULL
            ELSE util.date_parts_issue(util.date_parts(x))
        END)[1];

CREATE OR REPLACE MACRO util.parse_date_issue(t) AS
    util.parse_ts_issue(t);
