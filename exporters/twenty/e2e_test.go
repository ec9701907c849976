package twenty

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"os"
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
	rw.rerun(t)
}

// rerun builds every model and runs the data tests again, and confirms
// the map.
func (rw *realWarehouse) rerun(t *testing.T) {
	t.Helper()
	ctx := context.Background()
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
		_, ok := storedFile(ref, a)
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
	// through its batches, then resumed. That server keeps its records
	// compact, in a file mapped into memory: what it stores and answers is
	// the same.
	rw2 := buildReal(t, 40, 11)
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1, Compact: true, ChunkDir: t.TempDir()})
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

// deltaExport writes a newer export of patients and appointments to a new
// directory: the rows of the keys in change get edit applied, and extra
// rows (copies of the first row given new keys) are added.
func deltaExport(t *testing.T, from, object string, change map[string]func(map[string]string), extra ...func(map[string]string)) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "delta-"+object)
	require.NoError(t, os.MkdirAll(dir, 0o700))
	f, err := os.Open(filepath.Join(from, object+".csv"))
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	head := recs[0]
	asMap := func(r []string) map[string]string {
		m := map[string]string{}
		for i, h := range head {
			m[h] = r[i]
		}
		return m
	}
	back := func(m map[string]string) []string {
		out := make([]string, len(head))
		for i, h := range head {
			out[i] = m[h]
		}
		return out
	}
	edited := 0
	for i, r := range recs[1:] {
		if edit, ok := change[r[0]]; ok {
			m := asMap(r)
			edit(m)
			recs[i+1] = back(m)
			edited++
		}
	}
	require.Equal(t, len(change), edited, "every key to change is in %s", object)
	for _, add := range extra {
		m := asMap(recs[1])
		add(m)
		recs = append(recs, back(m))
	}
	out, err := os.Create(filepath.Join(dir, object+".csv"))
	require.NoError(t, err)
	w := csv.NewWriter(out)
	require.NoError(t, w.WriteAll(recs))
	require.NoError(t, out.Close())
	return dir
}

// payloadHashes are the payload hashes of every table's rows, by object
// and id: what a push compares with the log.
func payloadHashes(t *testing.T, wh *warehouse.Warehouse) map[string]map[string]string {
	t.Helper()
	ctx := context.Background()
	plan, err := ReadPlan(ctx, wh.DB())
	require.NoError(t, err)
	m, _ := NewMapper("America/New_York")
	out := map[string]map[string]string{}
	for _, o := range plan.Objects {
		rows, err := m.ReadTable(ctx, wh.DB(), o.Table, nil)
		require.NoError(t, err)
		out[o.NameSingular] = map[string]string{}
		for _, r := range rows {
			h, err := payloadHash(r, o.NameSingular == "attachment")
			require.NoError(t, err)
			out[o.NameSingular][r.ID] = h
		}
	}
	return out
}

