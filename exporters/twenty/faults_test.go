package twenty

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/exportertest"
	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
)

// faultPeople is the fixture's size (about 900 records), sent in batches
// of faultBatch: some 60 calls, two thirds of them record writes.
const (
	faultPeople = 150
	faultBatch  = 50
)

// faultTimeout is the client's HTTP timeout in these tests: what
// FaultTimeout waits out, well above FaultSlow's added latency.
const faultTimeout = time.Second

const maxResumes = 10

type faultRun struct {
	srv    *twentytest.Server
	faults *exportertest.Faults
	want   map[string]int
	wall   time.Duration
	// retries is what the client logged as retried or waited out.
	retries int
	// audit counts the run's audit entries by action.
	audit map[string]int64
	// resumes is how many times the push stopped on a fault and was
	// resumed (push --resume) before it finished.
	resumes int
}

// pushThroughFaults pushes a fresh fixture to a fresh server through a
// faulty proxy. When the push stops on a fault, it is run again as the
// user would (push --resume, or push when it stopped before its run
// began), with the faults still on, up to maxResumes times.
func pushThroughFaults(t *testing.T, opt exportertest.FaultOptions) faultRun {
	t.Helper()
	ctx := context.Background()
	wh, _ := openFixture(t, fixtureOpts{People: faultPeople, Files: 3})
	passTests(t, wh)
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
	faults, url := exportertest.StartFaulty(t, srv.URL, opt)
	c, logs := testClient(t, srv, func(c *Config) {
		c.BaseURL = url
		c.HTTPClient = &http.Client{Timeout: faultTimeout}
		c.BatchSize = faultBatch
	})
	m, err := NewMapper("America/New_York")
	require.NoError(t, err)
	o := PushOptions{Client: c, Mapper: m, Args: "push twenty"}
	run := faultRun{srv: srv, faults: faults, want: tableRows(t, wh)}
	start := time.Now()
	rep, again, err := exportertest.PushUntilDone(t, wh.DB(), Destination, maxResumes, func(resume bool) (PushReport, error) {
		o.Resume = resume
		return Push(ctx, wh.DB(), o)
	})
	run.resumes = again
	require.NoError(t, err)
	run.wall = time.Since(start)
	require.Empty(t, rep.Failures)
	faults.Settle()
	run.retries = strings.Count(logs.String(), `retrying"`) + strings.Count(logs.String(), `waiting"`)

	exportertest.AssertSettled(t, wh.DB(), Destination, rep.RunID)
	run.audit = auditCounts(t, wh, rep.RunID)
	return run
}

// schemaWrite is a call that creates or changes a custom object or field.
func schemaWrite(r *http.Request, _ []byte) bool {
	return r.Method != http.MethodGet && strings.HasPrefix(r.URL.Path, "/rest/metadata/")
}

func objectsOf(want map[string]int) []string {
	var out []string
	for o := range want {
		out = append(out, o)
	}
	sort.Strings(out)
	return out
}

