package odoo_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
	"github.com/axium2crm/axium2crm/exporters/exportertest"
	"github.com/axium2crm/axium2crm/exporters/mapping"
	"github.com/axium2crm/axium2crm/exporters/odoo"
	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

const testPassword = "pw-Zq81-not-in-logs"

var newYork, _ = time.LoadLocation("America/New_York")

// fixture is a real DuckDB warehouse holding odoo.* tables of n patients
// and the export directory its attachments live in.
type fixture struct {
	db     *sql.DB
	export string
	n      int
}

func newFixture(t testing.TB, n int) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	wh, err := warehouse.Open(ctx, warehouse.Options{Path: filepath.Join(dir, "staging.duckdb")})
	require.NoError(t, err)
	t.Cleanup(func() { _ = wh.Close() })
	db := wh.DB()
	f := &fixture{db: db, export: filepath.Join(dir, "export"), n: n}
	exec1(t, db, "CREATE OR REPLACE TABLE odoo.fixture_n AS SELECT CAST(? AS BIGINT) AS n", n)
	script, err := os.ReadFile("testdata/fixture.sql")
	require.NoError(t, err)
	for _, st := range warehouse.SplitStatements(string(script)) {
		exec1(t, db, st)
	}
	exec1(t, db, "INSERT INTO meta.load_batch (batch_id, source_dir, started_at, status) VALUES (1, ?, now(), 'finished')", f.export)
	require.NoError(t, os.MkdirAll(filepath.Join(f.export, "attachments"), 0o700))
	for i := 1; i <= n/4+1; i++ {
		require.NoError(t, os.WriteFile(filepath.Join(f.export, "attachments", fmt.Sprintf("xray_%d.txt", i)), []byte(fmt.Sprintf("attachment %d", i)), 0o600))
	}
	f.markTested(t)
	f.confirm(t)
	return f
}

// markTested records the fixture's tables as built by one model run and
// tested after it, as `axium2crm run` and `axium2crm test` would: the push
// gate reads both.
func (f *fixture) markTested(t testing.TB) {
	t.Helper()
	exec1(t, f.db, `INSERT INTO meta.model_run
		SELECT r.id, 'odoo_' || table_name, 'odoo', 'fixture.sql', 'fp-' || table_name, 'table', 'success', NULL, 0, NULL, now(), now()
		FROM odoo.object_plan, (SELECT nextval('meta.run_seq') AS id) r`)
	exec1(t, f.db, `INSERT INTO meta.test_result
		SELECT r.id, 'odoo_' || table_name, 'fp-' || table_name, 'not_null(id)', 'pass', 0, [], NULL, now()
		FROM odoo.object_plan, (SELECT nextval('meta.run_seq') AS id) r`)
}

// failTest records a failing data test of a model after its build.
func (f *fixture) failTest(t testing.TB, model, test string) {
	t.Helper()
	exec1(t, f.db, `INSERT INTO meta.test_result
		SELECT nextval('meta.run_seq'), model, fingerprint, ?, 'fail', 3, [], NULL, now()
		FROM meta.model_run WHERE model = ? ORDER BY run_id DESC LIMIT 1`, test, model)
}

func (f *fixture) confirm(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	m, err := mapping.Read(ctx, f.db, "odoo")
	require.NoError(t, err)
	if m.Confirmed == nil {
		_, err = mapping.Confirm(ctx, f.db, m, "test", "", 0)
		require.NoError(t, err)
	}
}

func exec1(t testing.TB, db *sql.DB, q string, args ...any) {
	t.Helper()
	_, err := db.Exec(q, args...)
	require.NoError(t, err, q)
}

// rows is the number of rows of every odoo table.
func (f *fixture) rows(t testing.TB) map[string]int {
	t.Helper()
	out := map[string]int{}
	rs, err := f.db.Query("SELECT table_name, model FROM odoo.object_plan")
	require.NoError(t, err)
	defer rs.Close()
	var tables [][2]string
	for rs.Next() {
		var tb, m string
		require.NoError(t, rs.Scan(&tb, &m))
		tables = append(tables, [2]string{tb, m})
	}
	for _, tm := range tables {
		var n int
		require.NoError(t, f.db.QueryRow("SELECT count(*) FROM odoo."+warehouse.QuoteIdent(tm[0])).Scan(&n))
		out[tm[1]] += n
	}
	return out
}

