-- Snapshots: every model run keeps an immutable copy of the destination-ready
-- tables it left behind. A copy lives once in schema snap, named by its
-- content, and is shared by every snapshot whose table had that content, so
-- an unchanged table costs no disk however many runs keep it.
CREATE SCHEMA IF NOT EXISTS snap;

CREATE TABLE meta.snapshot (
    -- the model run (meta.run) that produced it
    snapshot_id   BIGINT PRIMARY KEY,
    created_at    TIMESTAMPTZ NOT NULL,
    -- active, rolled_back (a later rollback returned to an earlier one)
    status        VARCHAR NOT NULL,
    -- set on the snapshot a rollback restored: when it was restored
    restored_at   TIMESTAMPTZ
);

CREATE TABLE meta.snapshot_table (
    snapshot_id   BIGINT NOT NULL,
    model         VARCHAR NOT NULL,
    schema_name   VARCHAR NOT NULL,
    table_name    VARCHAR NOT NULL,
    fingerprint   VARCHAR,
    row_count     BIGINT NOT NULL,
    -- order-independent hash of every row, with the row count
    content_hash  VARCHAR NOT NULL,
    -- the copy in schema snap holding the rows
    storage       VARCHAR NOT NULL,
    -- the model's key, for diffs
    key_columns   VARCHAR[] NOT NULL,
    PRIMARY KEY (snapshot_id, model)
);
