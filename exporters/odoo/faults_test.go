package odoo_test

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/exportertest"
	"github.com/axium2crm/axium2crm/exporters/odoo"
	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
)

// faultPatients is the fixture's size: about 400 records, some 80 calls.
const faultPatients = 40

// faultTimeout is the client's HTTP timeout in these tests: what
// FaultTimeout waits out, well above FaultSlow's added latency.
const faultTimeout = time.Second

const maxResumes = 10

type faultRun struct {
	srv     *odootest.Server
	faults  *exportertest.Faults
	rows    map[string]int
	wall    time.Duration
	resumes int
}

// pushThroughFaults pushes a fresh fixture to a fresh server through a
// faulty proxy (logging in before the faults start). When the push stops
// on a fault, it is run again as the user would (push --resume, or push
// when it stopped before its run began), with the faults still on, up to
// maxResumes times.
func pushThroughFaults(t *testing.T, opt exportertest.FaultOptions) faultRun {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t, faultPatients)
	s := newServer(t, odootest.Options{})
	rates := opt.Rates
	opt.Rates = nil
	faults, url := exportertest.StartFaulty(t, s.URL, opt)
	c, err := odoo.Dial(ctx, odoo.Config{URL: url, DB: "odoo", User: "admin", Password: testPassword,
		Backoff: time.Millisecond, HTTPClient: &http.Client{Timeout: faultTimeout}})
	require.NoError(t, err)
	faults.SetRates(rates)
	run := faultRun{srv: s, faults: faults, rows: f.rows(t)}
	o := pushOpts()
	start := time.Now()
	rep, again, err := exportertest.PushUntilDone(t, f.db, odoo.Destination, maxResumes, func(resume bool) (*odoo.Report, error) {
		o.Resume = resume
		return odoo.Push(ctx, f.db, c, o)
	})
	run.resumes = again
	require.NoError(t, err)
	run.wall = time.Since(start)
	require.Empty(t, rep.Failures)
	faults.Settle()

	exportertest.AssertSettled(t, f.db, odoo.Destination, rep.RunID)
	var created, records, other int
	require.NoError(t, f.db.QueryRow(`SELECT count(*) FILTER (action = 'create'), count(DISTINCT dest_id) FILTER (action = 'create'),
			count(*) FILTER (action IN ('update', 'fail'))
		FROM meta.push_record WHERE run_id = ? AND table_name NOT IN ('odoo.schema', 'odoo.settings')`, rep.RunID).Scan(&created, &records, &other))
	assert.Equal(t, totalOf(run.rows), created, "each record logged once as created")
	assert.Equal(t, totalOf(run.rows), records, "each record logged once as created")
	assert.Zero(t, other, "nothing logged as updated or failed")
	return run
}

// createCall is an execute_kw of create (the schema step's custom model,
// access rule, fields and selection options).
func createCall(_ *http.Request, body []byte) bool {
	return bytes.Contains(body, []byte("<string>create</string>"))
}

// loaded is the records every load call the server took carried.
func loaded(s *odootest.Server) int {
	n := 0
	for _, c := range s.Calls() {
		if c.ORM == "load" {
			n += c.Records
		}
	}
	return n
}

