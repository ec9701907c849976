package twenty

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/fixtures"
	"github.com/axium2crm/axium2crm/sql/models"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// TestPushCarriesUnknownColumn: a patient export column the catalog does
// not know ("Remarks", free text) becomes a custom TEXT field the push
// creates on person, and each pushed patient holds its value exactly as
// exported.
func TestPushCarriesUnknownColumn(t *testing.T) {
	ctx := context.Background()
	export := filepath.Join(t.TempDir(), "export")
	_, err := fixtures.Generate(ctx, fixtures.Options{Out: export, Patients: 8, Seed: 5, Format: "csv"})
	require.NoError(t, err)
	value := func(i int) string { return " Prefers mornings;\nno latex " + string(rune('a'+i)) + "  " }
	path := filepath.Join(export, "patient.csv")
	in, err := os.Open(path)
	require.NoError(t, err)
	recs, err := csv.NewReader(in).ReadAll()
	in.Close()
	require.NoError(t, err)
	recs[0] = append(recs[0], "Remarks")
	want := map[string]string{} // axium_id → value
	for i := 1; i < len(recs); i++ {
		recs[i] = append(recs[i], value(i))
		want["patient:"+recs[i][0]] = value(i)
	}
	out, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, csv.NewWriter(out).WriteAll(recs))
	require.NoError(t, out.Close())

	wh, err := warehouse.Open(ctx, warehouse.Options{Path: filepath.Join(t.TempDir(), "w.duckdb"), Threads: 1})
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	set, err := models.Read(models.Embedded())
	require.NoError(t, err)
	rw := &realWarehouse{wh: wh, set: set, export: export}
	rw.load(t, export)

	srv := newServer(t)
	rep, err := Push(ctx, wh.DB(), pushOpts(t, srv, nil))
	require.NoError(t, err)
	require.Empty(t, rep.Failures)

	person, ok := srv.Object("person")
	require.True(t, ok)
	var created *struct{ typ, label string }
	for _, f := range person.Fields {
		if f.Name == "remarks" {
			created = &struct{ typ, label string }{f.Type, f.Label}
			assert.True(t, f.IsCustom)
		}
	}
	require.NotNil(t, created, "the push created person.remarks")
	assert.Equal(t, "TEXT", created.typ)
	assert.Equal(t, "Remarks", created.label)

	rows, err := wh.DB().Query(`SELECT id, axium_id FROM twenty.person WHERE person_type = 'PATIENT'`)
	require.NoError(t, err)
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id, axiumID string
		require.NoError(t, rows.Scan(&id, &axiumID))
		rec, ok := srv.Record("person", id)
		require.True(t, ok, axiumID)
		assert.Equal(t, want[axiumID], rec["remarks"], axiumID)
		n++
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, len(want), n)
}
