-- Dental codes: CDT procedure codes, tooth designations, perio grades.

-- The CDT code without the local suffix a school adds for fee variants
-- (D0150.01, D2740A, D4341-PR, 'D1110 B' → D0150, D2740, D4341, D1110):
-- 'D' and four digits, then anything that does not continue the number.
-- NULL when the text is not a CDT code (blank, a CPT code, D123).
CREATE OR REPLACE MACRO util.cdt_base(t) AS
    CASE WHEN regexp_matches(upper(util.clean_text(t)), '^D[0-9]{4}([^0-9]|$)')
         THEN left(upper(util.clean_text(t)), 5) END;

-- The suffix after the base code, trimmed (".01", "A", "-PR"); NULL for none.
CREATE OR REPLACE MACRO util.cdt_suffix(t) AS
    CASE WHEN util.cdt_base(t) IS NOT NULL
         THEN util.clean_text(substr(upper(util.clean_text(t)), 6)) END;

CREATE OR REPLACE MACRO util.cdt_base_issue(t) AS
    CASE
        WHEN util.clean_text(t) IS NULL OR util.cdt_base(t) IS NOT NULL THEN NULL
        ELSE 'not a CDT code'
    END;

-- A tooth designation, upper-cased with a Universal number's leading zero
-- dropped ('08' → '8'), when it is valid in the US Universal system:
-- permanent 1-32, primary A-T, supernumerary 51-82 and AS-TS, or '++' for
-- several teeth. NULL when blank (whole-mouth procedures) or invalid.
-- FDI numbers are not accepted: 11-48 overlap Universal numbers.
CREATE OR REPLACE MACRO util.tooth_text(t) AS
    CASE WHEN regexp_full_match(util.clean_text(t), '0[1-9]') THEN substr(util.clean_text(t), 2)
         ELSE upper(util.clean_text(t)) END;

CREATE OR REPLACE MACRO util.tooth(t) AS
    CASE WHEN regexp_full_match(util.tooth_text(t), '[1-9]|[12][0-9]|3[0-2]|5[1-9]|[67][0-9]|8[0-2]|[A-T]S?|\+\+')
         THEN util.tooth_text(t) END;

-- TRUE for a valid designation (one tooth or '++'), FALSE for an invalid
-- one, NULL when blank: a blank tooth is a whole-mouth procedure, not an
-- error.
CREATE OR REPLACE MACRO util.tooth_valid(t) AS
    CASE WHEN util.clean_text(t) IS NULL THEN NULL ELSE util.tooth(t) IS NOT NULL END;

CREATE OR REPLACE MACRO util.tooth_issue(t) AS
    CASE WHEN util.tooth_valid(t) = false THEN 'invalid tooth' END;

-- What a valid designation names: permanent, primary, supernumerary or
-- several (the '++' of a quadrant or multi-tooth procedure).
CREATE OR REPLACE MACRO util.tooth_type(t) AS
    CASE
        WHEN util.tooth(t) IS NULL THEN NULL
        WHEN util.tooth(t) = '++' THEN 'several'
        WHEN regexp_full_match(util.tooth(t), '[A-T]') THEN 'primary'
        WHEN regexp_full_match(util.tooth(t), '[A-T]S|5[1-9]|[67][0-9]|8[0-2]') THEN 'supernumerary'
        ELSE 'permanent'
    END;

-- Furcation involvement grade 1-3 from the Glickman classes I, II, III
-- (also written 1-3); NULL when blank or anything else.
CREATE OR REPLACE MACRO util.furcation_grade(t) AS
    CASE upper(util.clean_text(t))
        WHEN 'I' THEN 1 WHEN '1' THEN 1
        WHEN 'II' THEN 2 WHEN '2' THEN 2
        WHEN 'III' THEN 3 WHEN '3' THEN 3
    END;

CREATE OR REPLACE MACRO util.furcation_issue(t) AS
    CASE
        WHEN util.clean_text(t) IS NULL OR util.furcation_grade(t) IS NOT NULL THEN NULL
        ELSE 'invalid furcation grade'
    END;

-- Why a code was found in the retired-code crosswalk (seeds/cdt_crosswalk):
-- used on or after the CDT version that deleted it (an entry error, since
-- a claim with it would be refused), used before it (history: the code was
-- right then and is mapped to its successor for today's catalogs), or
-- retired with no single successor (kept as exported). `old_code` is the
-- crosswalk row's old_code, NULL when the code is not retired.
CREATE OR REPLACE MACRO util.cdt_retired_issue(old_code, new_code, retired_in, service_date) AS
    CASE
        WHEN old_code IS NULL THEN NULL
        WHEN year(service_date) >= try_cast(retired_in AS INTEGER) THEN 'retired code used after its retirement'
        WHEN util.clean_text(new_code) IS NULL THEN 'retired code without successor'
        ELSE 'retired code mapped to successor'
    END;

-- The exam grain's chart (perio records of both CRMs): one site's measures,
-- or NULL for a site not charted ...
CREATE OR REPLACE MACRO util.perio_site_json(charted, pd, gm, cal, bleeding, suppuration, furcation) AS
    CASE WHEN charted THEN json_object('probing_depth', pd, 'gingival_margin', gm, 'cal', cal,
        'bleeding', bleeding, 'suppuration', suppuration, 'furcation', furcation) END;

-- ... and one tooth's entry, "tooth":{"mobility", "furcation", "sites"} with
-- the sites in the order MB B DB ML L DL.
CREATE OR REPLACE MACRO util.perio_tooth_json(tooth, mobility, furcation, s_mb, s_b, s_db, s_ml, s_l, s_dl) AS
    CAST(to_json(tooth) AS VARCHAR) || ':' || CAST(json_object('mobility', mobility, 'furcation', furcation,
        'sites', json_object('MB', s_mb, 'B', s_b, 'DB', s_db, 'ML', s_ml, 'L', s_l, 'DL', s_dl)) AS VARCHAR);

-- A tooth row of the perio models' tooth CTE (both CRMs': tooth, mobility,
-- furcation, has_<site> and <measure>_<site> for each site) as its chart
-- entry.
CREATE OR REPLACE MACRO util.perio_chart_entry(t) AS
    util.perio_tooth_json(t.tooth, t.mobility, t.furcation,
        util.perio_site_json(t.has_mb, t.pd_mb, t.gm_mb, t.cal_mb, t.bleeding_mb, t.suppuration_mb, t.furcation_mb),
        util.perio_site_json(t.has_b, t.pd_b, t.gm_b, t.cal_b, t.bleeding_b, t.suppuration_b, t.furcation_b),
        util.perio_site_json(t.has_db, t.pd_db, t.gm_db, t.cal_db, t.bleeding_db, t.suppuration_db, t.furcation_db),
        util.perio_site_json(t.has_ml, t.pd_ml, t.gm_ml, t.cal_ml, t.bleeding_ml, t.suppuration_ml, t.furcation_ml),
        util.perio_site_json(t.has_l, t.pd_l, t.gm_l, t.cal_l, t.bleeding_l, t.suppuration_l, t.furcation_l),
        util.perio_site_json(t.has_dl, t.pd_dl, t.gm_dl, t.cal_dl, t.bleeding_dl, t.suppuration_dl, t.furcation_dl));
