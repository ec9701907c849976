package mapping_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/mapping"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

func open(t *testing.T) *sql.DB {
	t.Helper()
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(t.TempDir(), "w.duckdb")})
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	return wh.DB()
}

func TestConfirmGatesTheMap(t *testing.T) {
	ctx := context.Background()
	db := open(t)

	_, err := mapping.Read(ctx, db, "twenty")
	require.ErrorIs(t, err, mapping.ErrNoPlan)

	for _, s := range []string{
		"CREATE TABLE twenty.object_plan AS SELECT * FROM (VALUES ('company', 1), ('person', 2)) v(object_name_singular, load_order)",
		"CREATE TABLE twenty.field_plan AS SELECT * FROM (VALUES ('person', 'alertFlag', 'MULTI_SELECT', '[\"LATEX\"]')) v(object, field_name, type, options)",
	} {
		_, err := db.Exec(s)
		require.NoError(t, err)
	}
	_, err = mapping.Require(ctx, db, "twenty")
	var nc *mapping.NotConfirmedError
	require.ErrorAs(t, err, &nc)
	assert.Contains(t, err.Error(), "never been confirmed")
	assert.Contains(t, err.Error(), "axium2crm map twenty --confirm")

	m, err := mapping.Read(ctx, db, "twenty")
	require.NoError(t, err)
	assert.Len(t, m.Objects, 2)
	assert.Len(t, m.Fields, 1)
	_, err = mapping.Confirm(ctx, db, m, "", "", 0)
	require.Error(t, err, "who confirms is required")
	c, err := mapping.Confirm(ctx, db, m, "analyst", "reviewed with the clinic", 3)
	require.NoError(t, err)
	assert.Equal(t, m.Hash, c.Hash)

	got, err := mapping.Require(ctx, db, "twenty")
	require.NoError(t, err)
	assert.Equal(t, "analyst", got.Confirmed.By)

	// Rebuilding the same content keeps the confirmation.
	_, err = db.Exec("CREATE OR REPLACE TABLE twenty.object_plan AS SELECT * FROM (VALUES ('person', 2), ('company', 1)) v(object_name_singular, load_order)")
	require.NoError(t, err)
	_, err = mapping.Require(ctx, db, "twenty")
	require.NoError(t, err)

	// A new option brought by the data is a new map.
	_, err = db.Exec("UPDATE twenty.field_plan SET options = '[\"LATEX\",\"PENICILLIN\"]'")
	require.NoError(t, err)
	_, err = mapping.Require(ctx, db, "twenty")
	require.ErrorAs(t, err, &nc)
	assert.Contains(t, err.Error(), "changed since analyst confirmed it")

	// Another destination's confirmation does not count.
	_, err = mapping.Read(ctx, db, "odoo")
	require.ErrorIs(t, err, mapping.ErrNoPlan)
}
