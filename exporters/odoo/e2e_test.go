package odoo_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/exportertest"
	"github.com/axium2crm/axium2crm/exporters/odoo"
	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
	"github.com/axium2crm/axium2crm/fixtures"
	"github.com/axium2crm/axium2crm/loaders"
	"github.com/axium2crm/axium2crm/sql/models"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// realWarehouse is a warehouse built by the real pipeline: a generated
// export of 30 patients, loaded, every embedded model run, the data tests
// passing. It is built once per test binary and copied for each test, so
// each has its own audit log.
var realWarehouse struct {
	once   sync.Once
	dir    string
	export string
	err    error
}

func buildRealWarehouse(dir string, patients int, seed uint64) (string, error) {
	ctx := context.Background()
	export := filepath.Join(dir, "export")
	if _, err := fixtures.Generate(ctx, fixtures.Options{Out: export, Patients: patients, Seed: seed, Format: "csv"}); err != nil {
		return "", err
	}
	if err := runPipeline(ctx, filepath.Join(dir, "staging.duckdb"), export, dir); err != nil {
		return "", err
	}
	return export, nil
}

// runPipeline loads an export into the warehouse at path and runs every
// model and data test.
func runPipeline(ctx context.Context, path, export, tmp string) error {
	wh, err := warehouse.Open(ctx, warehouse.Options{Path: path})
	if err != nil {
		return err
	}
	defer wh.Close()
	rep, err := loaders.Load(ctx, wh.DB(), export, loaders.Options{Specs: loaders.DefaultSpecs(), TempDir: tmp})
	if err != nil {
		return err
	}
	if rep.Failed() {
		return io.ErrUnexpectedEOF
	}
	set, err := models.Read(models.Embedded())
	if err != nil {
		return err
	}
	sources := models.Sources(loaders.DefaultSpecs())
	run, err := set.Run(ctx, wh.DB(), models.RunOptions{Sources: sources, TempDir: tmp})
	if err != nil {
		return err
	}
	for _, r := range run.Results {
		if r.Status != "success" {
			return &modelError{r.Model + ": " + r.Message}
		}
	}
	res, err := set.Test(ctx, wh.DB(), nil, sources)
	if err != nil {
		return err
	}
	for _, r := range res {
		if r.Status != "pass" && strings.HasPrefix(r.Model, "odoo") {
			return &modelError{r.Model + " " + r.Test + ": " + r.Status}
		}
	}
	return nil
}

type modelError struct{ msg string }

func (e *modelError) Error() string { return e.msg }

// newRealFixture copies the built warehouse and confirms its map.
func newRealFixture(t testing.TB) *fixture {
	t.Helper()
	realWarehouse.once.Do(func() {
		realWarehouse.dir, realWarehouse.err = os.MkdirTemp("", "odoo-e2e-")
		if realWarehouse.err == nil {
			realWarehouse.export, realWarehouse.err = buildRealWarehouse(realWarehouse.dir, 30, 11)
		}
	})
	require.NoError(t, realWarehouse.err)
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(realWarehouse.dir, "staging.duckdb"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "staging.duckdb"), b, 0o600))
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(dir, "staging.duckdb")})
	require.NoError(t, err)
	t.Cleanup(func() { _ = wh.Close() })
	f := &fixture{db: wh.DB(), export: realWarehouse.export}
	f.confirm(t)
	return f
}

func TestMain(m *testing.M) {
	code := m.Run()
	if realWarehouse.dir != "" {
		_ = os.RemoveAll(realWarehouse.dir)
	}
	os.Exit(code)
}

// realPushed are the models the real odoo.* tables fill.
var realPushed = []string{"res.groups", "res.partner", "res.users", "product.product", "x_perio_record", "crm.lead", "calendar.event",
	"account.move", "account.move.line", "account.payment", "ir.attachment", "mail.message"}

