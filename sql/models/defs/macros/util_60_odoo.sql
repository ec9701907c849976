-- Odoo helpers: external ids, selection values, HTML.

-- The external id of an axiUm record in module axium: 'axium.patient_100001'.
-- Odoo splits an external id at its first dot, so the key keeps only
-- letters, digits, '_' and '-' (a composite key's '|' becomes '-'); NULL
-- when the key is NULL. The unique tests on every id catch a collision.
CREATE OR REPLACE MACRO util.odoo_xid(object, key) AS
    'axium.' || object || '_' || regexp_replace(CAST(key AS VARCHAR), '[^A-Za-z0-9_-]', '-', 'g');

-- A selection value from an axiUm code or label: lower case, runs of other
-- characters as one '_' ('No Show' → 'no_show', 'Checked In' →
-- 'checked_in'). Any value the data holds gets one, so nothing is refused;
-- field_plan lists the values present.
CREATE OR REPLACE MACRO util.odoo_sel(t) AS
    nullif(trim(regexp_replace(lower(trim(CAST(t AS VARCHAR))), '[^a-z0-9]+', '_', 'g'), '_'), '');

-- Text made safe inside HTML (Odoo's Html fields are sanitised, but a
-- note's "<" must read as a character, not as markup), with line breaks as
-- <br>. Text with none of those characters (most of it) is returned as it
-- is: one regex test is a quarter of the cost of seven replaces.
CREATE OR REPLACE MACRO util.html_text(t) AS
    CASE WHEN NOT regexp_matches(CAST(t AS VARCHAR), '[&<>"''\n]') THEN CAST(t AS VARCHAR)
    ELSE replace(replace(replace(replace(replace(replace(replace(CAST(t AS VARCHAR),
        '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;'), chr(13) || chr(10), '<br>'), chr(10), '<br>')
    END;

-- One labelled paragraph of an HTML body, or '' when the text is blank.
CREATE OR REPLACE MACRO util.html_section(label, t) AS
    CASE WHEN t IS NOT NULL THEN '<p><strong>' || label || '</strong><br>' || util.html_text(t) || '</p>' ELSE '' END;