func newServer(t testing.TB, opts odootest.Options) *odootest.Server {
	if opts.Password == "" {
		opts.Password = testPassword
	}
	s := odootest.New(opts)
	t.Cleanup(s.Close)
	return s
}

func connect(t testing.TB, s *odootest.Server, proto string) *odoo.Client {
	t.Helper()
	c, err := odoo.Dial(context.Background(), odoo.Config{URL: s.URL, DB: "odoo", User: "admin", Password: testPassword, Protocol: proto, Backoff: time.Millisecond})
	require.NoError(t, err)
	return c
}

func pushOpts() odoo.PushOptions {
	return odoo.PushOptions{BatchSize: 7, Workers: 2, TimeZone: newYork}
}

// state is what Odoo holds of the models pushed, by external id, with
// references as external ids, so two servers can be compared.
func state(s *odootest.Server, models []string) map[string]map[string]any {
	return exportertest.OdooState(s, models...)
}

var pushedModels = []string{"res.partner", "res.users", "product.product", "crm.lead", "calendar.event", "account.move",
	"account.move.line", "x_perio_record", "ir.attachment", "mail.message"}

func axiumCount(s *odootest.Server) map[string]int {
	out := map[string]int{}
	own := exportertest.OdooOwn(s)
	for _, m := range pushedModels {
		if own[m] > 0 {
			out[m] = own[m]
		}
	}
	return out
}

func createCalls(s *odootest.Server) int {
	n := 0
	for _, c := range s.Calls() {
		if c.ORM == "create" && c.Model != "ir.model.data" && c.Model != "ir.model.fields" && c.Model != "ir.model" && c.Model != "ir.model.access" {
			n += c.Records
		}
	}
	return n
}

func TestPushCreatesOneRecordPerRowThenNothing(t *testing.T) {
	for _, proto := range []string{"xmlrpc", "jsonrpc"} {
		t.Run(proto, func(t *testing.T) {
			f := newFixture(t, 24)
			s := newServer(t, odootest.Options{})
			c := connect(t, s, proto)
			before := map[string]int{}
			for _, m := range pushedModels {
				before[m] = s.Count(m)
			}
			rep, err := odoo.Push(context.Background(), f.db, c, pushOpts())
			require.NoError(t, err)
			require.Empty(t, rep.Failures)
			want := f.rows(t)
			assert.Equal(t, want, axiumCount(s), "one external id per row")
			// Each user has a partner of its own (_inherits).
			delegated := map[string]int{"res.partner": want["res.users"]}
			for m, n := range want {
				assert.Equal(t, before[m]+n+delegated[m], s.Count(m), "one %s record per row", m)
			}
			_, ok := s.Field("res.partner", "x_medical_alert")
			assert.True(t, ok, "schema step created the custom field")

			// Values as sent: references resolved, timestamps in UTC, files in base64.
			st := state(s, pushedModels)
			assert.Equal(t, "axium.guarantor_1", st["axium.patient_00001"]["parent_id"])
			assert.Equal(t, "base.us", st["axium.patient_00001"]["country_id"])
			assert.Equal(t, "Latex allergy; penicillin", st["axium.patient_00003"]["x_medical_alert"])
			assert.Equal(t, "2024-07-02 13:00:00", st["axium.appointment_1"]["start"], "09:00 in New York (EDT) is 13:00 UTC")
			assert.Equal(t, "axium.patient_00001", st["axium.appointment_1"]["partner_ids"])
			assert.Equal(t, 85.5, st["axium.invoice_line_1"]["price_unit"])
			assert.Equal(t, base64.StdEncoding.EncodeToString([]byte("attachment 2")), st["axium.attachment_2"]["datas"])
			assert.Equal(t, "axium.patient_00002", st["axium.attachment_2"]["res_id"])
			assert.Equal(t, "axium.patient_00002", st["axium.note_2"]["res_id"])
			assert.Equal(t, "2024-03-10 12:15:00", st["axium.note_2"]["date"])
			assert.Equal(t, "axium.patient_00002", st["axium.perio_1"]["x_partner_id"])

			// A second push sends nothing new.
			created := createCalls(s)
			rep2, err := odoo.Push(context.Background(), f.db, c, pushOpts())
			require.NoError(t, err)
			assert.Equal(t, created, createCalls(s), "a second push creates nothing")
			for _, tr := range rep2.Tables {
				assert.Equal(t, tr.Rows, tr.Skip, tr.Table)
			}
			assert.Equal(t, want, axiumCount(s))
		})
	}
}