func TestEndToEndRealModels(t *testing.T) {
	f := newRealFixture(t)
	want := f.rows(t)
	require.Greater(t, want["res.partner"], 30)
	for _, m := range realPushed {
		require.Contains(t, want, m, "the real tables fill %s", m)
	}

	s := newServer(t, odootest.Options{})
	c := connect(t, s, "xmlrpc")
	rep, err := odoo.Push(context.Background(), f.db, c, pushOpts())
	require.NoError(t, err)
	require.Empty(t, rep.Failures)
	assert.Equal(t, want, ownXIDs(s), "exactly one record per odoo.* row")
	for xid, model := range tableXIDs(t, f) {
		m, _, ok := exportertest.OdooRecord(s, xid)
		if assert.True(t, ok, xid) {
			assert.Equal(t, model, m, xid)
		}
	}
	end := state(s, realPushed)

	t.Run("second push sends nothing", func(t *testing.T) {
		calls := len(s.Calls())
		rep, err := odoo.Push(context.Background(), f.db, c, pushOpts())
		require.NoError(t, err)
		for _, tr := range rep.Tables {
			assert.Zero(t, tr.Create, tr.Table)
			assert.Zero(t, tr.Update, tr.Table)
			assert.Equal(t, tr.Rows, tr.Skip, tr.Table)
		}
		for _, call := range s.Calls()[calls:] {
			assert.NotContains(t, []string{"load", "create", "write", "unlink"}, call.ORM, "%s.%s", call.Model, call.ORM)
		}
		assert.Equal(t, end, state(s, realPushed))
	})

	// The resumed push goes to a server that keeps its records compact,
	// in a file mapped into memory (what the school-sized benchmark
	// uses): it ends the same.
	t.Run("interrupted half-way then resumed ends the same", func(t *testing.T) {
		g := newRealFixture(t)
		s2 := newServer(t, odootest.Options{Compact: true, ChunkDir: t.TempDir()})
		c2 := connect(t, s2, "jsonrpc")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s2.Inject(func(call odootest.Call) odootest.Failure {
			if call.ORM == "create" && call.Model == "crm.lead" {
				cancel()
			}
			return odootest.Pass
		})
		_, err := odoo.Push(ctx, g.db, c2, pushOpts())
		require.Error(t, err)
		s2.Inject(nil)
		got := ownXIDs(s2)
		assert.Less(t, got["crm.lead"]+got["mail.message"], want["crm.lead"]+want["mail.message"], "stopped half-way")
		o := pushOpts()
		o.Resume = true
		_, err = odoo.Push(context.Background(), g.db, c2, o)
		require.NoError(t, err)
		assert.Equal(t, want, ownXIDs(s2))
		assert.Equal(t, end, state(s2, realPushed))
	})
}

// ownXIDs counts the migration's records per model (exportertest.OdooOwn).
func ownXIDs(s *odootest.Server) map[string]int { return exportertest.OdooOwn(s) }

// tableXIDs maps every odoo.* row's external id to its model.
func tableXIDs(t testing.TB, f *fixture) map[string]string {
	t.Helper()
	rows, err := f.db.Query("SELECT table_name, model FROM odoo.object_plan")
	require.NoError(t, err)
	var plan [][2]string
	for rows.Next() {
		var tb, m string
		require.NoError(t, rows.Scan(&tb, &m))
		plan = append(plan, [2]string{tb, m})
	}
	require.NoError(t, rows.Close())
	out := map[string]string{}
	for _, p := range plan {
		rs, err := f.db.Query("SELECT id FROM odoo." + warehouse.QuoteIdent(p[0]))
		require.NoError(t, err)
		for rs.Next() {
			var id string
			require.NoError(t, rs.Scan(&id))
			out[id] = p[1]
		}
		require.NoError(t, rs.Close())
	}
	return out
}

