package odoo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/odoo"
	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// BenchmarkPushOdoo pushes the same partners batched (create with a list
// of vals, 500 a call, 1 and 2 connections) and one record per call, in the
// same run, and reports records/s of each and the ratio. Against the real
// server ODOO_URL names when set (use a fresh database), else the test
// server. AXIUM2CRM_BENCH_PATIENTS sets the size (default 300).
//
//	go test -run '^$' -bench BenchmarkPushOdoo -benchtime 1x ./exporters/odoo
func BenchmarkPushOdoo(b *testing.B) {
	n := 300
	if s := os.Getenv("AXIUM2CRM_BENCH_PATIENTS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	var c *odoo.Client
	if os.Getenv("ODOO_URL") != "" {
		c = realOdoo(b, "xmlrpc")
	} else {
		c = connect(b, newServer(b, odootest0()), "xmlrpc")
	}
	f := newFixture(b, n)
	// Partners only: the tables every other one hangs on.
	exec1(b, f.db, "DELETE FROM odoo.object_plan WHERE model <> 'res.partner'")
	exec1(b, f.db, "DELETE FROM odoo.field_plan WHERE model <> 'res.partner'")
	f.confirm(b)
	rows := 0
	for _, k := range f.rows(b) {
		rows += k
	}
	ctx := context.Background()
	run := func(batch, workers int) float64 {
		// Remove what the previous round created, so each round creates all.
		v, err := c.Execute(ctx, "ir.model.data", "search_read", []any{[]any{[]any{"module", "=", "axium"}, []any{"model", "=", "res.partner"}}},
			map[string]any{"fields": []any{"res_id"}})
		require.NoError(b, err)
		var ids []any
		for _, r := range v.([]any) {
			ids = append(ids, r.(map[string]any)["res_id"])
		}
		if len(ids) > 0 {
			_, err = c.Execute(ctx, "res.partner", "unlink", []any{ids}, nil)
			require.NoError(b, err)
		}
		start := time.Now()
		rep, err := odoo.Push(ctx, f.db, c, odoo.PushOptions{BatchSize: batch, Workers: workers, TimeZone: newYork})
		require.NoError(b, err)
		secs := time.Since(start).Seconds()
		created := 0
		for _, tr := range rep.Tables {
			created += tr.Create
		}
		require.Equal(b, rows, created)
		return float64(rows) / secs
	}
	for i := 0; i < b.N; i++ {
		b1 := run(500, 1)
		b2 := run(500, 2)
		one := run(1, 1)
		b.ReportMetric(b1, "batched_1conn_rec/s")
		b.ReportMetric(b2, "batched_2conn_rec/s")
		b.ReportMetric(one, "one_per_call_rec/s")
		b.ReportMetric(max(b1, b2)/one, "ratio")
	}
}

func odootest0() odootest.Options { return odootest.Options{} }

// BenchmarkOdooShapes pushes a generated export to the real Odoo ODOO_URL
// names (a fresh database: the records stay there), then, per table,
// sends the same records again in other write shapes (load and batched
// create; 100, 500 and 2,000 records a call; 1 and 2 connections) and
// invoices with their lines nested in the same load, each undone before
// the next, and prints the push's records/s next to the best shape's and
// the ratio. A table's push seconds are its share of the wire
// (tableClock: tables written beside each other share their overlap).
// AXIUM2CRM_BENCH_PATIENTS sets the export's size (default
// 200), AXIUM2CRM_BENCH_SAMPLE the records a shape sends (default 1,000).
//
//	ODOO_DB=fresh go test -run '^$' -bench BenchmarkOdooShapes -benchtime 1x -timeout 60m ./exporters/odoo
func BenchmarkOdooShapes(b *testing.B) {
	realOdoo(b, "jsonrpc") // skips without ODOO_URL
	clock := &tableClock{}
	c, err := odoo.Dial(context.Background(), odoo.Config{URL: os.Getenv("ODOO_URL"), DB: os.Getenv("ODOO_DB"), User: os.Getenv("ODOO_USER"),
		Password: os.Getenv("ODOO_PASSWORD"), Protocol: "jsonrpc", HTTPClient: &http.Client{Transport: clock}})
	require.NoError(b, err)
	n, sample := envInt("AXIUM2CRM_BENCH_PATIENTS", 200), envInt("AXIUM2CRM_BENCH_SAMPLE", 1000)
	dir := b.TempDir()
	_, err = buildRealWarehouse(dir, n, 11)
	require.NoError(b, err)
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(dir, "staging.duckdb")})
	require.NoError(b, err)
	b.Cleanup(func() { _ = wh.Close() })
	f := &fixture{db: wh.DB()}
	f.confirm(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		clock.start()
		rep, err := odoo.Push(ctx, f.db, c, odoo.PushOptions{BatchSize: 500, Workers: 2, TimeZone: newYork})
		require.NoError(b, err)
		total, created := time.Since(start).Seconds(), 0
		read := clock.stop()
		secsOf, callsBy := read.secs, read.calls
		bestOf, records := map[string]float64{}, map[string]int{}
		fmt.Printf("%-24s %-18s %7s %9s %9s  %-22s %6s\n", "table", "model", "records", "push r/s", "best r/s", "best shape", "ratio")
		for _, tr := range rep.Tables {
			created += tr.Create
			secs := secsOf[tr.Table]
			if tr.Create == 0 || secs == 0 {
				continue
			}
			pushRate := float64(tr.Create) / secs
			best, shape := 0.0, "-"
			if tr.Table == "res_groups" || tr.Table == "res_users" {
				// Unique names and logins: a replay without external ids
				// would be refused.
				shape = "n/a (unique keys)"
			} else {
				rp, err := odoo.ReplayOf(ctx, f.db, c, tr.Table, newYork, sample)
				require.NoError(b, err)
				best, shape = bestShape(b, c, rp)
			}
			bestOf[tr.Table], records[tr.Table] = best, tr.Create
			ratio := "-"
			if best > 0 {
				ratio = fmt.Sprintf("%.2f", pushRate/best)
			}
			fmt.Printf("%-24s %-18s %7d %9.1f %9.1f  %-22s %6s\n", tr.Table, tr.Model, tr.Create, pushRate, best, shape, ratio)
			fmt.Printf("  calls: %s\n", callsBy[tr.Table])
			if tr.Table == "account_move" {
				rp, err := odoo.NestedMovesOf(ctx, f.db, c, newYork, sample/4)
				require.NoError(b, err)
				r, s := bestShape(b, c, rp)
				fmt.Printf("%-24s %-18s %7d %9s %9.1f  %-22s\n", "  moves+lines nested", "account.move", rp.Records, "", r, s)
			}
		}
		// Tables written beside each other share the server: their
		// time together against their best shapes one after the other.
		for _, g := range read.together {
			wire, alone := 0.0, 0.0
			for _, t := range g {
				wire += secsOf[t]
				if bestOf[t] > 0 {
					alone += float64(records[t]) / bestOf[t]
				} else {
					alone = math.NaN() // a table without a best shape
				}
			}
			fmt.Printf("written together: %s: %.1f s on the wire, %.1f s for their best shapes one after the other: %.2f\n",
				strings.Join(g, " + "), wire, alone, alone/wire)
		}
		fmt.Printf("push: %d records in %.0f s, %.1f records/s (%.0f s on the tables' clocks)\n", created, total, float64(created)/total, read.total)
		b.ReportMetric(float64(created)/total, "push_rec/s")
	}
}