func TestChangedRecordIsUpdatedWithPreImage(t *testing.T) {
	f := newFixture(t, 8)
	s := newServer(t, odootest.Options{})
	c := connect(t, s, "xmlrpc")
	_, err := odoo.Push(context.Background(), f.db, c, pushOpts())
	require.NoError(t, err)
	exec1(t, f.db, "UPDATE odoo.res_partner_patient SET email = 'new@example.org' WHERE id = 'axium.patient_00002'")
	f.confirm(t)
	rep, err := odoo.Push(context.Background(), f.db, c, pushOpts())
	require.NoError(t, err)
	var upd int
	for _, tr := range rep.Tables {
		upd += tr.Update
	}
	assert.Equal(t, 1, upd)
	assert.Equal(t, "new@example.org", state(s, []string{"res.partner"})["axium.patient_00002"]["email"])
	var pre string
	require.NoError(t, f.db.QueryRow("SELECT pre_image FROM meta.push_record WHERE action = 'update' AND table_name <> 'odoo.settings'").Scan(&pre))
	assert.Contains(t, pre, "patient2@example.org")
}

func TestInterruptedPushResumesToTheSameEnd(t *testing.T) {
	cases := []struct {
		name string
		kill func(s *odootest.Server, cancel context.CancelFunc)
	}{
		{"connection dropped before a create", func(s *odootest.Server, _ context.CancelFunc) {
			n := 0
			s.Inject(func(c odootest.Call) odootest.Failure {
				if c.ORM == "load" && c.Model == "crm.lead" {
					n++
					if n >= 2 {
						// Until the test lifts it: retries give up.
						return odootest.DropBefore
					}
				}
				return odootest.Pass
			})
		}},
		{"stopped as Odoo made perio records by create", stopAsPerioCreated},
		{"cancelled (Ctrl-C) halfway", func(s *odootest.Server, cancel context.CancelFunc) {
			s.Inject(func(c odootest.Call) odootest.Failure {
				if c.ORM == "load" && c.Model == "calendar.event" {
					cancel()
				}
				return odootest.Pass
			})
		}},
	}
	// The uninterrupted push.
	ref := newServer(t, odootest.Options{})
	fref := newFixture(t, 20)
	_, err := odoo.Push(context.Background(), fref.db, connect(t, ref, "xmlrpc"), pushOpts())
	require.NoError(t, err)
	want := state(ref, pushedModels)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 20)
			s := newServer(t, odootest.Options{})
			c := connect(t, s, "xmlrpc")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			tc.kill(s, cancel)
			_, err := odoo.Push(ctx, f.db, c, pushOpts())
			require.Error(t, err)
			s.Inject(nil)
			assert.Less(t, len(axiumCount(s)), len(want), "stopped before the end")

			// Without --resume the unfinished run is refused.
			_, err = odoo.Push(context.Background(), f.db, c, pushOpts())
			var ue *audit.UnfinishedError
			require.ErrorAs(t, err, &ue)

			o := pushOpts()
			o.Resume = true
			_, err = odoo.Push(context.Background(), f.db, c, o)
			require.NoError(t, err)
			assert.Equal(t, want, state(s, pushedModels))
			assert.Equal(t, fref.rows(t), axiumCount(s), "nothing sent twice")
			assert.Equal(t, fref.rows(t)["x_perio_record"], s.Count("x_perio_record"), "no perio record doubled, named or not")
		})
	}
}

func TestBadRecordIsIsolated(t *testing.T) {
	f := newFixture(t, 30)
	exec1(t, f.db, "UPDATE odoo.res_partner_patient SET x_partner_type = 'alien' WHERE id = 'axium.patient_00013'")
	exec1(t, f.db, "UPDATE odoo.res_partner_patient SET \"parent_id/id\" = 'axium.guarantor_404' WHERE id = 'axium.patient_00020'")
	exec1(t, f.db, "UPDATE odoo.ir_attachment SET _file_sha256 = 'deadbeef' WHERE id = 'axium.attachment_3'")
	f.confirm(t)
	s := newServer(t, odootest.Options{})
	rep, err := odoo.Push(context.Background(), f.db, connect(t, s, "xmlrpc"), odoo.PushOptions{BatchSize: 100, TimeZone: newYork})
	require.NoError(t, err)
	reasons := map[string]string{}
	for _, fl := range rep.Failures {
		reasons[fl.XID] = fl.Reason
	}
	assert.Contains(t, reasons["axium.patient_00013"], "x_partner_type: Value 'alien' not found in selection field")
	assert.Contains(t, reasons["axium.patient_00020"], "no record has external id axium.guarantor_404")
	assert.Contains(t, reasons["axium.attachment_3"], "sha256")
	// What depended on the failed patients fails with a reason; all else went through.
	assert.Contains(t, reasons["axium.visit_13"], "axium.patient_00013")
	var patients int
	for _, tr := range rep.Tables {
		if tr.Table == "res_partner_patient" {
			patients = tr.Create
			assert.Equal(t, 2, tr.Fail)
		}
	}
	assert.Equal(t, 28, patients)
	var logged int
	require.NoError(t, f.db.QueryRow("SELECT count(*) FROM meta.push_record WHERE action = 'fail' AND dest_id = 'axium.patient_00013' AND reason LIKE '%alien%'").Scan(&logged))
	assert.Equal(t, 1, logged)
}

