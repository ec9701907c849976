package odoo_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/odoo"
	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
)

// scoringCalls finds, in call order, the calls that set the lead scoring
// start date (their value), the writes of visits and the rebuilds.
type scoringCalls struct {
	sets                   []string
	setAt                  []int64
	firstLead, lastLead    int64
	rebuildAt              []int64
	leadWrites, concurrent int
}

func leadScoringCalls(s *odootest.Server) scoringCalls {
	var out scoringCalls
	for _, c := range s.Calls() {
		switch {
		case c.ORM == "set_param" && len(c.Args) == 2 && c.Args[0] == "crm.pls_start_date":
			out.sets = append(out.sets, c.Args[1])
			out.setAt = append(out.setAt, c.N)
		case c.Model == "crm.lead" && (c.ORM == "create" || c.ORM == "load"):
			if out.firstLead == 0 {
				out.firstLead = c.N
			}
			out.lastLead = c.N
			out.leadWrites++
		case c.Model == "ir.cron" && c.ORM == "method_direct_trigger":
			out.rebuildAt = append(out.rebuildAt, c.N)
		}
	}
	return out
}

// sayings collects what a push says: it says it from several goroutines.
type sayings struct {
	mu sync.Mutex
	l  []string
}

func (s *sayings) add(m string) {
	s.mu.Lock()
	s.l = append(s.l, m)
	s.mu.Unlock()
}

func (s *sayings) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.l)
}

// startDate is the lead scoring start date the server holds.
func startDate(s *odootest.Server) string {
	for _, r := range s.Records("ir.config_parameter") {
		if r["key"] == "crm.pls_start_date" {
			return r["value"].(string)
		}
	}
	return ""
}

func TestLeadScoringIsPausedWhileThePushWritesVisits(t *testing.T) {
	f := newFixture(t, 40)
	s := newServer(t, odootest.Options{})
	heard := &sayings{}
	o := pushOpts()
	o.Progress = heard.add
	rep, err := odoo.Push(context.Background(), f.db, connect(t, s, "xmlrpc"), o)
	require.NoError(t, err)
	require.Empty(t, rep.Failures)

	leads := s.Count("crm.lead")
	require.Greater(t, leads, o.BatchSize, "visits go in several batches")
	calls := leadScoringCalls(s)
	// Paused before the first visit, set back after the last, then the
	// table rebuilt from every visit.
	require.Equal(t, []string{"2999-12-31", odootest.PLSStartDate}, calls.sets)
	assert.Less(t, calls.setAt[0], calls.firstLead)
	assert.Greater(t, calls.setAt[1], calls.lastLead)
	require.Len(t, calls.rebuildAt, 1)
	assert.Greater(t, calls.rebuildAt[0], calls.setAt[1])
	assert.Equal(t, odootest.ScoringStats{Live: 0, Rebuilds: 1, Rebuilt: leads}, s.Scoring(),
		"no visit counted one by one, every visit counted by the rebuild")
	assert.Equal(t, odootest.PLSStartDate, startDate(s))
	assert.Contains(t, heard.all(), "odoo: lead scoring paused while the push writes (crm.pls_start_date was "+odootest.PLSStartDate+"; set back and recounted at the end)")
	// The recount, minutes on a school's leads, is announced before it runs.
	said := heard.all()
	recount := slices.Index(said, "odoo: lead scoring's start date set back; Odoo now recounts its table over every lead (minutes on a large database)")
	live := slices.IndexFunc(said, func(m string) bool { return strings.HasPrefix(m, "odoo: lead scoring live again") })
	require.GreaterOrEqual(t, recount, 0, said)
	assert.Greater(t, live, recount, said)

	// The log holds the value before (logged before it was changed) and
	// that it was set back.
	rows, err := f.db.Query("SELECT action, coalesce(pre_image, '') FROM meta.push_record WHERE table_name = 'odoo.settings' AND run_id = ? ORDER BY logged_at", rep.RunID)
	require.NoError(t, err)
	defer rows.Close()
	var got [][2]string
	for rows.Next() {
		var a, p string
		require.NoError(t, rows.Scan(&a, &p))
		got = append(got, [2]string{a, p})
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, [][2]string{{"update", `{"value":"` + odootest.PLSStartDate + `"}`}, {"restore", ""}}, got)
}

func TestLeadScoringStaysLiveWhenAsked(t *testing.T) {
	f := newFixture(t, 40)
	s := newServer(t, odootest.Options{})
	c, fl := countingClient(t, s)
	o := pushOpts()
	o.LiveScoring = true
	_, err := odoo.Push(context.Background(), f.db, c, o)
	require.NoError(t, err)
	calls := leadScoringCalls(s)
	assert.Empty(t, calls.sets)
	assert.Empty(t, calls.rebuildAt)
	assert.Equal(t, odootest.ScoringStats{Live: s.Count("crm.lead")}, s.Scoring())
	assert.Equal(t, 1, leadsInFlight(fl), "visits one at a time")
}