// TestDeltaPushSendsOnlyChangedRows: after the tables change (two patients
// and three appointments edited, one note gone), a push writes exactly
// those rows with their pre-images, reports the note as gone and keeps it;
// --propagate-deletes then unlinks it and logs the delete.
func TestDeltaPushSendsOnlyChangedRows(t *testing.T) {
	f := newRealFixture(t)
	s := newServer(t, odootest.Options{})
	c := connect(t, s, "xmlrpc")
	_, err := odoo.Push(context.Background(), f.db, c, pushOpts())
	require.NoError(t, err)

	exec1(t, f.db, "UPDATE odoo.res_partner_patient SET email = 'moved-' || id || '@example.org' WHERE id IN (SELECT id FROM odoo.res_partner_patient ORDER BY id LIMIT 2)")
	exec1(t, f.db, "UPDATE odoo.calendar_event SET name = name || ' (rescheduled)' WHERE id IN (SELECT id FROM odoo.calendar_event ORDER BY id LIMIT 3)")
	var goneID string
	require.NoError(t, f.db.QueryRow("SELECT id FROM odoo.mail_message ORDER BY id LIMIT 1").Scan(&goneID))
	exec1(t, f.db, "DELETE FROM odoo.mail_message WHERE id = ?", goneID)
	f.confirm(t)

	rep, err := odoo.Push(context.Background(), f.db, c, pushOpts())
	require.NoError(t, err)
	changed := map[string]int{}
	for _, tr := range rep.Tables {
		assert.Zero(t, tr.Create, tr.Table)
		if tr.Update > 0 {
			changed[tr.Table] = tr.Update
		}
	}
	assert.Equal(t, map[string]int{"res_partner_patient": 2, "calendar_event": 3}, changed)
	require.Len(t, rep.Gone, 1)
	assert.Equal(t, goneID, rep.Gone[0].XID)
	assert.False(t, rep.Gone[0].Deleted)
	_, _, kept := s.XID(goneID)
	assert.True(t, kept, "not deleted without --propagate-deletes")
	var pre string
	require.NoError(t, f.db.QueryRow("SELECT pre_image FROM meta.push_record WHERE action = 'update' AND table_name = 'odoo.calendar_event' LIMIT 1").Scan(&pre))
	assert.NotContains(t, pre, "(rescheduled)")
	assert.Contains(t, pre, `"name"`)

	o := pushOpts()
	o.PropagateDeletes = true
	rep, err = odoo.Push(context.Background(), f.db, c, o)
	require.NoError(t, err)
	for _, tr := range rep.Tables {
		assert.Zero(t, tr.Create+tr.Update, tr.Table)
	}
	require.Len(t, rep.Gone, 1)
	assert.True(t, rep.Gone[0].Deleted)
	_, _, kept = s.XID(goneID)
	assert.False(t, kept, "deleted with --propagate-deletes")
	var n int
	require.NoError(t, f.db.QueryRow("SELECT count(*) FROM meta.push_record WHERE action = 'delete' AND dest_id = ?", goneID).Scan(&n))
	assert.Equal(t, 1, n)
	// Once deleted it is no longer reported.
	rep, err = odoo.Push(context.Background(), f.db, c, pushOpts())
	require.NoError(t, err)
	assert.Empty(t, rep.Gone)
}

// TestRollbackUndoesAPush: a rollback interrupted half-way and run again
// leaves Odoo as it was before the push: no axium external id, the same
// number of partners, updated records back to their pre-images, and with
// --schema no x_ field or model the push created.
func TestRollbackUndoesAPush(t *testing.T) {
	f := newRealFixture(t)
	s := newServer(t, odootest.Options{})
	c := connect(t, s, "xmlrpc")
	before := map[string]int{}
	for _, m := range realPushed {
		before[m] = s.Count(m)
	}
	rep, err := odoo.Push(context.Background(), f.db, c, pushOpts())
	require.NoError(t, err)
	first := rep.RunID
	// A second push updates two patients: its rollback restores them.
	exec1(t, f.db, "UPDATE odoo.res_partner_patient SET email = 'changed@example.org' WHERE id IN (SELECT id FROM odoo.res_partner_patient ORDER BY id LIMIT 2)")
	f.confirm(t)
	rep, err = odoo.Push(context.Background(), f.db, c, pushOpts())
	require.NoError(t, err)
	second := rep.RunID

	_, err = odoo.Rollback(context.Background(), f.db, c, odoo.RollbackOptions{PushRun: second})
	require.NoError(t, err)
	for _, r := range state(s, []string{"res.partner"}) {
		assert.NotEqual(t, "changed@example.org", r["email"])
	}

	// Interrupted while deleting the events, then run again.
	ctx, cancel := context.WithCancel(context.Background())
	s.Inject(func(call odootest.Call) odootest.Failure {
		if call.ORM == "unlink" && call.Model == "calendar.event" {
			cancel()
			return odootest.DropBefore
		}
		return odootest.Pass
	})
	_, err = odoo.Rollback(ctx, f.db, c, odoo.RollbackOptions{PushRun: first, Schema: true, BatchSize: 50})
	require.Error(t, err)
	s.Inject(nil)
	assert.NotEmpty(t, ownXIDs(s), "stopped half-way")
	rb, err := odoo.Rollback(context.Background(), f.db, c, odoo.RollbackOptions{PushRun: first, Schema: true, BatchSize: 50})
	require.NoError(t, err)
	assert.True(t, rb.Resumed)
	assert.Empty(t, ownXIDs(s), "no axium external id left")
	for _, m := range realPushed {
		if m != "x_perio_record" {
			assert.Equal(t, before[m], s.Count(m), m)
		}
	}
	assert.False(t, s.HasModel("x_perio_record"), "custom model removed")
	_, ok := s.Field("res.partner", "x_medical_alert")
	assert.False(t, ok, "custom field removed")
	var parent int64
	require.NoError(t, f.db.QueryRow("SELECT parent_run FROM meta.push_run WHERE run_id = ?", rb.RunID).Scan(&parent))
	assert.Equal(t, first, parent)
	// Running it again changes nothing.
	_, err = odoo.Rollback(context.Background(), f.db, c, odoo.RollbackOptions{PushRun: first, Schema: true})
	require.NoError(t, err)
}