func TestRefusals(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, f *fixture, s *odootest.Server)
		opts  func(o *odoo.PushOptions)
		check func(t *testing.T, err error)
	}{
		{"a field with another type stops before any record", func(t *testing.T, f *fixture, s *odootest.Server) {
			c := connect(t, s, "xmlrpc")
			v, err := c.Execute(context.Background(), "ir.model", "search", []any{[]any{[]any{"model", "=", "res.partner"}}}, nil)
			require.NoError(t, err)
			_, err = c.Execute(context.Background(), "ir.model.fields", "create", []any{[]any{map[string]any{"model_id": v.([]any)[0], "name": "x_medical_alert", "ttype": "integer", "field_description": "x"}}}, nil)
			require.NoError(t, err)
		}, nil, func(t *testing.T, err error) {
			var ce *odoo.ConflictError
			require.ErrorAs(t, err, &ce)
			assert.Contains(t, err.Error(), "res.partner.x_medical_alert is integer in Odoo, the plan wants char")
		}},
		{"missing modules are named", nil, nil, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, odoo.ErrMissingModules)
			assert.Contains(t, err.Error(), "account, crm")
		}},
		{"failed data tests", func(t *testing.T, f *fixture, s *odootest.Server) {
			f.failTest(t, "odoo_res_partner_patient", "not_null(name)")
		}, nil, func(t *testing.T, err error) {
			var te *exporters.GateError
			require.ErrorAs(t, err, &te)
			assert.Contains(t, err.Error(), "not_null(name)")
		}},
		{"unconfirmed map", func(t *testing.T, f *fixture, s *odootest.Server) {
			exec1(t, f.db, "UPDATE odoo.field_plan SET field_description = 'Alert!' WHERE name = 'x_medical_alert'")
		}, nil, func(t *testing.T, err error) {
			var ne *mapping.NotConfirmedError
			require.ErrorAs(t, err, &ne)
		}},
		{"the documents' export directory is gone", func(t *testing.T, f *fixture, s *odootest.Server) {
			require.NoError(t, os.RemoveAll(f.export))
		}, nil, func(t *testing.T, err error) {
			require.ErrorIs(t, err, exporters.ErrFilesMissing)
			assert.Contains(t, err.Error(), "2 documents from load batch 1's directory")
		}},
		{"documents from a batch the load log does not hold", func(t *testing.T, f *fixture, s *odootest.Server) {
			exec1(t, f.db, "UPDATE odoo.ir_attachment SET _batch_id = 7 WHERE id = 'axium.attachment_2'")
		}, nil, func(t *testing.T, err error) {
			require.ErrorIs(t, err, exporters.ErrFilesMissing)
			assert.Contains(t, err.Error(), "1 document from load batch 7, which meta.load_batch does not hold")
		}},
		{"documents no load batch names", func(t *testing.T, f *fixture, s *odootest.Server) {
			exec1(t, f.db, "UPDATE odoo.ir_attachment SET _batch_id = NULL WHERE id = 'axium.attachment_2'")
		}, nil, func(t *testing.T, err error) {
			require.ErrorIs(t, err, exporters.ErrFilesMissing)
			assert.Contains(t, err.Error(), "1 document with no load batch (_batch_id is empty)")
		}},
		{"naive timestamps without a time zone", nil, func(o *odoo.PushOptions) { o.TimeZone = nil }, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, odoo.ErrNoTimeZone)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 6)
			opts := odootest.Options{}
			if tc.name == "missing modules are named" {
				opts.Modules = []string{"base", "contacts", "calendar"}
			}
			s := newServer(t, opts)
			before := s.Count("res.partner")
			if tc.setup != nil {
				tc.setup(t, f, s)
			}
			o := pushOpts()
			if tc.opts != nil {
				tc.opts(&o)
			}
			_, err := odoo.Push(context.Background(), f.db, connect(t, s, "xmlrpc"), o)
			require.Error(t, err)
			tc.check(t, err)
			assert.Equal(t, before, s.Count("res.partner"), "no record moved")
		})
	}
}

