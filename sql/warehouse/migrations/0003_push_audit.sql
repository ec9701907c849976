-- The audit log of every push (and later rollback and verify) to a CRM:
-- one row per run, one row per record the run created, updated, skipped or
-- failed, with the reason. Secrets never reach these tables.
CREATE SEQUENCE meta.push_run_seq START 1;

CREATE TABLE meta.push_run (
    run_id        BIGINT PRIMARY KEY,
    -- twenty or odoo
    destination   VARCHAR NOT NULL,
    -- push, rollback, verify, ...
    mode          VARCHAR NOT NULL,
    -- where the run went (URL and database, never a credential)
    target        VARCHAR,
    -- the options it ran with, for the reader of the log
    args          VARCHAR,
    -- running, finished, failed, cancelled, interrupted, abandoned (a
    -- verify interrupted and superseded by a newer one)
    status        VARCHAR NOT NULL,
    message       VARCHAR,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    -- how many times the run was resumed after an interruption
    resumes       INTEGER NOT NULL DEFAULT 0,
    -- for a rollback or verify: the push run it concerns
    parent_run    BIGINT
);

CREATE TABLE meta.push_record (
    run_id        BIGINT NOT NULL,
    destination   VARCHAR NOT NULL,
    -- the destination object or model (person, res.partner)
    object        VARCHAR NOT NULL,
    -- the warehouse table the record came from (twenty.person)
    table_name    VARCHAR NOT NULL,
    -- the axiUm key of the record (composite keys joined with '|')
    source_key    VARCHAR,
    -- the destination's id: a UUID for Twenty, an external id for Odoo
    dest_id       VARCHAR NOT NULL,
    -- the destination's database id where it has one (Odoo)
    dest_db_id    BIGINT,
    -- create, update, skip, fail, delete, restore
    action        VARCHAR NOT NULL,
    reason        VARCHAR,
    -- SHA-256 of the payload sent (or that would have been sent)
    payload_hash  VARCHAR,
    -- the destination's values before an update, as JSON, for rollback
    pre_image     VARCHAR,
    logged_at     TIMESTAMPTZ NOT NULL
);