// TestPropagateDeletesRemovesOccurrences: a recurrent recall gone from the
// table is deleted with --propagate-deletes together with the occurrences
// and the recurrence Odoo generated for it (no external id binds them),
// as a rollback does.
func TestPropagateDeletesRemovesOccurrences(t *testing.T) {
	f := newRealFixture(t)
	s := newServer(t, odootest.Options{})
	c := connect(t, s, "xmlrpc")
	_, err := odoo.Push(context.Background(), f.db, c, pushOpts())
	require.NoError(t, err)
	var gone string
	var count int
	require.NoError(t, f.db.QueryRow("SELECT id, count FROM odoo.calendar_event_recall WHERE recurrency AND count > 1 ORDER BY id LIMIT 1").Scan(&gone, &count))
	_, id, ok := s.XID(gone)
	require.True(t, ok)
	var recurrence int64
	for _, r := range s.Records("calendar.event") {
		if r["id"] == id {
			recurrence = r["recurrence_id"].(int64)
		}
	}
	require.NotZero(t, recurrence, "odootest expands the recurrence")
	series := func() int {
		n := 0
		for _, r := range s.Records("calendar.event") {
			if r["recurrence_id"] == recurrence {
				n++
			}
		}
		return n
	}
	require.Equal(t, count, series(), "the event and its generated occurrences")
	events, recurrences := s.Count("calendar.event"), s.Count("calendar.recurrence")

	exec1(t, f.db, "DELETE FROM odoo.calendar_event_recall WHERE id = ?", gone)
	f.confirm(t)
	o := pushOpts()
	o.PropagateDeletes = true
	rep, err := odoo.Push(context.Background(), f.db, c, o)
	require.NoError(t, err)
	require.Len(t, rep.Gone, 1)
	assert.True(t, rep.Gone[0].Deleted)
	assert.Zero(t, series(), "no occurrence left")
	assert.Equal(t, events-count, s.Count("calendar.event"))
	assert.Equal(t, recurrences-1, s.Count("calendar.recurrence"))
}