func TestForcePushesDespiteFailedTests(t *testing.T) {
	f := newFixture(t, 4)
	f.failTest(t, "odoo_res_partner_patient", "not_null(name)")
	s := newServer(t, odootest.Options{})
	o := pushOpts()
	o.Force = true
	_, err := odoo.Push(context.Background(), f.db, connect(t, s, "xmlrpc"), o)
	require.NoError(t, err)
	assert.Equal(t, f.rows(t), axiumCount(s))
}

func TestDryRunReturnsThePlanAndChangesNothing(t *testing.T) {
	f := newFixture(t, 10)
	s := newServer(t, odootest.Options{})
	o := pushOpts()
	o.DryRun = true
	rep, err := odoo.Push(context.Background(), f.db, connect(t, s, "xmlrpc"), o)
	require.NoError(t, err)
	assert.Zero(t, createCalls(s))
	assert.False(t, s.HasModel("x_perio_record"))
	kinds := map[string]int{}
	for _, a := range rep.Schema.Actions {
		kinds[a.Kind]++
	}
	assert.Equal(t, map[string]int{"model": 1, "access": 1, "field": 7}, kinds)
	var creates int
	for _, tr := range rep.Tables {
		creates += tr.Create
	}
	total := 0
	for _, n := range f.rows(t) {
		total += n
	}
	assert.Equal(t, total, creates)
	var runs int
	require.NoError(t, f.db.QueryRow("SELECT count(*) FROM meta.push_run").Scan(&runs))
	assert.Zero(t, runs, "a dry run is not a run")
}

func TestSamplePushesPatientsAndWhatIsLinked(t *testing.T) {
	f := newFixture(t, 40)
	s := newServer(t, odootest.Options{})
	o := pushOpts()
	o.Sample = 3
	_, err := odoo.Push(context.Background(), f.db, connect(t, s, "xmlrpc"), o)
	require.NoError(t, err)
	st := state(s, pushedModels)
	var patients []string
	for x := range st {
		if strings.HasPrefix(x, "axium.patient_") {
			patients = append(patients, x)
		}
	}
	sort.Strings(patients)
	// Three sampled patients, plus the two perio records pull in (linked).
	assert.Subset(t, patients, []string{"axium.patient_00001", "axium.patient_00002", "axium.patient_00003"})
	assert.Less(t, len(patients), 8)
	for _, x := range []string{"axium.visit_1", "axium.appointment_3", "axium.invoice_1", "axium.invoice_line_1", "axium.guarantor_1",
		"axium.carrier_2", "axium.provider_1", "axium.cdt_D1000", "axium.attachment_2", "axium.note_1"} {
		assert.Contains(t, st, x)
	}
	assert.NotContains(t, st, "axium.visit_30")
	assert.NotContains(t, st, "axium.guarantor_15")
}

func TestSecretsAbsentFromLogsAndErrors(t *testing.T) {
	f := newFixture(t, 6)
	s := newServer(t, odootest.Options{})
	c := connect(t, s, "jsonrpc")
	o := pushOpts()
	o.Target = s.URL
	o.Args = "--protocol jsonrpc"
	heard := &sayings{}
	o.Progress = heard.add
	rep, err := odoo.Push(context.Background(), f.db, c, o)
	require.NoError(t, err)
	s.FailNth(1, odootest.BadGateway)
	_, err = c.Execute(context.Background(), "res.partner", "create", []any{[]any{map[string]any{}}}, nil)
	require.Error(t, err)
	var everything strings.Builder
	fmt.Fprintf(&everything, "%v %+v %s", err, rep, strings.Join(heard.all(), "\n"))
	for _, q := range []string{"SELECT * FROM meta.push_run", "SELECT * FROM meta.push_record"} {
		rows, qerr := f.db.Query(q)
		require.NoError(t, qerr)
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			fmt.Fprintln(&everything, vals...)
		}
		rows.Close()
	}
	assert.Contains(t, everything.String(), "axium.patient_00001", "the logs were read")
	assert.NotContains(t, everything.String(), testPassword)
}

