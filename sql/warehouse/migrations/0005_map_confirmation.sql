-- The proposed field map of a destination (its object_plan and field_plan
-- tables) must be confirmed by a person before any record moves. Each
-- confirmation records the hash of the map it saw; a push checks that the
-- map it is about to apply is one a person confirmed.
CREATE TABLE meta.map_confirmation (
    destination   VARCHAR NOT NULL,
    map_hash      VARCHAR NOT NULL,
    -- who confirmed (the operating-system user, or --by)
    confirmed_by  VARCHAR NOT NULL,
    confirmed_at  TIMESTAMPTZ NOT NULL,
    -- the model run whose tables were reviewed
    run_id        BIGINT,
    objects       INTEGER NOT NULL,
    fields        INTEGER NOT NULL,
    note          VARCHAR
);
