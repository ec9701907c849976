package main

import (
	"database/sql"
	"testing"

	"github.com/stretchr/testify/require"
)

// markBuiltAndTested records a fixture's destination tables as built by
// one model run and tested after it, as `axium2crm run` and `axium2crm
// test` would: the push gate reads both.
func markBuiltAndTested(t *testing.T, db *sql.DB, schema string) {
	t.Helper()
	_, err := db.Exec(`INSERT INTO meta.model_run
		SELECT r.id, ? || '_' || table_name, ?, 'fixture', 'fp-' || table_name, 'table', 'success', NULL, 0, NULL, now(), now()
		FROM `+schema+`.object_plan, (SELECT nextval('meta.run_seq') AS id) r`, schema, schema)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO meta.test_result
		SELECT r.id, ? || '_' || table_name, 'fp-' || table_name, 'not_null(id)', 'pass', 0, NULL, NULL, now()
		FROM `+schema+`.object_plan, (SELECT nextval('meta.run_seq') AS id) r`, schema)
	require.NoError(t, err)
}
