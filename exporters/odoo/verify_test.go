package odoo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/odoo"
	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
)

func verifyOpts() odoo.VerifyOptions {
	return odoo.VerifyOptions{TimeZone: newYork, BatchSize: 40, Examples: 10}
}

// describe lists every difference of a report, for a failing assertion.
func describe(rep *odoo.VerifyReport) string {
	s := ""
	for _, t := range rep.Tables {
		if t.Missing+t.Extra+t.Mismatched == 0 {
			continue
		}
		s += fmt.Sprintf("%s: missing %v extra %v mismatched %d\n", t.Table, t.MissingXIDs, t.ExtraXIDs, t.Mismatched)
		for _, d := range t.Differences {
			s += fmt.Sprintf("  %s %s: source %q, odoo %q\n", d.XID, d.Field, d.Source, d.Destination)
		}
	}
	return s
}

// assertClean: every row found, nothing missing, extra or different.
func assertClean(t *testing.T, rep *odoo.VerifyReport, rows map[string]int) {
	t.Helper()
	assert.Zero(t, rep.Differences(), describe(rep))
	got := map[string]int{}
	for _, tv := range rep.Tables {
		assert.Equal(t, tv.Expected, tv.Found, tv.Table)
		got[tv.Model] += tv.Found
	}
	assert.Equal(t, rows, got, "every row of every table read back")
}

// xidID finds a record's database id by external id over RPC.
func xidID(t *testing.T, c *odoo.Client, xid string) int64 {
	t.Helper()
	v, err := c.Execute(context.Background(), "ir.model.data", "search_read",
		[]any{[]any{[]any{"module", "=", "axium"}, []any{"name", "=", xid[len("axium."):]}}}, map[string]any{"fields": []any{"res_id"}})
	require.NoError(t, err)
	l := v.([]any)
	require.Len(t, l, 1, xid)
	return l[0].(map[string]any)["res_id"].(int64)
}

func firstXID(t *testing.T, f *fixture, table string) string {
	t.Helper()
	var x string
	require.NoError(t, f.db.QueryRow("SELECT id FROM odoo."+table+" ORDER BY id LIMIT 1").Scan(&x))
	return x
}

// tampering is what tamper changed in Odoo behind the migration's back.
type tampering struct{ edited, deleted, added string }

// tamper edits a field of one patient, unlinks one appointment and adds a
// partner bound to an axium external id, all over RPC as a user would.
func tamper(t *testing.T, c *odoo.Client, f *fixture) tampering {
	t.Helper()
	ctx := context.Background()
	tp := tampering{edited: firstXID(t, f, "res_partner_patient"), deleted: firstXID(t, f, "calendar_event"), added: "axium.patient_walk_in"}
	_, err := c.Execute(ctx, "res.partner", "write", []any{[]any{xidID(t, c, tp.edited)}, map[string]any{"city": "Tampered City"}}, nil)
	require.NoError(t, err)
	_, err = c.Execute(ctx, "calendar.event", "unlink", []any{[]any{xidID(t, c, tp.deleted)}}, nil)
	require.NoError(t, err)
	v, err := c.Execute(ctx, "res.partner", "create", []any{[]any{map[string]any{"name": "Walk-in patient"}}}, nil)
	require.NoError(t, err)
	id := v.([]any)[0].(int64)
	_, err = c.Execute(ctx, "ir.model.data", "create", []any{[]any{map[string]any{"module": "axium", "name": "patient_walk_in",
		"model": "res.partner", "res_id": id, "noupdate": true}}}, nil)
	require.NoError(t, err)
	return tp
}

// assertTampering: verify reports exactly the three changes.
func assertTampering(t *testing.T, f *fixture, rep *odoo.VerifyReport, tp tampering) {
	t.Helper()
	assert.Equal(t, 3, rep.Differences(), describe(rep))
	for _, tv := range rep.Tables {
		switch tv.Table {
		case "odoo.res_partner_patient":
			assert.Equal(t, 1, tv.Mismatched)
			if assert.Len(t, tv.Differences, 1) {
				d := tv.Differences[0]
				assert.Equal(t, tp.edited, d.XID)
				assert.Equal(t, "city", d.Field)
				assert.Equal(t, "Tampered City", d.Destination)
				assert.NotEqual(t, d.Source, d.Destination)
			}
			assert.Equal(t, []string{tp.added}, tv.ExtraXIDs)
			assert.Zero(t, tv.Missing)
		case "odoo.calendar_event":
			assert.Equal(t, []string{tp.deleted}, tv.MissingXIDs)
			assert.Zero(t, tv.Extra+tv.Mismatched)
		default:
			assert.Zero(t, tv.Missing+tv.Extra+tv.Mismatched, tv.Table)
		}
	}
	var runs, fails int
	require.NoError(t, f.db.QueryRow("SELECT count(*) FROM meta.push_run WHERE run_id = ? AND mode = 'verify' AND status = 'finished'", rep.RunID).Scan(&runs))
	require.NoError(t, f.db.QueryRow("SELECT count(*) FROM meta.push_record WHERE run_id = ? AND action = 'fail'", rep.RunID).Scan(&fails))
	assert.Equal(t, 1, runs)
	assert.Equal(t, 3, fails, "one fail entry per difference")
}