func totalOf(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestPushThroughFaults pushes the fixture through a proxy that fails
// calls at set rates, one kind of fault at a time and then all at once,
// and checks that Odoo ends holding exactly what an uninterrupted push
// leaves, each record created once and logged once. With -v it prints the
// figures: calls, faults injected, wall time next to a clean run's,
// records lost and doubled.
func TestPushThroughFaults(t *testing.T) {
	clean := pushThroughFaults(t, exportertest.FaultOptions{})
	want := state(clean.srv, pushedModels)
	wantCount := map[string]int{}
	for _, m := range pushedModels {
		wantCount[m] = clean.srv.Count(m)
	}
	require.Equal(t, clean.rows, axiumCount(clean.srv))

	cases := []struct {
		name string
		opt  exportertest.FaultOptions
		// mayStop says the push may stop on a fault and need running
		// again. A schema create (custom model, its access rule, x_
		// fields, selection options) whose answer was lost is not such a
		// fault: the push reads back what Odoo holds before it sends the
		// create again (TestPushSchemaCreateAnswerLost).
		mayStop bool
	}{
		{name: "500 at 10%", mayStop: true, opt: exportertest.FaultOptions{Rates: exportertest.At(exportertest.Fault500, 0.10)}},
		{name: "429 storms at 5%", opt: exportertest.FaultOptions{Rates: exportertest.At(exportertest.FaultStorm, 0.05)}},
		{name: "429 storms, Retry-After, at 2%", opt: exportertest.FaultOptions{StormMin: 2, StormMax: 3,
			Rates: exportertest.At(exportertest.FaultStormRetryAfter, 0.02)}},
		{name: "429 storms at 50% of creates", opt: exportertest.FaultOptions{Only: createCall,
			Rates: exportertest.At(exportertest.FaultStorm, 0.5)}},
		{name: "lost answers at 50% of creates", opt: exportertest.FaultOptions{Only: createCall,
			Rates: exportertest.At(exportertest.FaultLostAnswer, 0.5)}},
		{name: "resets at 10%", mayStop: true, opt: exportertest.FaultOptions{Rates: exportertest.At(exportertest.FaultReset, 0.10)}},
		{name: "lost answers at 10%", mayStop: true, opt: exportertest.FaultOptions{Rates: exportertest.At(exportertest.FaultLostAnswer, 0.10)}},
		{name: "timeouts at 2%", mayStop: true, opt: exportertest.FaultOptions{Rates: exportertest.At(exportertest.FaultTimeout, 0.02)}},
		{name: "slow server at 30%", opt: exportertest.FaultOptions{Rates: exportertest.At(exportertest.FaultSlow, 0.30)}},
		{name: "all at once, 1-2% each", mayStop: true, opt: exportertest.FaultOptions{StormMin: 2, StormMax: 3, Rates: map[exportertest.FaultKind]float64{
			exportertest.Fault500: 0.02, exportertest.FaultStorm: 0.02, exportertest.FaultStormRetryAfter: 0.005, exportertest.FaultReset: 0.02,
			exportertest.FaultLostAnswer: 0.02, exportertest.FaultTimeout: 0.01, exportertest.FaultSlow: 0.02}}},
	}
	figures := exportertest.FaultFigures{{Faults: "none", Counts: clean.faults.Counts(), CleanCalls: clean.faults.Counts().Calls,
		Retries: -1, Wall: clean.wall, Clean: clean.wall}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opt.Seed = exportertest.SeedOf(tc.name)
			run := pushThroughFaults(t, tc.opt)
			fc := run.faults.Counts()
			require.Positive(t, fc.Total(), "faults were injected")
			got := state(run.srv, pushedModels)
			lost, twice := 0, 0
			for xid := range want {
				if _, ok := got[xid]; !ok {
					lost++
				}
			}
			for _, m := range pushedModels {
				// A record created twice has a second database id, with or
				// without an external id.
				twice += max(0, run.srv.Count(m)-wantCount[m])
			}
			if !tc.mayStop {
				assert.Zero(t, run.resumes, "the push completes in one run")
			}
			assert.Equal(t, want, got, "the records of an uninterrupted push")
			assert.Equal(t, clean.rows, axiumCount(run.srv), "one external id per row")
			assert.Zero(t, lost, "records lost")
			assert.Zero(t, twice, "records created twice")
			figures = append(figures, exportertest.FaultFigure{Faults: tc.name, Counts: fc, CleanCalls: clean.faults.Counts().Calls,
				Retries: -1, Wall: run.wall, Clean: clean.wall, Lost: lost, Twice: twice,
				Rewrites: loaded(run.srv) - loaded(clean.srv), Resumes: run.resumes})
			t.Logf("injected: %s (%d storms)", fc, fc.Storms)
		})
	}
	t.Logf("Odoo push of %d records through faults (calls: at the proxy, after logging in; extra: over the clean push; "+
		"rewrites: records loaded again after a lost answer, the same values by external id; resumes: pushes run again after the push stopped)\n%s",
		totalOf(clean.rows), figures)
}