// TestPushThroughFaults pushes the fixture through a proxy that fails
// calls at set rates, one kind of fault at a time and then all at once,
// and checks that the server ends holding exactly what an uninterrupted
// push leaves, each record created once and logged once. With -v it
// prints the figures: calls, faults injected, client retries, wall time
// next to a clean run's, records lost and doubled.
func TestPushThroughFaults(t *testing.T) {
	clean := pushThroughFaults(t, exportertest.FaultOptions{})
	objects := objectsOf(clean.want)
	want := clean.srv.State(objects...)
	cleanStats := clean.srv.Stats()
	require.Positive(t, clean.audit["create"])

	cases := []struct {
		name  string
		opt   exportertest.FaultOptions
		kinds []exportertest.FaultKind
		// rewrites says whether a write may reach the server twice (its
		// first answer lost): an upsert of the same values by id.
		rewrites bool
		// mayStop says the push may stop on a fault and need running
		// again. A custom field or object whose create answer was lost is
		// not such a fault: Twenty refuses the create sent again as a name
		// already taken, and the push finds what the lost attempt made
		// (TestPushSchemaCreateAnswerLost).
		mayStop bool
	}{
		{name: "500 at 10%", opt: exportertest.FaultOptions{Rates: exportertest.At(exportertest.Fault500, 0.10)}},
		{name: "500 at 30%", opt: exportertest.FaultOptions{Rates: exportertest.At(exportertest.Fault500, 0.30)}},
		{name: "429 storms at 5%", opt: exportertest.FaultOptions{Rates: exportertest.At(exportertest.FaultStorm, 0.05)}},
		{name: "429 storms, Retry-After, at 5%", opt: exportertest.FaultOptions{StormMin: 2, StormMax: 3,
			Rates: exportertest.At(exportertest.FaultStormRetryAfter, 0.05)}},
		{name: "resets at 10%", opt: exportertest.FaultOptions{Rates: exportertest.At(exportertest.FaultReset, 0.10)}},
		{name: "lost answers at 10%", rewrites: true, mayStop: true, opt: exportertest.FaultOptions{Rates: exportertest.At(exportertest.FaultLostAnswer, 0.10)}},
		{name: "timeouts at 8%", rewrites: true, mayStop: true, opt: exportertest.FaultOptions{Rates: exportertest.At(exportertest.FaultTimeout, 0.08)}},
		{name: "lost answers at 30% of schema writes", rewrites: true, opt: exportertest.FaultOptions{Only: schemaWrite,
			Rates: exportertest.At(exportertest.FaultLostAnswer, 0.30)}},
		{name: "slow server at 30%", opt: exportertest.FaultOptions{Rates: exportertest.At(exportertest.FaultSlow, 0.30)}},
		{name: "all at once, 3% each", rewrites: true, mayStop: true, opt: exportertest.FaultOptions{StormMin: 2, StormMax: 4, Rates: map[exportertest.FaultKind]float64{
			exportertest.Fault500: 0.03, exportertest.FaultStorm: 0.03, exportertest.FaultStormRetryAfter: 0.01, exportertest.FaultReset: 0.03,
			exportertest.FaultLostAnswer: 0.03, exportertest.FaultTimeout: 0.03, exportertest.FaultSlow: 0.03}}},
	}
	figures := exportertest.FaultFigures{{Faults: "none", Counts: clean.faults.Counts(), CleanCalls: clean.faults.Counts().Calls,
		Retries: clean.retries, Wall: clean.wall, Clean: clean.wall}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opt.Seed = exportertest.SeedOf(tc.name)
			run := pushThroughFaults(t, tc.opt)
			fc := run.faults.Counts()
			require.Positive(t, fc.Total(), "faults were injected")
			got := run.srv.State(objects...)
			stats := run.srv.Stats()
			lost, twice := 0, 0
			for _, o := range objects {
				for id := range want[o] {
					if _, ok := got[o][id]; !ok {
						lost++
					}
				}
				for id := range got[o] {
					if _, ok := want[o][id]; !ok {
						twice++
					}
				}
				twice += max(0, stats.Created[o]-cleanStats.Created[o])
				assert.Equal(t, want[o], got[o], "%s: the records of an uninterrupted push", o)
				assert.Equal(t, cleanStats.Created[o], stats.Created[o], "each %s created once", o)
			}
			rewrites := 0
			for _, n := range stats.Updated {
				rewrites += n
			}
			if !tc.mayStop {
				assert.Zero(t, run.resumes, "the push completes in one run")
			}
			if !tc.rewrites {
				assert.Zero(t, rewrites, "no write reached the server twice")
			}
			for _, a := range []string{"create", "update", "fail"} {
				// Skips and pending entries are logged again by a resume.
				assert.Equal(t, clean.audit[a], run.audit[a], "each record logged %s once, as the clean run logs it", a)
			}
			assert.Zero(t, lost, "records lost")
			assert.Zero(t, twice, "records created twice")
			figures = append(figures, exportertest.FaultFigure{Faults: tc.name, Counts: fc, CleanCalls: clean.faults.Counts().Calls,
				Retries: run.retries, Wall: run.wall, Clean: clean.wall, Lost: lost, Twice: twice, Rewrites: rewrites, Resumes: run.resumes})
			t.Logf("injected: %s (%d storms)", fc, fc.Storms)
		})
	}
	t.Logf("Twenty push of %d records through faults (calls: at the proxy; extra: over the clean push; retries: logged by the client; "+
		"rewrites: records sent again after a lost answer, the same values by id; resumes: pushes run again after the push stopped)\n%s",
		clean.audit["create"], figures)
}