// countingClient is a client whose calls to write visits are counted in
// flight (each held a moment, so two sent together overlap).
func countingClient(t *testing.T, s *odootest.Server) (*odoo.Client, *inFlight) {
	t.Helper()
	fl := &inFlight{patterns: map[string]string{"crm.lead": "<string>crm.lead</string></value></param><param><value><string>create</string>",
		"crm.lead load": "<string>crm.lead</string></value></param><param><value><string>load</string>"},
		now: map[string]int{}, max: map[string]int{}}
	c, err := odoo.Dial(context.Background(), odoo.Config{URL: s.URL, DB: "odoo", User: "admin", Password: testPassword, Protocol: "xmlrpc",
		Backoff: time.Millisecond, HTTPClient: &http.Client{Transport: fl}})
	require.NoError(t, err)
	return c, fl
}

// leadsInFlight is the most writes of visits (create or load) in flight
// at once.
func leadsInFlight(fl *inFlight) int {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if fl.now["crm.lead"]+fl.now["crm.lead load"] != 0 {
		return -1 // still in flight: not the figure of a finished push
	}
	return max(fl.max["crm.lead"], fl.max["crm.lead load"])
}

func TestVisitsGoTogetherWhileLeadScoringIsPaused(t *testing.T) {
	f := newFixture(t, 40)
	s := newServer(t, odootest.Options{})
	c, fl := countingClient(t, s)
	_, err := odoo.Push(context.Background(), f.db, c, pushOpts())
	require.NoError(t, err)
	assert.Equal(t, 2, leadsInFlight(fl), "two batches of visits in flight at once, on the push's two connections")
}

func TestLeadScoringIsSetBackWhenThePushStops(t *testing.T) {
	f := newFixture(t, 40)
	s := newServer(t, odootest.Options{})
	c := connect(t, s, "xmlrpc")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.Inject(func(call odootest.Call) odootest.Failure {
		if call.Model == "crm.lead" && (call.ORM == "create" || call.ORM == "load") {
			cancel()
			return odootest.DropBefore
		}
		return odootest.Pass
	})
	_, err := odoo.Push(ctx, f.db, c, pushOpts())
	require.Error(t, err)
	s.Inject(nil)
	calls := leadScoringCalls(s)
	assert.Equal(t, []string{"2999-12-31", odootest.PLSStartDate}, calls.sets, "paused, then set back as the push stopped")
	assert.Equal(t, odootest.PLSStartDate, startDate(s))
	assert.Len(t, calls.rebuildAt, 1)
}

func TestLeadScoringLeftPausedIsSetBackByTheNextPushOrARollback(t *testing.T) {
	f := newFixture(t, 40)
	s := newServer(t, odootest.Options{})
	c := connect(t, s, "xmlrpc")
	// A push killed while it wrote: the run is unfinished and the start
	// date paused. The kill is simulated by a server that stops
	// answering once the date is paused, then the date left as it is.
	ctx, cancel := context.WithCancel(context.Background())
	s.Inject(func(call odootest.Call) odootest.Failure {
		if call.Model == "crm.lead" && (call.ORM == "create" || call.ORM == "load") {
			cancel()
			return odootest.DropBefore
		}
		return odootest.Pass
	})
	_, err := odoo.Push(ctx, f.db, c, pushOpts())
	require.Error(t, err)
	s.Inject(nil)
	setParam(t, c, "crm.pls_start_date", "2999-12-31") // what a kill leaves
	first := lastPushRun(t, f)

	// The resume finds it paused, takes the value before from the log
	// and sets it back when it ends.
	o := pushOpts()
	o.Resume = true
	_, err = odoo.Push(context.Background(), f.db, c, o)
	require.NoError(t, err)
	assert.Equal(t, odootest.PLSStartDate, startDate(s))
	assert.Equal(t, 0, s.Scoring().Live)

	// Paused again (another kill), a rollback sets it back and rebuilds
	// the table without the visits it removed.
	setParam(t, c, "crm.pls_start_date", "2999-12-31")
	rebuilds := s.Scoring().Rebuilds
	_, err = odoo.Rollback(context.Background(), f.db, c, odoo.RollbackOptions{PushRun: first})
	require.NoError(t, err)
	assert.Equal(t, odootest.PLSStartDate, startDate(s))
	assert.Equal(t, 0, s.Count("crm.lead"))
	assert.Equal(t, odootest.ScoringStats{Rebuilds: rebuilds + 1, Rebuilt: 0}, s.Scoring())
}