// tableClock times a push's tables on the wire. Each call of a batch
// (its reads and its writes: the push names the batch's table in the
// call's context) is in flight from its request to its answer; at any
// moment the tables with a call in flight share the time equally, and
// a moment with none in flight goes to the tables whose calls start next
// (the push reading and preparing them). Tables the push writes beside
// each other (the engine starts a table before the one before it is done
// when it does not point at it) thus each get their share, not the whole
// overlap, and the shares add up to the push's wall time after its first
// batch call.
type tableClock struct {
	mu    sync.Mutex
	on    bool
	calls []tableCall
}

type tableCall struct {
	table, call string // call: "model method"
	start, end  time.Time
}

func (l *tableClock) start() {
	l.mu.Lock()
	l.on, l.calls = true, nil
	l.mu.Unlock()
}

func (l *tableClock) RoundTrip(r *http.Request) (*http.Response, error) {
	table := odoo.TableOf(r.Context())
	var req struct {
		Params struct {
			Args []any `json:"args"`
		} `json:"params"`
	}
	if table != "" && r.Body != nil {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		_ = json.Unmarshal(body, &req)
	}
	start := time.Now()
	resp, err := http.DefaultTransport.RoundTrip(r)
	if table == "" {
		return resp, err
	}
	call := "?"
	if a := req.Params.Args; len(a) >= 5 {
		call = fmt.Sprint(a[3], " ", a[4])
	}
	if err == nil {
		// The answer is in once its body is read: keep it so.
		body, rerr := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if rerr != nil {
			resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{rerr}))
		}
	}
	end := time.Now()
	l.mu.Lock()
	if l.on {
		l.calls = append(l.calls, tableCall{table: table, call: call, start: start, end: end})
	}
	l.mu.Unlock()
	return resp, err
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// clockReading is what a tableClock read of a push.
type clockReading struct {
	secs     map[string]float64 // each table's share of the wire
	total    float64            // the sum of the shares
	calls    map[string]string  // callsOf
	together [][]string         // writtenTogether
}