// TestPushSchemaCreateAnswerLost: the answer to every create of the schema
// step (the custom model, its access rule, the x_ fields, an option added
// to a selection field made by hand), and of the perio records' creates
// and their external ids, is lost once, either after Odoo made
// it or before the call reached Odoo. The push reads back what Odoo holds
// and takes what it finds as made, or sends the create again when it finds
// nothing: it finishes in one run (no --resume), Odoo makes each create
// once, leaving one model, one access rule, one field and one option each,
// every change is in the audit log, and rollback --schema removes them.
func TestPushSchemaCreateAnswerLost(t *testing.T) {
	for _, kind := range []exportertest.FaultKind{exportertest.FaultLostAnswer, exportertest.FaultReset} {
		t.Run(string(kind), func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, 9)
			s := newServer(t, odootest.Options{})

			// A selection field made by hand before the migration, lacking an
			// option the data holds.
			hand := connect(t, s, "xmlrpc")
			partnerModel := call(t, hand, "ir.model", "search", []any{[]any{[]any{"model", "=", "res.partner"}}}, nil).([]any)[0]
			call(t, hand, "ir.model.fields", "create", []any{[]any{map[string]any{"model_id": partnerModel, "name": "x_gender",
				"ttype": "selection", "selection": "[('f', 'Female'), ('m', 'Male')]", "field_description": "Gender"}}}, nil)
			gender := fieldID(t, hand, "res.partner", "x_gender")
			require.Equal(t, []string{"f", "m"}, options(t, hand, gender))
			exec1(t, f.db, `ALTER TABLE odoo.res_partner_patient ADD COLUMN x_gender VARCHAR`)
			exec1(t, f.db, `UPDATE odoo.res_partner_patient SET x_gender = CASE WHEN _source_key = '1' THEN 'x' ELSE 'f' END`)
			exec1(t, f.db, `INSERT INTO odoo.field_plan (model, name, field_description, ttype, selection, relation, required, is_custom)
			VALUES ('res.partner', 'x_gender', 'Gender', 'selection', '[["f","Female"],["m","Male"],["x","Non-binary"]]', NULL, false, true)`)
			f.confirm(t)

			// The first time a create is sent, its answer is lost.
			var mu sync.Mutex
			seen := map[string]bool{}
			faults, url := exportertest.StartFaulty(t, s.URL, exportertest.FaultOptions{
				Rates: exportertest.At(kind, 1),
				Only: func(r *http.Request, body []byte) bool {
					if !createCall(r, body) {
						return false
					}
					mu.Lock()
					defer mu.Unlock()
					first := !seen[string(body)]
					seen[string(body)] = true
					return first
				}})
			c, err := odoo.Dial(ctx, odoo.Config{URL: url, DB: "odoo", User: "admin", Password: testPassword, Backoff: time.Millisecond})
			require.NoError(t, err)
			creates := func() int {
				n := 0
				for _, cl := range s.Calls() {
					if cl.ORM == "create" {
						n++
					}
				}
				return n
			}
			before := creates()

			rep, err := odoo.Push(ctx, f.db, c, pushOpts())
			require.NoError(t, err, "the push finishes in one run")
			require.Empty(t, rep.Failures)
			faults.Settle()
			exportertest.AssertSettled(t, f.db, odoo.Destination, rep.RunID)
			lost := faults.Counts().Injected[kind]
			perio := f.rows(t)["x_perio_record"]
			batches := (perio + pushOpts().BatchSize - 1) / pushOpts().BatchSize
			assert.Equal(t, 5+batches, lost, "the model, its access rule, the fields of each of two models, the option, and each batch of "+
				"perio records (written by create): each create's answer lost")
			assert.Equal(t, perio, s.Count("x_perio_record"), "each perio record made once")
			assert.Equal(t, perio, axiumCount(s)["x_perio_record"], "each with its key")
			assert.Equal(t, lost, creates()-before, "Odoo made each create once")

			// One of each at the server.
			models := call(t, hand, "ir.model", "search", []any{[]any{[]any{"model", "=", "x_perio_record"}}}, nil).([]any)
			require.Len(t, models, 1)
			access := call(t, hand, "ir.model.access", "search_count", []any{[]any{[]any{"model_id", "=", models[0]}}}, nil)
			assert.EqualValues(t, 1, access, "one access rule")
			assert.Equal(t, []string{"f", "m", "x"}, options(t, hand, gender))
			want := map[string]bool{"ir.model x_perio_record": true, "ir.model.fields.selection res.partner.x_gender/x": true}
			for _, a := range rep.Schema.Actions {
				if a.Kind == "field" {
					assert.NotZero(t, fieldID(t, hand, a.Model, a.Name), "%s.%s exists", a.Model, a.Name)
					want["ir.model.fields "+a.Model+"."+a.Name] = true
				}
			}
			assert.Greater(t, len(want), 4, "fields on both models")

			rows, err := f.db.Query(`SELECT object, dest_id FROM meta.push_record
				WHERE run_id = ? AND table_name = 'odoo.schema' AND action = 'create'`, rep.RunID)
			require.NoError(t, err)
			logged := map[string]bool{}
			for rows.Next() {
				var object, id string
				require.NoError(t, rows.Scan(&object, &id))
				assert.False(t, logged[object+" "+id], "logged once")
				logged[object+" "+id] = true
			}
			require.NoError(t, rows.Err())
			rows.Close()
			assert.Equal(t, want, logged, "every change the schema step made is logged")

			// The push went through the fault proxy; the rollback goes to
			// the same server at its own address.
			_, err = odoo.Rollback(ctx, f.db, hand, odoo.RollbackOptions{PushRun: rep.RunID, Schema: true})
			var te *exporters.TargetError
			require.ErrorAs(t, err, &te, "another address than the push's is refused")
			_, err = odoo.Rollback(ctx, f.db, hand, odoo.RollbackOptions{PushRun: rep.RunID, Schema: true, ServerMoved: true})
			require.NoError(t, err)
			assert.False(t, s.HasModel("x_perio_record"), "the custom model removed")
			for _, a := range rep.Schema.Actions {
				if a.Kind == "field" {
					assert.Zero(t, fieldID(t, hand, a.Model, a.Name), "%s.%s removed", a.Model, a.Name)
				}
			}
			assert.Equal(t, []string{"f", "m"}, options(t, hand, gender), "the option added removed, the field made by hand kept")
		})
	}
}
