-- Project metadata: load batches, the files they landed, rejected records,
-- and runs of the tool. Raw object tables live in schema raw and are created
-- by the loader from each export's header.
CREATE SCHEMA IF NOT EXISTS meta;
CREATE SCHEMA IF NOT EXISTS raw;

CREATE SEQUENCE meta.load_batch_seq START 1;

-- One row per `load` invocation: a delivery of export files.
CREATE TABLE meta.load_batch (
    batch_id     BIGINT PRIMARY KEY,
    source_dir   VARCHAR NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    -- running, finished, failed, cancelled
    status       VARCHAR NOT NULL,
    message      VARCHAR
);

-- One row per source file landed (or skipped as already loaded).
CREATE TABLE meta.load_file (
    batch_id       BIGINT NOT NULL,
    object         VARCHAR NOT NULL,
    source_file    VARCHAR NOT NULL,
    file_sha256    VARCHAR NOT NULL,
    size_bytes     BIGINT NOT NULL,
    format         VARCHAR NOT NULL,
    encoding       VARCHAR NOT NULL,
    delimiter      VARCHAR,
    columns        VARCHAR[] NOT NULL,
    rows_read      BIGINT NOT NULL,
    rows_loaded    BIGINT NOT NULL,
    rows_rejected  BIGINT NOT NULL,
    loaded_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (object, file_sha256)
);

-- Records the loader could not land, kept whole so nothing is lost.
CREATE TABLE meta.rejects (
    batch_id       BIGINT NOT NULL,
    object         VARCHAR NOT NULL,
    source_file    VARCHAR NOT NULL,
    -- ordinal of the record in the file (header excluded), as for raw rows
    source_record  BIGINT,
    -- physical line in the file where the record starts
    line           BIGINT,
    column_name    VARCHAR,
    error_type     VARCHAR NOT NULL,
    reason         VARCHAR NOT NULL,
    raw_text       VARCHAR,
    -- exact bytes when raw_text could not represent them (bad encoding)
    raw_bytes      BLOB
);

CREATE SEQUENCE meta.run_seq START 1;

-- One row per command that changes the warehouse beyond loading (model
-- runs, pushes). Recorded as started before work and finished after, so an
-- interrupted run is visible.
CREATE TABLE meta.run (
    run_id       BIGINT PRIMARY KEY,
    kind         VARCHAR NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    status       VARCHAR NOT NULL,
    detail       JSON
);