// TestPushDelta loads a newer export in which a few patients and
// appointments changed (and one appointment is new), re-runs the models
// and pushes: exactly the rows whose payload changed are sent. Then an
// appointment disappears from the source: the push reports it (and its
// task target) as gone and leaves it, until --propagate-deletes destroys
// it.
func TestPushDelta(t *testing.T) {
	ctx := context.Background()
	rw := buildReal(t, 40, 11)
	srv := newServer(t)
	_, err := Push(ctx, rw.wh.DB(), pushOpts(t, srv, nil))
	require.NoError(t, err)
	before := payloadHashes(t, rw.wh)

	var p1, p2 string
	require.NoError(t, rw.wh.DB().QueryRow(`SELECT min(id), max(id) FROM twenty.person WHERE _source_object = 'patient'`).Scan(&p1, &p2))
	var k1, k2 string
	require.NoError(t, rw.wh.DB().QueryRow(`SELECT (SELECT _source_key FROM twenty.person WHERE id = ?), (SELECT _source_key FROM twenty.person WHERE id = ?)`, p1, p2).Scan(&k1, &k2))
	patients := deltaExport(t, rw.export, "patient", map[string]func(map[string]string){
		k1: func(m map[string]string) { m["City"] = "Akron" },
		k2: func(m map[string]string) { m["Email"] = "new.address." + k2 + "@example.org" },
	})
	var a1, a2 string
	require.NoError(t, rw.wh.DB().QueryRow(`SELECT min(_source_key), max(_source_key) FROM twenty.task WHERE _source_object = 'appointment'`).Scan(&a1, &a2))
	appts := deltaExport(t, rw.export, "appointment", map[string]func(map[string]string){
		a1: func(m map[string]string) { m["Notes"] = "Patient asked for a morning slot" },
		a2: func(m map[string]string) { m["Duration"] = "90" },
	}, func(m map[string]string) { m["Appointment"] = "990001"; m["Notes"] = "added in the newer export" })
	rw.load(t, patients)
	rw.load(t, appts)
	after := payloadHashes(t, rw.wh)

	// What changed, counted from the tables themselves.
	want := map[string][2]int{} // object → create, update
	for obj, rows := range after {
		for id, h := range rows {
			old, ok := before[obj][id]
			switch {
			case !ok:
				w := want[obj]
				w[0]++
				want[obj] = w
			case old != h:
				w := want[obj]
				w[1]++
				want[obj] = w
			}
		}
	}
	assert.Equal(t, 2, want["person"][1], "two patients changed")
	assert.Equal(t, 1, want["task"][0], "one new appointment")
	assert.GreaterOrEqual(t, want["task"][1], 2, "two appointments changed")

	stats := srv.Stats()
	rep, err := Push(ctx, rw.wh.DB(), pushOpts(t, srv, nil))
	require.NoError(t, err)
	assert.Empty(t, rep.Failures)
	assert.Empty(t, rep.Gone)
	got := map[string][2]int{}
	for _, c := range rep.Objects {
		if c.Create+c.Update > 0 {
			got[c.Object] = [2]int{c.Create, c.Update}
		}
		assert.Equal(t, len(after[c.Object])-c.Create-c.Update, c.Skip, "the rest of %s skipped", c.Object)
	}
	assert.Equal(t, want, got, "exactly the new and changed rows are sent, per object")
	st := srv.Stats()
	for obj, w := range want {
		assert.Equal(t, w[0], st.Created[obj]-stats.Created[obj], "%s created at the destination", obj)
		assert.Equal(t, w[1], st.Updated[obj]-stats.Updated[obj], "%s updated at the destination", obj)
	}
	rec, ok := srv.Record("person", p1)
	require.True(t, ok)
	assert.Equal(t, "Akron", rec["city"])

	// An appointment disappears from the source.
	var gone string
	require.NoError(t, rw.wh.DB().QueryRow(`SELECT id FROM twenty.task WHERE _source_object = 'appointment' AND _source_key = ?`, a1).Scan(&gone))
	_, err = rw.wh.DB().Exec(`DELETE FROM raw.appointment WHERE "Appointment" = ?`, a1)
	require.NoError(t, err)
	rw.rerun(t)
	rep, err = Push(ctx, rw.wh.DB(), pushOpts(t, srv, nil))
	require.NoError(t, err)
	goneBy := map[string][]string{}
	for _, g := range rep.Gone {
		for _, r := range g.Records {
			goneBy[g.Object] = append(goneBy[g.Object], r.DestID)
		}
		assert.Zero(t, g.Deleted)
	}
	assert.Equal(t, []string{gone}, goneBy["task"])
	assert.Len(t, goneBy["taskTarget"], 1)
	_, ok = srv.Record("task", gone)
	assert.True(t, ok, "reported, not deleted")

	o := pushOpts(t, srv, nil)
	o.PropagateDeletes = true
	rep, err = Push(ctx, rw.wh.DB(), o)
	require.NoError(t, err)
	_, ok = srv.Record("task", gone)
	assert.False(t, ok, "destroyed with --propagate-deletes")
	_, ok = srv.Record("taskTarget", goneBy["taskTarget"][0])
	assert.False(t, ok)
	assert.EqualValues(t, 2, auditCounts(t, rw.wh, rep.RunID)["delete"])

	rep, err = Push(ctx, rw.wh.DB(), o)
	require.NoError(t, err)
	assert.Empty(t, rep.Gone, "nothing left to report once deleted")
}