func (l *tableClock) stop() clockReading {
	l.mu.Lock()
	calls := l.calls
	l.on, l.calls = false, nil
	l.mu.Unlock()
	secs, total := shareTime(calls)
	return clockReading{secs: secs, total: total, calls: callsOf(calls), together: writtenTogether(calls)}
}

// tableSpan is a table's time from its first call to its last answer.
type tableSpan struct{ from, to time.Time }

// tableSpans are the tables' spans, and the tables in the order they
// started.
func tableSpans(calls []tableCall) (map[string]*tableSpan, []string) {
	spans := map[string]*tableSpan{}
	var order []string
	for _, c := range calls {
		sp := spans[c.table]
		if sp == nil {
			spans[c.table] = &tableSpan{c.start, c.end}
			order = append(order, c.table)
			continue
		}
		if c.start.Before(sp.from) {
			sp.from = c.start
		}
		if c.end.After(sp.to) {
			sp.to = c.end
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return spans[order[i]].from.Before(spans[order[j]].from) })
	return spans, order
}

// writtenTogether groups the tables the push wrote beside each other: two
// tables are together when the spans from their first call to their last
// overlap by at least a quarter of the shorter span (a table's last batch
// in flight while the next table's first goes does not count). Only
// groups of two or more, each in the order its tables started.
func writtenTogether(calls []tableCall) [][]string {
	spans, order := tableSpans(calls)
	group := map[string]int{}
	for i, t := range order {
		group[t] = i
	}
	parent := make([]int, len(order))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			i = parent[i]
		}
		return i
	}
	for i, a := range order {
		for _, b := range order[i+1:] {
			sa, sb := spans[a], spans[b]
			from, to := sb.from, sb.to
			if sa.from.After(from) {
				from = sa.from
			}
			if sa.to.Before(to) {
				to = sa.to
			}
			shorter := min(sa.to.Sub(sa.from), sb.to.Sub(sb.from))
			if overlap := to.Sub(from); shorter > 0 && overlap >= shorter/4 {
				parent[find(group[b])] = find(group[a])
			}
		}
	}
	members := map[int][]string{}
	var roots []int
	for i, t := range order {
		r := find(i)
		if members[r] == nil {
			roots = append(roots, r)
		}
		members[r] = append(members[r], t)
	}
	var out [][]string
	for _, r := range roots {
		if len(members[r]) > 1 {
			out = append(out, members[r])
		}
	}
	return out
}