// modelCounts counts every record of each model, archived included.
func modelCounts(t *testing.T, c *odoo.Client, models []string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, m := range models {
		v, err := c.Execute(context.Background(), m, "search_count", []any{[]any{}}, map[string]any{"context": map[string]any{"active_test": false}})
		require.NoError(t, err, m)
		out[m] = v.(int64)
	}
	return out
}

func axiumXIDCount(t *testing.T, c *odoo.Client) int64 {
	t.Helper()
	v, err := c.Execute(context.Background(), "ir.model.data", "search_count", []any{[]any{[]any{"module", "=", "axium"}}}, nil)
	require.NoError(t, err)
	return v.(int64)
}

// assertNothingLeft: after a rollback verify finds every row missing and
// nothing extra, no axium external id remains and the counts are back.
func assertNothingLeft(t *testing.T, f *fixture, c *odoo.Client, before map[string]int64, models []string) {
	t.Helper()
	rep, err := odoo.Verify(context.Background(), f.db, c, verifyOpts())
	require.NoError(t, err)
	for _, tv := range rep.Tables {
		assert.Equal(t, tv.Expected, tv.Missing, tv.Table)
		assert.Zero(t, tv.Found+tv.Extra+tv.Mismatched, tv.Table)
	}
	assert.Zero(t, axiumXIDCount(t, c), "no axium external id left")
	assert.Equal(t, before, modelCounts(t, c, models))
	assert.Equal(t, map[string]int64{"x_perio_record": 0}, modelCounts(t, c, []string{"x_perio_record"}), "the custom model is empty")
}

// standardModels are the pushed models that exist before a push (the
// custom one does not), and the recurrences events make.
func standardModels(pushed []string) []string {
	out := []string{"calendar.recurrence"}
	for _, m := range pushed {
		if m != "x_perio_record" {
			out = append(out, m)
		}
	}
	return out
}

// TestVerify pushes the real models of a 30-patient export, verifies
// clean (with a side-by-side sample spanning every table), then finds
// exactly a tampered field, an unlinked record and an extra record, and
// after a rollback finds nothing of the push left.
func TestVerify(t *testing.T) {
	for _, proto := range []string{"xmlrpc", "jsonrpc"} {
		t.Run(proto, func(t *testing.T) {
			f := newRealFixture(t)
			s := newServer(t, odootest.Options{})
			c := connect(t, s, proto)
			models := standardModels(realPushed)
			before := modelCounts(t, c, models)
			ctx := context.Background()
			_, err := odoo.Verify(ctx, f.db, c, verifyOpts())
			require.ErrorIs(t, err, odoo.ErrNothingPushed)

			push, err := odoo.Push(ctx, f.db, c, pushOpts())
			require.NoError(t, err)
			require.Empty(t, push.Failures)
			// The sample is TestVerifySample's; this is the full verify.
			rep, err := odoo.Verify(ctx, f.db, c, verifyOpts())
			require.NoError(t, err)
			assert.Equal(t, push.RunID, rep.PushRun)
			assertClean(t, rep, f.rows(t))

			tp := tamper(t, c, f)
			rep, err = odoo.Verify(ctx, f.db, c, verifyOpts())
			require.NoError(t, err)
			assertTampering(t, f, rep, tp)

			_, err = odoo.Rollback(ctx, f.db, c, odoo.RollbackOptions{PushRun: push.RunID})
			require.NoError(t, err)
			// The walk-in partner was not the push's: remove it as its maker would.
			_, err = c.Execute(ctx, "res.partner", "unlink", []any{[]any{xidID(t, c, tp.added)}}, nil)
			require.NoError(t, err)
			assertNothingLeft(t, f, c, before, models)
		})
	}
}