func TestUnknownColumnIsNamed(t *testing.T) {
	f := newFixture(t, 4)
	exec1(t, f.db, "ALTER TABLE odoo.res_partner_patient ADD COLUMN birthdate DATE")
	s := newServer(t, odootest.Options{})
	_, err := odoo.Push(context.Background(), f.db, connect(t, s, "xmlrpc"), pushOpts())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "odoo.res_partner_patient")
	assert.Contains(t, err.Error(), `column "birthdate"`)
	assert.False(t, errors.Is(err, odoo.ErrValidation))
}

// TestLostAnswerCreatesNothingTwice: Odoo did the load (records and their
// external ids, in one transaction) and the answer was lost. The client
// sends the load again, which updates what the first created: one record
// per row, logged as created. Then, the same loss with no retry left
// (the push stops): the resumed push adopts those records as its own.
func TestLostAnswerCreatesNothingTwice(t *testing.T) {
	for _, retries := range []int{3, -1} {
		t.Run(fmt.Sprintf("retries=%d", retries), func(t *testing.T) {
			f := newFixture(t, 20)
			s := newServer(t, odootest.Options{})
			c, err := odoo.Dial(context.Background(), odoo.Config{URL: s.URL, DB: "odoo", User: "admin", Password: testPassword, Backoff: time.Millisecond, Retries: retries})
			require.NoError(t, err)
			dropped := 0
			s.Inject(func(c odootest.Call) odootest.Failure {
				if c.ORM == "load" && c.Model == "res.partner" && dropped == 0 {
					dropped++
					return odootest.DropAfter
				}
				return odootest.Pass
			})
			_, err = odoo.Push(context.Background(), f.db, c, pushOpts())
			if retries < 0 {
				require.Error(t, err, "no retry: the push stops")
				s.Inject(nil)
				o := pushOpts()
				o.Resume = true
				_, err = odoo.Push(context.Background(), f.db, c, o)
			}
			require.NoError(t, err)
			assert.Equal(t, 1, dropped)
			assert.Equal(t, f.rows(t), axiumCount(s), "one record per row")
			var n int
			require.NoError(t, f.db.QueryRow("SELECT count(*) FROM meta.push_record WHERE table_name = 'odoo.res_partner_company' AND action = 'create'").Scan(&n))
			assert.Equal(t, 2, n, "both carriers logged as created")
			// Nothing is left to do.
			rep, err := odoo.Push(context.Background(), f.db, c, pushOpts())
			require.NoError(t, err)
			for _, tr := range rep.Tables {
				assert.Equal(t, tr.Rows, tr.Skip, tr.Table)
			}
		})
	}
}

// TestConcurrentUpdateIsRetried: on a real Odoo two connections loading
// the same model can lose a race; load reports PostgreSQL's serialization
// failure as a message of a refused call (nothing written). The push sends
// the batch again instead of failing its records; after too many losses
// the records fail with that reason.
func TestConcurrentUpdateIsRetried(t *testing.T) {
	cases := []struct {
		name       string
		orm, model string
		table      string
		losses     int
		fail       bool
	}{
		{"load lost twice then through", "load", "crm.lead", "crm_lead", 2, false},
		{"load always lost", "load", "crm.lead", "crm_lead", 1000, true},
		// A keyed model's create: Odoo retried it and gave up.
		{"create lost twice then through", "create", "x_perio_record", "x_perio_record", 2, false},
		{"create always lost", "create", "x_perio_record", "x_perio_record", 1000, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 8)
			s := newServer(t, odootest.Options{})
			c := connect(t, s, "xmlrpc")
			lost := 0
			s.Inject(func(c odootest.Call) odootest.Failure {
				if c.ORM == tc.orm && c.Model == tc.model && lost < tc.losses {
					lost++
					return odootest.ConcurrentUpdate
				}
				return odootest.Pass
			})
			o := pushOpts()
			o.Workers = 1
			rep, err := odoo.Push(context.Background(), f.db, c, o)
			require.NoError(t, err)
			if !tc.fail {
				assert.Equal(t, 2, lost)
				assert.Empty(t, rep.Failures)
				assert.Equal(t, f.rows(t)[tc.model], axiumCount(s)[tc.model])
				return
			}
			require.NotEmpty(t, rep.Failures)
			for _, fl := range rep.Failures {
				if fl.Table == tc.table {
					assert.Contains(t, fl.Reason, "could not serialize access")
				}
			}
			assert.Zero(t, axiumCount(s)[tc.model])
		})
	}
}