// callsOf says, per table, when its first call went and its last came
// back (seconds after the push's first batch call), how many calls of
// each model and method its batches made and their time in flight
// (summed, not shared): where a table's time goes beside its writes.
func callsOf(calls []tableCall) map[string]string {
	type sum struct {
		n    int
		secs float64
	}
	by := map[string]map[string]*sum{}
	spans, order := tableSpans(calls)
	var zero time.Time
	if len(order) > 0 {
		zero = spans[order[0]].from
	}
	for _, c := range calls {
		if by[c.table] == nil {
			by[c.table] = map[string]*sum{}
		}
		if by[c.table][c.call] == nil {
			by[c.table][c.call] = &sum{}
		}
		by[c.table][c.call].n++
		by[c.table][c.call].secs += c.end.Sub(c.start).Seconds()
	}
	out := map[string]string{}
	for table, m := range by {
		var parts []string
		for _, call := range slices.Sorted(maps.Keys(m)) {
			parts = append(parts, fmt.Sprintf("%s %d in %.2f s", call, m[call].n, m[call].secs))
		}
		sp := spans[table]
		out[table] = fmt.Sprintf("from %.1f s to %.1f s: %s", sp.from.Sub(zero).Seconds(), sp.to.Sub(zero).Seconds(), strings.Join(parts, "; "))
	}
	return out
}

// shareTime splits the time from the first call's start to the last
// call's end among the calls' tables as tableClock says.
func shareTime(calls []tableCall) (map[string]float64, float64) {
	type edge struct {
		at    time.Time
		table string
		delta int
	}
	var edges []edge
	for _, c := range calls {
		edges = append(edges, edge{c.start, c.table, +1}, edge{c.end, c.table, -1})
	}
	sort.SliceStable(edges, func(i, j int) bool {
		if !edges[i].at.Equal(edges[j].at) {
			return edges[i].at.Before(edges[j].at)
		}
		return edges[i].delta < edges[j].delta // an end before a start at the same instant
	})
	out := map[string]float64{}
	active := map[string]int{}
	var idle time.Duration // not yet given to a table: nothing in flight
	total := 0.0
	for i := 0; i < len(edges); {
		at := edges[i].at
		var starting []string
		for ; i < len(edges) && edges[i].at.Equal(at); i++ {
			e := edges[i]
			if e.delta > 0 && active[e.table] == 0 && !slices.Contains(starting, e.table) {
				starting = append(starting, e.table)
			}
			active[e.table] += e.delta
			if active[e.table] == 0 {
				delete(active, e.table)
			}
		}
		if idle > 0 && len(starting) > 0 {
			for _, t := range starting {
				out[t] += idle.Seconds() / float64(len(starting))
			}
			total += idle.Seconds()
			idle = 0
		}
		if i == len(edges) {
			break
		}
		span := edges[i].at.Sub(at)
		if len(active) == 0 {
			idle += span
			continue
		}
		for t := range active {
			out[t] += span.Seconds() / float64(len(active))
		}
		total += span.Seconds()
	}
	return out, total
}

// bestShape sends a replay in each write shape, undoing each, and returns
// the best records/s and its shape.
func bestShape(b *testing.B, c *odoo.Client, rp *odoo.Replay) (float64, string) {
	best, name := 0.0, "-"
	for _, sh := range []struct {
		method      string
		batch, conn int
	}{{"load", 100, 1}, {"load", 500, 1}, {"load", 2000, 1}, {"load", 500, 2}, {"create", 100, 1}, {"create", 500, 1}, {"create", 2000, 1}, {"create", 500, 2},
		{"create+learned", 100, 1}, {"create+learned", 500, 1}, {"create+learned", 500, 2},
		{"load+learned", 100, 1}, {"load+learned", 500, 1}, {"load+learned", 500, 2},
		{"create+paused", 100, 1}, {"create+paused", 500, 1}, {"create+paused", 500, 2}, {"load+paused", 500, 1}, {"load+paused", 500, 2}} {
		if sh.batch > 500 && rp.Records <= 500 {
			continue // the same calls as 500
		}
		if strings.HasSuffix(sh.method, "+paused") && rp.Model != "crm.lead" {
			continue // lead scoring slows visits only
		}
		if (sh.method == "create" || sh.method == "create+paused") && rp.Vals == nil || sh.method == "create+learned" && rp.Learned == nil ||
			sh.method == "load+learned" && rp.LearnedRows == nil {
			continue
		}
		rate, err := sendShape(c, rp, sh.method, sh.batch, sh.conn)
		label := fmt.Sprintf("%s %d x%d", sh.method, sh.batch, sh.conn)
		if err != nil {
			b.Logf("%s %s: %v", rp.Table, label, err)
			continue
		}
		b.Logf("%s %s: %.1f records/s", rp.Table, label, rate)
		if rate > best {
			best, name = rate, label
		}
	}
	return best, name
}