// TestIntegrationVerify does what TestVerify does against the real Odoo
// ODOO_URL names (a fresh copy of a database): push the real models,
// verify clean, tamper over RPC, find exactly the three changes, roll
// back, find nothing left.
func TestIntegrationVerify(t *testing.T) {
	c := realOdoo(t, "xmlrpc")
	f := newRealFixture(t)
	ctx := context.Background()
	models := standardModels(realPushed)
	before := modelCounts(t, c, models)
	push, err := odoo.Push(ctx, f.db, c, pushOpts())
	require.NoError(t, err)
	require.Empty(t, push.Failures)
	rep, err := odoo.Verify(ctx, f.db, c, verifyOpts())
	require.NoError(t, err)
	assertClean(t, rep, f.rows(t))

	tp := tamper(t, c, f)
	rep, err = odoo.Verify(ctx, f.db, c, verifyOpts())
	require.NoError(t, err)
	assertTampering(t, f, rep, tp)

	_, err = odoo.Rollback(ctx, f.db, c, odoo.RollbackOptions{PushRun: push.RunID})
	require.NoError(t, err)
	_, err = c.Execute(ctx, "res.partner", "unlink", []any{[]any{xidID(t, c, tp.added)}}, nil)
	require.NoError(t, err)
	assertNothingLeft(t, f, c, before, models)
}

// idsPerCall records the most records one JSON-RPC call asked Odoo for:
// the ids a read names, the names an external id lookup names, a limit.
type idsPerCall struct {
	next http.RoundTripper
	mu   sync.Mutex
	max  int
}

func (c *idsPerCall) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		var call struct {
			Params struct {
				Args []any `json:"args"`
			} `json:"params"`
		}
		if json.Unmarshal(b, &call) == nil && len(call.Params.Args) >= 6 {
			c.note(call.Params.Args)
		}
	}
	return c.next.RoundTrip(r)
}

func (c *idsPerCall) note(args []any) {
	method, _ := args[4].(string)
	pos, _ := args[5].([]any)
	n := 0
	switch method {
	case "read":
		if len(pos) > 0 {
			ids, _ := pos[0].([]any)
			n = len(ids)
		}
	case "search_read":
		if len(pos) > 0 {
			domain, _ := pos[0].([]any)
			for _, leaf := range domain {
				if l, ok := leaf.([]any); ok && len(l) == 3 && l[0] == "name" && l[1] == "in" {
					vals, _ := l[2].([]any)
					n = max(n, len(vals))
				}
			}
		}
		if len(args) > 6 {
			kw, _ := args[6].(map[string]any)
			if lim, ok := kw["limit"].(float64); ok {
				n = max(n, int(lim))
			}
		}
	}
	c.mu.Lock()
	c.max = max(c.max, n)
	c.mu.Unlock()
}

