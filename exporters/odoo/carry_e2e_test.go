package odoo_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/odoo"
	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
	"github.com/axium2crm/axium2crm/fixtures"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// TestPushCarriesUnknownColumn: a patient export column the catalog does
// not know ("Medical Alert", free text) becomes an x_ text field the
// schema step creates on res.partner, and each pushed patient holds its
// value exactly as exported.
func TestPushCarriesUnknownColumn(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	export := filepath.Join(dir, "export")
	_, err := fixtures.Generate(ctx, fixtures.Options{Out: export, Patients: 8, Seed: 5, Format: "csv"})
	require.NoError(t, err)
	value := func(i int) string { return "  Latex allergy;\nsee chart " + string(rune('a'+i)) }
	path := filepath.Join(export, "patient.csv")
	b, err := os.Open(path)
	require.NoError(t, err)
	recs, err := csv.NewReader(b).ReadAll()
	b.Close()
	require.NoError(t, err)
	recs[0] = append(recs[0], "Medical Alert")
	keys := map[string]string{} // patient key → value
	for i := 1; i < len(recs); i++ {
		recs[i] = append(recs[i], value(i))
		keys[recs[i][0]] = value(i)
	}
	out, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, csv.NewWriter(out).WriteAll(recs))
	require.NoError(t, out.Close())

	dbPath := filepath.Join(dir, "staging.duckdb")
	require.NoError(t, runPipeline(ctx, dbPath, export, dir))
	wh, err := warehouse.Open(ctx, warehouse.Options{Path: dbPath})
	require.NoError(t, err)
	t.Cleanup(func() { _ = wh.Close() })
	f := &fixture{db: wh.DB(), export: export}
	f.confirm(t)
	var field string
	require.NoError(t, f.db.QueryRow(`SELECT odoo_field FROM meta.carried_column WHERE object = 'patient' AND raw_column = 'Medical Alert'`).Scan(&field))

	s := newServer(t, odootest.Options{})
	rep, err := odoo.Push(ctx, f.db, connect(t, s, "jsonrpc"), pushOpts())
	require.NoError(t, err)
	require.Empty(t, rep.Failures)
	fl, ok := s.Field("res.partner", field)
	require.True(t, ok, "the schema step created res.partner.%s", field)
	assert.Equal(t, []any{"text", true, "Medical Alert (axiUm column)"}, []any{fl.Type, fl.Custom, fl.Description})

	byID := map[int64]odootest.Record{}
	for _, r := range s.Records("res.partner") {
		byID[r["id"].(int64)] = r
	}
	for key, want := range keys {
		model, id, ok := s.XID("axium.patient_" + key)
		require.True(t, ok, key)
		require.Equal(t, "res.partner", model)
		assert.Equal(t, want, byID[id][field], "patient %s", key)
	}
}