// sendShape sends a replay in batches of batch rows over conns connections
// and unlinks what it made; it returns records/s of the sending alone.
func sendShape(c *odoo.Client, rp *odoo.Replay, method string, batch, conns int) (float64, error) {
	ctx := context.Background()
	rows, fields := rp.Rows, rp.Fields
	switch method {
	case "create":
		rows = rp.Vals
	case "create+learned":
		// Payments with their journal items, moves with their journal,
		// name and fiscal position: one create, as the push.
		rows, method = rp.Learned, "create"
	case "load+learned":
		rows, fields, method = rp.LearnedRows, rp.LearnedFields, "load"
	case "create+paused", "load+paused":
		// Visits with lead scoring paused, as the push sends them
		// (scoring.go); the start date is set back afterwards.
		if method == "create+paused" {
			rows = rp.Vals
		}
		method = strings.TrimSuffix(method, "+paused")
		before, err := c.Execute(ctx, "ir.config_parameter", "set_param", []any{"crm.pls_start_date", "2999-12-31"}, nil)
		if err != nil {
			return 0, err
		}
		defer func() {
			_, _ = c.Execute(ctx, "ir.config_parameter", "set_param", []any{"crm.pls_start_date", before}, nil)
		}()
	}
	var batches [][]any
	for s := 0; s < len(rows); {
		e := min(s+batch, len(rows))
		// Keep a nested record's continuation rows with their first row.
		for method == "load" && rp.Nested && e < len(rows) && continuation(rows[e]) {
			e++
		}
		batches = append(batches, rows[s:e])
		s = e
	}
	var mu sync.Mutex
	var made []any
	var firstErr error
	next := make(chan []any)
	var wg sync.WaitGroup
	ctxLoad := map[string]any{"context": map[string]any{"tz": "UTC", "no_mail_to_attendees": true, "mail_create_nolog": true,
		"mail_notrack": true, "tracking_disable": true}}
	start := time.Now()
	for k := 0; k < conns; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for bt := range next {
				var v any
				var err error
				var ids []any
				if method == "load" {
					v, err = c.Execute(ctx, rp.Model, "load", []any{toAny(fields), bt}, ctxLoad)
					if m, ok := v.(map[string]any); ok {
						if l, ok := m["ids"].([]any); ok {
							ids = l
						} else if err == nil {
							err = fmt.Errorf("load refused: %v", m["messages"])
						}
					}
				} else {
					v, err = c.Execute(ctx, rp.Model, "create", []any{bt}, ctxLoad)
					if l, ok := v.([]any); ok {
						ids = l
					}
				}
				mu.Lock()
				made = append(made, ids...)
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	for _, bt := range batches {
		next <- bt
	}
	close(next)
	wg.Wait()
	secs := time.Since(start).Seconds()
	for s := 0; s < len(made); s += 1000 {
		if _, err := c.Execute(ctx, rp.Model, "unlink", []any{made[s:min(s+1000, len(made))]}, nil); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("undo: %w", err)
		}
	}
	if firstErr != nil {
		return 0, firstErr
	}
	return float64(rp.Records) / secs, nil
}

