package twenty

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
	"github.com/axium2crm/axium2crm/fixtures"
	"github.com/axium2crm/axium2crm/loaders"
	"github.com/axium2crm/axium2crm/sql/models"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// realWarehouse is a warehouse built the way a user builds one: a
// generated axiUm export, loaded, every embedded model run, the data tests
// run and the map confirmed.
type realWarehouse struct {
	wh     *warehouse.Warehouse
	set    *models.Set
	export string
}

func buildReal(t *testing.T, patients int, seed uint64) *realWarehouse {
	t.Helper()
	ctx := context.Background()
	export := filepath.Join(t.TempDir(), "export")
	_, err := fixtures.Generate(ctx, fixtures.Options{Out: export, Patients: patients, Seed: seed, Format: "csv"})
	require.NoError(t, err)
	wh, err := warehouse.Open(ctx, warehouse.Options{Path: filepath.Join(t.TempDir(), "w.duckdb"), Threads: 1})
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	set, err := models.Read(models.Embedded())
	require.NoError(t, err)
	rw := &realWarehouse{wh: wh, set: set, export: export}
	rw.load(t, export)
	return rw
}

// load lands an export directory, re-runs the models and the data tests,
// and confirms the map (as a person would after reviewing it).
func (rw *realWarehouse) load(t *testing.T, export string) {
	t.Helper()
	ctx := context.Background()
	rep, err := loaders.Load(ctx, rw.wh.DB(), export, loaders.Options{Specs: loaders.DefaultSpecs(), TempDir: t.TempDir()})
	require.NoError(t, err)
	require.False(t, rep.Failed())
	sources := models.Sources(loaders.DefaultSpecs())
	run, err := rw.set.Run(ctx, rw.wh.DB(), models.RunOptions{Sources: sources, TempDir: t.TempDir()})
	require.NoError(t, err)
	for _, r := range run.Results {
		require.Equal(t, "success", r.Status, "%s: %s", r.Model, r.Message)
	}
	res, err := rw.set.Test(ctx, rw.wh.DB(), nil, sources)
	require.NoError(t, err)
	for _, r := range res {
		if strings.HasPrefix(r.Model, "twenty_") {
			require.Equal(t, "pass", r.Status, "%s %s: %s %v", r.Model, r.Test, r.Message, r.Samples)
		}
	}
	confirmMap(t, rw.wh)
}

func newServer(t *testing.T) *twentytest.Server {
	return twentytest.New(t, twentytest.Options{RateLimit: -1})
}

// TestPushRealModels pushes what the real models build from a generated
// export: one destination record per twenty.* row, a second push sends
// nothing, and a push killed half-way then resumed ends exactly as an
// uninterrupted push into a fresh server.
func TestPushRealModels(t *testing.T) {
	ctx := context.Background()
	rw := buildReal(t, 40, 11)
	want := tableRows(t, rw.wh)
	for o, n := range want {
		require.Positive(t, n, "the fixture gives every object rows (%s)", o)
	}

	ref := newServer(t)
	rep, err := Push(ctx, rw.wh.DB(), pushOpts(t, ref, nil))
	require.NoError(t, err)
	assert.Empty(t, rep.Failures)
	assert.Equal(t, want, serverCounts(ref, want), "one destination record per table row")
	for _, c := range rep.Objects {
		assert.Equal(t, want[c.Object], c.Create, "created %s", c.Object)
	}
	for _, a := range ref.Records("attachment") {
		_, ok := ref.File(a["fullPath"].(string))
		assert.True(t, ok, "attachment %s points at its uploaded file", a["id"])
	}

	before := ref.Stats()
	rep2, err := Push(ctx, rw.wh.DB(), pushOpts(t, ref, nil))
	require.NoError(t, err)
	after := ref.Stats()
	assert.Equal(t, before.Created, after.Created, "second push creates nothing")
	assert.Equal(t, before.Updated, after.Updated, "second push updates nothing")
	for _, c := range rep2.Objects {
		assert.Equal(t, want[c.Object], c.Skip, "every %s skipped", c.Object)
		assert.Zero(t, c.Create+c.Update+c.Fail, c.Object)
	}

	// The same warehouse state pushed into a fresh server, killed half-way
	// through its batches, then resumed.
	rw2 := buildReal(t, 40, 11)
	srv := newServer(t)
	var batches atomic.Int32
	total := len(before.BatchSizes)
	kctx, kill := context.WithCancel(ctx)
	srv.FailWhen(func(_ int, r *http.Request) twentytest.Fault {
		if strings.HasPrefix(r.URL.Path, "/rest/batch/") && int(batches.Add(1)) == total/2 {
			kill()
			return twentytest.DropAfter
		}
		return twentytest.NoFault
	})
	_, err = Push(kctx, rw2.wh.DB(), pushOpts(t, srv, nil))
	require.ErrorIs(t, err, context.Canceled)
	partial := totalRows(serverCounts(srv, want))
	require.Greater(t, partial, 0)
	require.Less(t, partial, totalRows(want))
	srv.FailWhen(nil)
	o := pushOpts(t, srv, nil)
	o.Resume = true
	_, err = Push(ctx, rw2.wh.DB(), o)
	require.NoError(t, err)
	for obj := range want {
		assertSameRecords(t, obj, ref.Records(obj), srv.Records(obj))
	}
}

// assertSameRecords compares two stores record by record, ignoring what
// the server stamps itself and the random upload paths (compared by the
// file they point at instead, in the caller).
func assertSameRecords(t *testing.T, object string, want, got map[string]map[string]any) {
	t.Helper()
	if !assert.Equal(t, len(want), len(got), "%s records", object) {
		return
	}
	w, g := comparable(want), comparable(got)
	n := 0
	for id, rec := range w {
		if !assert.Equal(t, rec, g[id], "%s %s", object, id) {
			n++
		}
		if n > 3 {
			assert.Fail(t, fmt.Sprintf("%s: more records differ", object))
			return
		}
	}
}
