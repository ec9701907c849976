-- The carry decisions: one row per raw column that is neither a catalog
-- column nor a loader bookkeeping column. The runner adds a row (decision
-- 'carry') the first time it sees such a column and never changes a row
-- afterwards, so a name, once given, stays; a person's decision 'ignore'
-- keeps the column out of every destination table and field plan.
CREATE TABLE IF NOT EXISTS meta.carried_column (
    object       VARCHAR NOT NULL,
    raw_column   VARCHAR NOT NULL,
    twenty_field VARCHAR NOT NULL,
    odoo_field   VARCHAR NOT NULL,
    label        VARCHAR NOT NULL,
    decision     VARCHAR NOT NULL DEFAULT 'carry' CHECK (decision IN ('carry', 'ignore')),
    decided_at   TIMESTAMP,
    PRIMARY KEY (object, raw_column)
)