// TestAppointmentsNameTheirVisitByKey: visits are keyed (no external id),
// so an appointment's opportunity_id goes by the visit's database id,
// found by its key: every event points at the visit its row names. A row
// that names a record of another model fails with the reason, and only it.
func TestAppointmentsNameTheirVisitByKey(t *testing.T) {
	f := newRealFixture(t)
	var wrong, patient string
	require.NoError(t, f.db.QueryRow(`SELECT id, "partner_ids/id" FROM odoo.calendar_event WHERE "opportunity_id/id" IS NOT NULL ORDER BY id LIMIT 1`).Scan(&wrong, &patient))
	patient, _, _ = strings.Cut(patient, ",")
	exec1(t, f.db, `UPDATE odoo.calendar_event SET "opportunity_id/id" = ? WHERE id = ?`, patient, wrong)
	f.confirm(t)
	s := newServer(t, odootest.Options{})
	c := connect(t, s, "xmlrpc")
	rep, err := odoo.Push(context.Background(), f.db, c, pushOpts())
	require.NoError(t, err)
	require.Len(t, rep.Failures, 1)
	assert.Equal(t, wrong, rep.Failures[0].XID)
	assert.Contains(t, rep.Failures[0].Reason, "opportunity_id/id: external id "+patient+" is a res.partner, not a crm.lead")

	leadKey := map[int64]string{}
	for _, r := range s.Records("crm.lead") {
		leadKey[r["id"].(int64)] = r["x_axium_xid"].(string)
	}
	events := map[int64]odootest.Record{}
	for _, r := range s.Records("calendar.event") {
		events[r["id"].(int64)] = r
	}
	rows, err := f.db.Query(`SELECT id, "opportunity_id/id" FROM odoo.calendar_event WHERE "opportunity_id/id" IS NOT NULL AND id <> ?`, wrong)
	require.NoError(t, err)
	defer rows.Close()
	n := 0
	for rows.Next() {
		var xid, visit string
		require.NoError(t, rows.Scan(&xid, &visit))
		_, id, ok := s.XID(xid)
		require.True(t, ok, xid)
		lead, _ := events[id]["opportunity_id"].(int64)
		assert.Equal(t, visit, leadKey[lead], xid)
		n++
	}
	require.NoError(t, rows.Err())
	assert.Positive(t, n)
}

// inFlight counts the calls on the wire whose body holds each pattern and
// keeps the most at once; each such call is held a little on its way, so
// two calls sent together are seen together.
type inFlight struct {
	mu       sync.Mutex
	patterns map[string]string // name → body substring
	now, max map[string]int
}

func (f *inFlight) RoundTrip(r *http.Request) (*http.Response, error) {
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	var hit []string
	f.mu.Lock()
	for name, p := range f.patterns {
		if bytes.Contains(b, []byte(p)) {
			hit = append(hit, name)
			f.now[name]++
			f.max[name] = max(f.max[name], f.now[name])
		}
	}
	f.mu.Unlock()
	if len(hit) > 0 {
		time.Sleep(20 * time.Millisecond)
	}
	res, err := http.DefaultTransport.RoundTrip(r)
	f.mu.Lock()
	for _, name := range hit {
		f.now[name]--
	}
	f.mu.Unlock()
	return res, err
}

// TestVisitsAreWrittenOneAtATime: visits' creates never overlap on two
// connections (on a real Odoo each batch of won visits updates the same
// lead-scoring rows), while invoice lines and perio records, on the same
// push, do.
func TestVisitsAreWrittenOneAtATime(t *testing.T) {
	f := newRealFixture(t)
	s := newServer(t, odootest.Options{})
	call := func(model string) string {
		return "<string>" + model + "</string></value></param><param><value><string>create</string>"
	}
	fl := &inFlight{patterns: map[string]string{"crm.lead": call("crm.lead"), "account.move.line": call("account.move.line"),
		"x_perio_record": call("x_perio_record")},
		now: map[string]int{}, max: map[string]int{}}
	c, err := odoo.Dial(context.Background(), odoo.Config{URL: s.URL, DB: "odoo", User: "admin", Password: testPassword, Protocol: "xmlrpc",
		Backoff: time.Millisecond, HTTPClient: &http.Client{Transport: fl}})
	require.NoError(t, err)
	o := pushOpts()
	o.BatchSize = 5
	o.LiveScoring = true // paused, visits go on both connections (scoring_test.go)
	rep, err := odoo.Push(context.Background(), f.db, c, o)
	require.NoError(t, err)
	require.Empty(t, rep.Failures)
	assert.Equal(t, f.rows(t)["crm.lead"], axiumCount(s)["crm.lead"])
	assert.Equal(t, f.rows(t)["account.move.line"], axiumCount(s)["account.move.line"])
	assert.Equal(t, 1, fl.max["crm.lead"], "visits one at a time")
	assert.Equal(t, 2, fl.max["account.move.line"], "lines on both connections")
	assert.Equal(t, 2, fl.max["x_perio_record"], "perio records on both connections")
}