// TestPushSchemaCreateAnswerLost: the answer to every custom object and
// field create is lost once Twenty has made it. The client sends the create
// again, Twenty refuses it as a name already taken, and the push reads the
// data model back and takes what it finds as its own create: it finishes
// in one run (no --resume), each object and field is created once, every
// create is in the audit log with the id Twenty gave it, and rollback
// --schema removes them all.
func TestPushSchemaCreateAnswerLost(t *testing.T) {
	for _, version := range twentytest.Versions {
		t.Run(version, func(t *testing.T) {
			ctx := context.Background()
			wh, _ := openFixture(t, fixtureOpts{People: 20})
			passTests(t, wh)
			srv := twentytest.New(t, twentytest.Options{RateLimit: -1, Version: version})
			// The first time a create is sent, and only then, its answer
			// is lost after the server made it.
			var mu sync.Mutex
			seen := map[string]bool{}
			faults, url := exportertest.StartFaulty(t, srv.URL, exportertest.FaultOptions{
				Rates: exportertest.At(exportertest.FaultLostAnswer, 1),
				Only: func(r *http.Request, body []byte) bool {
					if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/rest/metadata/") {
						return false
					}
					mu.Lock()
					defer mu.Unlock()
					first := !seen[string(body)]
					seen[string(body)] = true
					return first
				}})
			o := pushOpts(t, srv, func(c *Config) { c.BaseURL = url })

			rep, err := Push(ctx, wh.DB(), o)
			require.NoError(t, err, "the push finishes in one run")
			require.Empty(t, rep.Failures)
			faults.Settle()
			exportertest.AssertSettled(t, wh.DB(), Destination, rep.RunID)

			// What the push planned to create, by log name, and the ids the
			// server holds under those names.
			want := map[string]string{}
			for _, a := range rep.Schema {
				switch a.Kind {
				case "create object":
					obj, ok := srv.Object(a.Object)
					require.True(t, ok, "object %s exists", a.Object)
					want[SchemaObjectsTable+" "+a.Object] = obj.ID
				case "create field":
					obj, ok := srv.Object(a.Object)
					require.True(t, ok, "object %s exists", a.Object)
					f := fieldOf(obj, a.Field)
					require.NotNil(t, f, "field %s.%s exists", a.Object, a.Field)
					want[SchemaFieldsTable+" "+a.Object+"."+a.Field] = f.ID
				}
			}
			require.NotEmpty(t, want)
			assert.Equal(t, len(want), faults.Counts().Injected[exportertest.FaultLostAnswer], "every create's first answer was lost")
			assert.Equal(t, len(want), srv.Stats().MetaCreated, "each custom object and field created once")

			rows, err := wh.DB().Query(`SELECT table_name, object, dest_id FROM meta.push_record
				WHERE run_id = ? AND table_name IN (?, ?) AND action = 'create'`, rep.RunID, SchemaObjectsTable, SchemaFieldsTable)
			require.NoError(t, err)
			logged := map[string]string{}
			for rows.Next() {
				var table, name, id string
				require.NoError(t, rows.Scan(&table, &name, &id))
				assert.NotContains(t, logged, table+" "+name, "logged once")
				logged[table+" "+name] = id
			}
			require.NoError(t, rows.Err())
			rows.Close()
			assert.Equal(t, want, logged, "every create logged, with the id Twenty gave it")

			rb, err := Rollback(ctx, wh.DB(), RollbackOptions{Client: o.Client, PushRun: rep.RunID, Schema: true})
			require.NoError(t, err)
			assert.Len(t, rb.Schema, len(want))
			for _, a := range rep.Schema {
				obj, ok := srv.Object(a.Object)
				switch a.Kind {
				case "create object":
					assert.False(t, ok, "object %s removed", a.Object)
				case "create field":
					assert.True(t, !ok || fieldOf(obj, a.Field) == nil, "field %s.%s removed", a.Object, a.Field)
				}
			}
		})
	}
}

func fieldOf(o *twentytest.Object, name string) *twentytest.Field {
	for _, f := range o.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}
