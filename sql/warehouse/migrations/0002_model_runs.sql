-- What each model run built, and each data test's latest outcome.
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS twenty;
CREATE SCHEMA IF NOT EXISTS odoo;
CREATE SCHEMA IF NOT EXISTS seeds;
CREATE SCHEMA IF NOT EXISTS util;

CREATE TABLE meta.model_run (
    run_id        BIGINT NOT NULL,
    model         VARCHAR NOT NULL,
    schema_name   VARCHAR NOT NULL,
    file          VARCHAR NOT NULL,
    fingerprint   VARCHAR NOT NULL,
    materialized  VARCHAR NOT NULL,
    -- success, error, skipped (an upstream model failed)
    status        VARCHAR NOT NULL,
    row_count     BIGINT,
    seconds       DOUBLE,
    message       VARCHAR,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ
);

CREATE TABLE meta.test_result (
    run_id       BIGINT NOT NULL,
    model        VARCHAR NOT NULL,
    fingerprint  VARCHAR NOT NULL,
    test         VARCHAR NOT NULL,
    -- pass, fail, error
    status       VARCHAR NOT NULL,
    failures     BIGINT,
    samples      VARCHAR[],
    message      VARCHAR,
    tested_at    TIMESTAMPTZ NOT NULL
);
