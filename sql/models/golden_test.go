package models_test

import (
	"context"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/fixtures"
	"github.com/axium2crm/axium2crm/loaders"
	"github.com/axium2crm/axium2crm/sql/models"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

var update = flag.Bool("update", false, "rewrite the golden files from this run")

// catalogSources is the SourceObject list for the built-in catalog.
func catalogSources() []models.SourceObject { return models.Sources(loaders.DefaultSpecs()) }

// catalogSpecs is the built-in catalog as the loader sees it by default.
func catalogSpecs() []loaders.Spec { return loaders.DefaultSpecs() }

// buildFixture generates, loads and runs every embedded model.
func buildFixture(t *testing.T, opt fixtures.Options) (*warehouse.Warehouse, *models.Set) {
	t.Helper()
	ctx := context.Background()
	opt.Out = t.TempDir()
	_, err := fixtures.Generate(ctx, opt)
	require.NoError(t, err)
	wh, err := warehouse.Open(ctx, warehouse.Options{Path: filepath.Join(t.TempDir(), "w.duckdb")})
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	rep, err := loaders.Load(ctx, wh.DB(), opt.Out, loaders.Options{Specs: catalogSpecs(), TempDir: t.TempDir()})
	require.NoError(t, err)
	require.False(t, rep.Failed())
	set, err := models.Read(models.Embedded())
	require.NoError(t, err)
	run, err := set.Run(ctx, wh.DB(), models.RunOptions{Sources: catalogSources(), TempDir: t.TempDir()})
	require.NoError(t, err)
	for _, r := range run.Results {
		require.Equal(t, "success", r.Status, "%s: %s", r.Model, r.Message)
	}
	return wh, set
}

// TestGoldenDestinationTables compares every twenty.* and odoo.* table built
// from a small fixed fixture with the CSV checked in under
// testdata/golden, row by row. Run with -update after a deliberate change.
func TestGoldenDestinationTables(t *testing.T) {
	wh, set := buildFixture(t, fixtures.Options{Patients: 12, Seed: 3, Format: "csv"})
	if compareGolden(t, wh, set, nil) == 0 {
		t.Skip("no twenty or odoo models yet")
	}
	if *update {
		return
	}
	// The batched models again, in passes of about a third of their
	// parent's rows: the same tables, so no row is lost or written twice
	// by the shares their SQL marks.
	var batched []string
	for _, name := range set.Order {
		if b := set.Models[name].Config.Batches; b != nil {
			var n int64
			require.NoError(t, wh.DB().QueryRow("SELECT count(*) FROM "+set.Models[b.Of].Relation()).Scan(&n))
			b.Rows = max(1, n/3)
			batched = append(batched, name)
		}
	}
	require.NotEmpty(t, batched)
	run, err := set.Run(context.Background(), wh.DB(), models.RunOptions{Sources: catalogSources(), TempDir: t.TempDir(), Select: batched})
	require.NoError(t, err)
	for _, r := range run.Results {
		require.Equal(t, "success", r.Status, "%s: %s", r.Model, r.Message)
		assert.GreaterOrEqual(t, r.Passes, int64(3), r.Model)
	}
	compareGolden(t, wh, set, batched)
}

// compareGolden compares the destination tables (those named in only, if
// any) with their golden files, or rewrites them with -update, and returns
// how many it compared.
func compareGolden(t *testing.T, wh *warehouse.Warehouse, set *models.Set, only []string) int {
	seen := 0
	for _, name := range set.Order {
		m := set.Models[name]
		if m.Schema != "twenty" && m.Schema != "odoo" || only != nil && !slices.Contains(only, name) {
			continue
		}
		seen++
		t.Run(m.Schema+"."+name, func(t *testing.T) {
			got := dumpSorted(t, wh, m)
			path := filepath.Join("testdata", "golden", m.Schema, name+".csv")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				f, err := os.Create(path)
				require.NoError(t, err)
				w := csv.NewWriter(f)
				require.NoError(t, w.WriteAll(got))
				require.NoError(t, f.Close())
				return
			}
			f, err := os.Open(path)
			require.NoError(t, err, "no golden file: run go test ./sql/models -run Golden -update")
			defer f.Close()
			want, err := csv.NewReader(f).ReadAll()
			require.NoError(t, err)
			require.Equal(t, want[0], got[0], "columns of %s", name)
			assert.Equal(t, len(want), len(got), "rows of %s", name)
			for i := 1; i < len(want) && i < len(got); i++ {
				if !assert.Equal(t, want[i], got[i], "%s row %d", name, i) {
					break
				}
			}
		})
	}
	return seen
}

// dumpSorted returns the table as text rows, header first, sorted so the
// comparison does not depend on build order.
func dumpSorted(t *testing.T, wh *warehouse.Warehouse, m *models.Model) [][]string {
	rows, err := wh.DB().Query("SELECT * FROM " + m.Relation())
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		rec := make([]string, len(cols))
		for i, v := range vals {
			rec[i] = text(v)
		}
		out = append(out, rec)
	}
	require.NoError(t, rows.Err())
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i], "\x00") < strings.Join(out[j], "\x00") })
	return append([][]string{cols}, out...)
}