func TestLeadScoringPausedBySomeoneElseIsLeftAlone(t *testing.T) {
	f := newFixture(t, 40)
	s := newServer(t, odootest.Options{})
	c, fl := countingClient(t, s)
	setParam(t, c, "crm.pls_start_date", "2999-12-31")
	heard := &sayings{}
	o := pushOpts()
	o.Progress = heard.add
	_, err := odoo.Push(context.Background(), f.db, c, o)
	require.NoError(t, err)
	calls := leadScoringCalls(s)
	assert.Equal(t, []string{"2999-12-31"}, calls.sets, "only the test's own")
	assert.Empty(t, calls.rebuildAt)
	assert.Equal(t, "2999-12-31", startDate(s))
	assert.True(t, slices.Contains(heard.all(), "odoo: crm.pls_start_date is 2999-12-31 and the audit log does not say what it was before: lead scoring left as it is, visits go one batch at a time"), heard.all())
	assert.Equal(t, 1, leadsInFlight(fl), "visits one at a time")
}

func setParam(t *testing.T, c *odoo.Client, key, value string) {
	t.Helper()
	_, err := c.Execute(context.Background(), "ir.config_parameter", "set_param", []any{key, value}, nil)
	require.NoError(t, err)
}

func lastPushRun(t *testing.T, f *fixture) int64 {
	t.Helper()
	var id int64
	require.NoError(t, f.db.QueryRow("SELECT max(run_id) FROM meta.push_run WHERE mode = 'push'").Scan(&id))
	return id
}

func TestLeadScoringIsSetBackWhenOdooCannotRebuildItsTable(t *testing.T) {
	f := newFixture(t, 20)
	s := newServer(t, odootest.Options{})
	c := connect(t, s, "xmlrpc")
	// The scheduled action is gone (a customized Odoo): the rebuild
	// fails, the push does not.
	crons, err := c.Execute(context.Background(), "ir.cron", "search", []any{[]any{}}, nil)
	require.NoError(t, err)
	_, err = c.Execute(context.Background(), "ir.cron", "unlink", []any{crons}, nil)
	require.NoError(t, err)
	heard := &sayings{}
	o := pushOpts()
	o.Progress = heard.add
	rep, err := odoo.Push(context.Background(), f.db, c, o)
	require.NoError(t, err)
	require.Empty(t, rep.Failures)
	assert.Equal(t, odootest.PLSStartDate, startDate(s))
	assert.Zero(t, s.Scoring().Rebuilds)
	found := false
	for _, m := range heard.all() {
		found = found || strings.Contains(m, "its table not rebuilt") && strings.Contains(m, "Predictive Lead Scoring: Recompute Automated Probabilities")
	}
	assert.True(t, found, heard.all())
}

func TestLeadScoringIsLeftAloneByAPushThatWritesNoVisit(t *testing.T) {
	f := newFixture(t, 20)
	s := newServer(t, odootest.Options{})
	c := connect(t, s, "xmlrpc")
	_, err := odoo.Push(context.Background(), f.db, c, pushOpts())
	require.NoError(t, err)
	first := leadScoringCalls(s)
	require.Len(t, first.sets, 2)
	stats := s.Scoring()

	// Nothing changed (a cutover delta with no visit changed): the date
	// is not touched and Odoo does not rebuild its table.
	heard := &sayings{}
	o := pushOpts()
	o.Progress = heard.add
	_, err = odoo.Push(context.Background(), f.db, c, o)
	require.NoError(t, err)
	again := leadScoringCalls(s)
	assert.Equal(t, first.sets, again.sets)
	assert.Equal(t, first.rebuildAt, again.rebuildAt)
	assert.Equal(t, stats, s.Scoring())
	for _, m := range heard.all() {
		assert.NotContains(t, m, "lead scoring")
	}

	// A date an interrupted push left paused is set back even by a push
	// that writes no visit (the log has the value before).
	setParam(t, c, "crm.pls_start_date", "2999-12-31")
	_, err = odoo.Push(context.Background(), f.db, c, pushOpts())
	require.NoError(t, err)
	assert.Equal(t, odootest.PLSStartDate, startDate(s))
	last := leadScoringCalls(s)
	assert.Equal(t, append(first.sets, "2999-12-31", odootest.PLSStartDate), last.sets,
		"the test's pause (the push sends none: the date is paused already), then set back")
	assert.Len(t, last.rebuildAt, len(first.rebuildAt)+1)
}