// TestDryRunReportsMissingRights: a dry run reads, without writing, the
// rights the push and its rollback need on each model, and lists the ones
// the user lacks; with every right it lists none.
func TestDryRunReportsMissingRights(t *testing.T) {
	f := newFixture(t, 4)
	s := newServer(t, odootest.Options{})
	c := connect(t, s, "xmlrpc")
	dry := pushOpts()
	dry.DryRun = true
	rep, err := odoo.Push(context.Background(), f.db, c, dry)
	require.NoError(t, err)
	assert.Empty(t, rep.Permissions)

	s.DenyAccess("crm.lead")
	rep, err = odoo.Push(context.Background(), f.db, c, dry)
	require.NoError(t, err)
	require.Len(t, rep.Permissions, 3, "%v", rep.Permissions)
	for i, what := range []string{"create them", "update them", "delete them (a rollback)"} {
		assert.Contains(t, rep.Permissions[i], what)
		assert.Contains(t, rep.Permissions[i], "crm.lead")
	}
	assert.Zero(t, createCalls(s), "the dry run wrote nothing")
}

// TestSampleKeepMatchesTheInMemoryClosure: the sample worked out in the
// warehouse is the one the push took when it read every table's ids and
// references into memory and closed over them in Go.
func TestSampleKeepMatchesTheInMemoryClosure(t *testing.T) {
	f := newFixture(t, 40)
	ctx := context.Background()
	for _, n := range []int{1, 3, 7, 100} {
		got, err := odoo.SampleKeep(ctx, f.db, "res_partner_patient", n, false)
		require.NoError(t, err)
		want, err := odoo.SampleKeep(ctx, f.db, "res_partner_patient", n, true)
		require.NoError(t, err)
		assert.Equal(t, want, got, "sample of %d", n)
		for i := 1; i <= min(n, 40); i++ {
			assert.True(t, got["res_partner_patient"][fmt.Sprintf("axium.patient_%05d", i)], "the first %d patients are the sample", n)
		}
		assert.NotEmpty(t, got["calendar_event"], "sample of %d", n)
	}
	var temps int
	require.NoError(t, f.db.QueryRow("SELECT count(*) FROM duckdb_tables() WHERE temporary").Scan(&temps))
	assert.Zero(t, temps, "the closure's tables are dropped")
}

// TestRollbackRemovesRecordsWhoseAnswerNeverCame: perio records go by
// create alone, known by their key field x_axium_xid, not by an external
// id. A push stopped as Odoo made a batch of them (the answer never came)
// logged them pending only. A rollback settles them first (found by their
// key) and deletes them with the rest.
func TestRollbackRemovesRecordsWhoseAnswerNeverCame(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 20)
	s := newServer(t, odootest.Options{})
	c := connect(t, s, "xmlrpc")
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopAsPerioCreated(s, cancel)
	// One call in flight: with two, the other perio batch's answer could
	// come back before the stop and be logged (1 run in 20 did).
	opts := pushOpts()
	opts.Workers = 1
	rep, err := odoo.Push(pctx, f.db, c, opts)
	require.Error(t, err)
	s.Inject(nil)
	require.Positive(t, s.Count("x_perio_record"), "Odoo made the batch")
	var done int
	require.NoError(t, f.db.QueryRow("SELECT count(*) FROM meta.push_record WHERE table_name = 'odoo.x_perio_record' AND action = 'create'").Scan(&done))
	require.Zero(t, done, "the push never heard of them")

	_, err = odoo.Rollback(ctx, f.db, c, odoo.RollbackOptions{PushRun: rep.RunID})
	require.NoError(t, err)
	assert.Zero(t, s.Count("x_perio_record"))
	assert.Empty(t, axiumCount(s), "everything the push created is gone")
}

// stopAsPerioCreated stops the push as Odoo makes the first batch of
// perio records: the create commits, its answer never comes, the process
// is gone.
func stopAsPerioCreated(s *odootest.Server, cancel context.CancelFunc) {
	var fired atomic.Bool
	s.Inject(func(c odootest.Call) odootest.Failure {
		if c.Model == "x_perio_record" && c.ORM == "create" && fired.CompareAndSwap(false, true) {
			cancel()
			return odootest.DropAfter
		}
		return odootest.Pass
	})
}