// TestVerifyReadsPages verifies with pages of 7 rows over tables of more
// than 7, after tampering in several pages: the report is the one the
// default page size gives, and no call asks Odoo for more records than a
// page holds (a verify that reads a table whole asks for a batch of all).
func TestVerifyReadsPages(t *testing.T) {
	const page = 7
	ctx := context.Background()
	f := newRealFixture(t)
	s := newServer(t, odootest.Options{})
	calls := &idsPerCall{next: http.DefaultTransport}
	c, err := odoo.Dial(ctx, odoo.Config{URL: s.URL, DB: "odoo", User: "admin", Password: testPassword, Protocol: "jsonrpc",
		Backoff: time.Millisecond, HTTPClient: &http.Client{Transport: calls}})
	require.NoError(t, err)
	push, err := odoo.Push(ctx, f.db, c, pushOpts())
	require.NoError(t, err)
	require.Empty(t, push.Failures)

	rows := f.rows(t)
	require.Greater(t, rows["res.partner"], 2*page, "the partner tables span several pages")
	xids := func(table string) []string {
		r, err := f.db.Query("SELECT id FROM odoo." + table + " ORDER BY id")
		require.NoError(t, err)
		defer r.Close()
		var out []string
		for r.Next() {
			var x string
			require.NoError(t, r.Scan(&x))
			out = append(out, x)
		}
		return out
	}
	patients, events := xids("res_partner_patient"), xids("calendar_event")
	require.Greater(t, len(events), 2*page, "the event table spans several pages")
	// Two edited patients and two unlinked events, pages apart; two
	// partners bound to axium external ids no table has; and an event
	// deleted from the table since the push, which Odoo still holds.
	edited := []string{patients[0], patients[len(patients)-1]}
	for _, x := range edited {
		_, err := c.Execute(ctx, "res.partner", "write", []any{[]any{xidID(t, c, x)}, map[string]any{"city": "Tampered City"}}, nil)
		require.NoError(t, err)
	}
	deleted := []string{events[0], events[len(events)-1]}
	for _, x := range deleted {
		_, err := c.Execute(ctx, "calendar.event", "unlink", []any{[]any{xidID(t, c, x)}}, nil)
		require.NoError(t, err)
	}
	added := []string{"axium.patient_walk_in", "axium.patient_walk_in_2"}
	for _, x := range added {
		v, err := c.Execute(ctx, "res.partner", "create", []any{[]any{map[string]any{"name": "Walk-in patient"}}}, nil)
		require.NoError(t, err)
		_, err = c.Execute(ctx, "ir.model.data", "create", []any{[]any{map[string]any{"module": "axium", "name": x[len("axium."):],
			"model": "res.partner", "res_id": v.([]any)[0].(int64), "noupdate": true}}}, nil)
		require.NoError(t, err)
	}
	goneEvent := events[len(events)/2]
	_, err = f.db.Exec("DELETE FROM odoo.calendar_event WHERE id = ?", goneEvent)
	require.NoError(t, err)

	verifyWith := func(rows int, byIDs bool) *odoo.VerifyReport {
		defer odoo.SetVerifyPageRows(rows)()
		defer odoo.SetVerifyByIDs(byIDs)()
		calls.mu.Lock()
		calls.max = 0
		calls.mu.Unlock()
		rep, err := odoo.Verify(ctx, f.db, c, verifyOpts())
		require.NoError(t, err)
		return rep
	}
	whole := verifyWith(exporters.DefaultPageRows, true)
	paged := verifyWith(page, false)
	assert.LessOrEqual(t, calls.max, page, "no call asks Odoo for more records than a page holds")
	assert.Equal(t, whole.Tables, paged.Tables, "the same report by pages of 7 as the old way by whole pages")
	assert.Equal(t, 7, paged.Differences(), describe(paged))
	for _, tv := range paged.Tables {
		switch tv.Table {
		case "odoo.res_partner_patient":
			assert.Equal(t, 2, tv.Mismatched)
			assert.Equal(t, added, tv.ExtraXIDs)
			assert.Zero(t, tv.Missing)
		case "odoo.calendar_event":
			assert.Equal(t, deleted, tv.MissingXIDs)
			assert.Equal(t, []string{goneEvent}, tv.ExtraXIDs)
			assert.Equal(t, len(events)-1, tv.Expected)
			assert.Zero(t, tv.Mismatched)
		default:
			assert.Zero(t, tv.Missing+tv.Extra+tv.Mismatched, tv.Table)
		}
	}
	for _, rep := range []*odoo.VerifyReport{whole, paged} {
		var fails int
		require.NoError(t, f.db.QueryRow("SELECT count(*) FROM meta.push_record WHERE run_id = ? AND action = 'fail'", rep.RunID).Scan(&fails))
		assert.Equal(t, 7, fails, "one fail entry per difference")
	}
}

// TestVerifyKeyedRecords: perio records (a keyed model) carry no external
// id. Verify finds them by their key field: an edited one differs, a
// deleted one is missing, and one added in Odoo with a key no table holds
// is extra.
func TestVerifyKeyedRecords(t *testing.T) {
	ctx := context.Background()
	f, s, c := pushedFixture(t, 20)
	id := func(xid string) int64 { return recordID(t, s, xid) }
	_, err := c.Execute(ctx, "x_perio_record", "write", []any{[]any{id("axium.perio_3")}, map[string]any{"x_depth_mm": 7.0}}, nil)
	require.NoError(t, err)
	_, err = c.Execute(ctx, "x_perio_record", "unlink", []any{[]any{id("axium.perio_5")}}, nil)
	require.NoError(t, err)
	_, err = c.Execute(ctx, "x_perio_record", "create", []any{[]any{map[string]any{"x_name": "Added by hand", "x_axium_xid": "axium.perio_walk_in"}}}, nil)
	require.NoError(t, err)

	rep, err := odoo.Verify(ctx, f.db, c, verifyOpts())
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Differences(), describe(rep))
	for _, tv := range rep.Tables {
		if tv.Table != "odoo.x_perio_record" {
			assert.Zero(t, tv.Missing+tv.Extra+tv.Mismatched, tv.Table)
			continue
		}
		assert.Equal(t, []string{"axium.perio_5"}, tv.MissingXIDs)
		assert.Equal(t, []string{"axium.perio_walk_in"}, tv.ExtraXIDs)
		if assert.Len(t, tv.Differences, 1) {
			assert.Equal(t, "axium.perio_3", tv.Differences[0].XID)
			assert.Equal(t, "x_depth_mm", tv.Differences[0].Field)
		}
	}
}