// continuation: a load row that only carries a nested sub-record (the
// record's own columns empty).
func continuation(row any) bool {
	r, ok := row.([]any)
	return ok && len(r) > 0 && r[0] == ""
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// TestTablesWrittenBesideEachOtherShareTheirOverlap: the shapes
// benchmark's clock gives two tables in flight together half the overlap
// each, and a moment with nothing in flight to the table that starts next.
func TestTablesWrittenBesideEachOtherShareTheirOverlap(t *testing.T) {
	at := func(s float64) time.Time { return time.Unix(0, 0).Add(time.Duration(s * float64(time.Second))) }
	secs, total := shareTime([]tableCall{
		{"visits", "x_model create", at(0), at(10)},
		{"perio", "x_model create", at(5), at(15)},
		{"perio", "x_model create", at(6), at(8)}, // a second connection of a table already in flight
		{"recalls", "x_model create", at(20), at(25)},
	})
	require.InDelta(t, 7.5, secs["visits"], 1e-9)   // 0-5 alone, 5-10 shared
	require.InDelta(t, 7.5, secs["perio"], 1e-9)    // 5-10 shared, 10-15 alone
	require.InDelta(t, 10.0, secs["recalls"], 1e-9) // 15-20 idle before it, 20-25
	require.InDelta(t, 25.0, total, 1e-9)
	require.Len(t, secs, 3)
}

// TestTablesWrittenTogetherAreThoseWhoseSpansOverlapMuch: a table whose
// last batch is in flight while the next table starts is not written
// together with it; two tables in flight over much of their spans are.
func TestTablesWrittenTogetherAreThoseWhoseSpansOverlapMuch(t *testing.T) {
	at := func(s float64) time.Time { return time.Unix(0, 0).Add(time.Duration(s * float64(time.Second))) }
	c := func(table string, from, to float64) tableCall { return tableCall{table, "m create", at(from), at(to)} }
	require.Equal(t, [][]string{{"perio", "visits"}}, writtenTogether([]tableCall{
		c("patients", 0, 10),
		c("perio", 9, 20), // 1 s of 11 with the patients: after them
		c("visits", 12, 18),
		c("visits", 18, 25), // 8 s of its 13 with the perio records
		c("moves", 24.5, 40),
	}))
	require.Empty(t, writtenTogether([]tableCall{c("a", 0, 10), c("b", 10, 20)}))
}

// TestTheShapesClockTimesEveryTableThePushWrites: every call of a
// table's batches reaches the clock named with the table (the push puts
// it in the calls' context), so each table the push writes has time and
// its writes among its calls, and the tables' shares add up to the time
// the clock ran.
func TestTheShapesClockTimesEveryTableThePushWrites(t *testing.T) {
	f := newRealFixture(t)
	s := newServer(t, odootest.Options{})
	clock := &tableClock{}
	c, err := odoo.Dial(context.Background(), odoo.Config{URL: s.URL, DB: "odoo", User: "admin", Password: testPassword,
		Protocol: "jsonrpc", Backoff: time.Millisecond, HTTPClient: &http.Client{Transport: clock}})
	require.NoError(t, err)
	clock.start()
	started := time.Now()
	rep, err := odoo.Push(context.Background(), f.db, c, pushOpts())
	require.NoError(t, err)
	took := time.Since(started).Seconds()
	read := clock.stop()
	secs, total, calls := read.secs, read.total, read.calls
	sum := 0.0
	for _, v := range secs {
		sum += v
	}
	require.InDelta(t, total, sum, 1e-6)
	require.LessOrEqual(t, total, took)
	written := 0
	for _, tr := range rep.Tables {
		if tr.Create == 0 {
			continue
		}
		written++
		assert.Greater(t, secs[tr.Table], 0.0, tr.Table)
		assert.Regexp(t, `(: |; )`+regexp.QuoteMeta(tr.Model)+` (load|create) \d+ in`, calls[tr.Table], tr.Table)
	}
	require.Greater(t, written, 10)
	assert.Len(t, secs, written, "no time of a table the push wrote nothing of")
}