// TestKeyedRecordsAreCreatedThenUpdatedInPlace: perio records (a keyed
// model) go by one create a batch. The first push into an empty model
// reads nothing before it creates (Odoo counts none of the model's
// records), and names none in ir.model.data. A changed row is found by its
// key and updated in place by its database id, its values before logged,
// and a rollback of that push puts them back.
func TestKeyedRecordsAreCreatedThenUpdatedInPlace(t *testing.T) {
	ctx := context.Background()
	f, s, c := pushedFixture(t, 20)
	perio := f.rows(t)["x_perio_record"]
	require.Equal(t, perio, s.Count("x_perio_record"))
	for _, cl := range s.Calls() {
		assert.False(t, cl.Model == "x_perio_record" && cl.ORM == "search_read", "a first push into an empty model looks nothing up")
	}
	for _, r := range s.Records("ir.model.data") {
		assert.NotEqual(t, "x_perio_record", r["model"], "keyed records have no external id")
	}

	exec1(t, f.db, `UPDATE odoo.x_perio_record SET x_depth_mm = 6.5 WHERE id = 'axium.perio_3'`)
	rep, err := odoo.Push(ctx, f.db, c, pushOpts())
	require.NoError(t, err)
	for _, tr := range rep.Tables {
		if tr.Table == "x_perio_record" {
			assert.Equal(t, 1, tr.Update)
			assert.Zero(t, tr.Create)
		}
	}
	require.Equal(t, perio, s.Count("x_perio_record"), "updated in place, nothing added")
	depth := func() any {
		id := recordID(t, s, "axium.perio_3")
		for _, r := range s.Records("x_perio_record") {
			if r["id"] == id {
				return r["x_depth_mm"]
			}
		}
		return nil
	}
	assert.Equal(t, 6.5, depth())
	var pre string
	require.NoError(t, f.db.QueryRow("SELECT pre_image FROM meta.push_record WHERE action = 'update' AND dest_id = 'axium.perio_3'").Scan(&pre))
	assert.Contains(t, pre, `"x_depth_mm":3.5`)

	_, err = odoo.Rollback(ctx, f.db, c, odoo.RollbackOptions{PushRun: rep.RunID})
	require.NoError(t, err)
	assert.Equal(t, 3.5, depth(), "the rollback puts the value back")
	assert.Equal(t, perio, s.Count("x_perio_record"))
}

// pushedFixture is a fixture of n patients pushed once to a new test
// server, with the client that pushed it.
func pushedFixture(t *testing.T, n int) (*fixture, *odootest.Server, *odoo.Client) {
	t.Helper()
	f := newFixture(t, n)
	s := newServer(t, odootest.Options{})
	c := connect(t, s, "xmlrpc")
	_, err := odoo.Push(context.Background(), f.db, c, pushOpts())
	require.NoError(t, err)
	return f, s, c
}

// recordID is the database id of the record an external id (or a keyed
// model's key) names at the test server.
func recordID(t *testing.T, s *odootest.Server, xid string) int64 {
	t.Helper()
	_, id, ok := exportertest.OdooRecord(s, xid)
	require.True(t, ok, xid)
	return id
}

// At a school's size the push's cache of resolved external ids fills and
// is emptied while batches are on their way (at 1,000,000 patients 2,700
// patients failed with "no record has external id base.us" and their
// visits and charts after them): what a batch resolved must stay with it.
// Here the cache is emptied at every look-up, the batches small and on
// two connections, and the push must hold what a push with the cache
// does.
func TestAnEmptiedCacheOfExternalIDsLosesNoRecord(t *testing.T) {
	f := newFixture(t, 40)
	ref := newServer(t, odootest.Options{})
	rep, err := odoo.Push(context.Background(), f.db, connect(t, ref, "xmlrpc"), pushOpts())
	require.NoError(t, err)
	require.Empty(t, rep.Failures)

	g := newFixture(t, 40)
	s := newServer(t, odootest.Options{})
	defer odoo.SetMaxCachedXIDs(0)()
	rep, err = odoo.Push(context.Background(), g.db, connect(t, s, "xmlrpc"), pushOpts())
	require.NoError(t, err)
	assert.Empty(t, rep.Failures)
	assert.Equal(t, state(ref, pushedModels), state(s, pushedModels))
}
