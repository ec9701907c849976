package odoo_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/exportertest"
	"github.com/axium2crm/axium2crm/exporters/odoo"
)

// realOdoo connects to the server ODOO_URL names (ODOO_DB, ODOO_USER,
// ODOO_PASSWORD), or skips. Use a fresh database: the external ids the
// fixture pushes stay there.
func realOdoo(t testing.TB, proto string) *odoo.Client {
	t.Helper()
	url := os.Getenv("ODOO_URL")
	if url == "" {
		t.Skip("ODOO_URL not set")
	}
	c, err := odoo.Dial(context.Background(), odoo.Config{URL: url, DB: os.Getenv("ODOO_DB"), User: os.Getenv("ODOO_USER"),
		Password: os.Getenv("ODOO_PASSWORD"), Protocol: proto})
	require.NoError(t, err)
	requireFresh(t, c)
	return c
}

// checkedFresh is the tests whose database was found fresh.
var checkedFresh sync.Map

// requireFresh fails a test, at its first connection, whose database
// already holds a migration's records: the tests count what their push
// leaves, so each needs its own fresh copy.
func requireFresh(t testing.TB, c *odoo.Client) {
	t.Helper()
	test, _, _ := strings.Cut(t.Name(), "/")
	if _, done := checkedFresh.LoadOrStore(test, true); done {
		return
	}
	n, err := c.Execute(context.Background(), "ir.model.data", "search_count", []any{[]any{[]any{"module", "=", "axium"}}}, nil)
	require.NoError(t, err)
	if num, ok := n.(int64); ok && num > 0 {
		t.Fatalf("database %q already holds %d external ids of a migration (module axium): each integration test needs its own fresh copy", os.Getenv("ODOO_DB"), num)
	}
}

// realOdooAt is where ODOO_URL's server is, or skips.
func realOdooAt(t testing.TB) odooAt {
	t.Helper()
	realOdoo(t, "jsonrpc") // skips, or checks the database is fresh
	return odooAt{url: os.Getenv("ODOO_URL"), db: os.Getenv("ODOO_DB"), user: os.Getenv("ODOO_USER"), password: os.Getenv("ODOO_PASSWORD")}
}

// realCount counts the axium external ids of a model in the real Odoo,
// without those of delegated parents (the partner of a user, ...).
func realCount(t testing.TB, c *odoo.Client, model string) int {
	t.Helper()
	return realOdooXIDs(t, c)[model]
}

// TestIntegrationPush runs the push assertions against a real Odoo.
func TestIntegrationPush(t *testing.T) {
	for _, proto := range []string{"xmlrpc", "jsonrpc"} {
		t.Run(proto, func(t *testing.T) {
			c := realOdoo(t, proto)
			f := newFixture(t, 24)
			rep, err := odoo.Push(context.Background(), f.db, c, pushOpts())
			require.NoError(t, err)
			assert.Empty(t, rep.Failures)
			for m, n := range f.rows(t) {
				assert.Equal(t, n, realCount(t, c, m), "one %s per row", m)
			}
			// A second push (a new warehouse holds no hashes: records are
			// written, never created) creates nothing.
			rep, err = odoo.Push(context.Background(), f.db, c, pushOpts())
			require.NoError(t, err)
			for _, tr := range rep.Tables {
				assert.Zero(t, tr.Create, tr.Table)
				assert.Equal(t, tr.Rows, tr.Skip, tr.Table)
			}
			// A bad record is isolated with Odoo's message.
			exec1(t, f.db, "UPDATE odoo.res_partner_patient SET x_partner_type = 'alien', email = 'changed@example.org' WHERE id = 'axium.patient_00005'")
			f.confirm(t)
			rep, err = odoo.Push(context.Background(), f.db, c, pushOpts())
			require.NoError(t, err)
			require.Len(t, rep.Failures, 1)
			// Odoo 17's load says "Value 'alien' not found in selection
			// field"; later versions name the field and the value.
			reason := rep.Failures[0].Reason
			assert.True(t, strings.Contains(reason, "Value 'alien' not found in selection field") ||
				strings.Contains(reason, "Wrong value for res.partner.x_partner_type: 'alien'"), reason)
		})
	}
}

// cancelOn is a transport that cancels the push when it sends a request
// containing every one of the given strings (a load of one model).
type cancelOn struct {
	match  []string
	cancel context.CancelFunc
}

func (c *cancelOn) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && c.cancel != nil {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		all := true
		for _, m := range c.match {
			all = all && bytes.Contains(b, []byte(m))
		}
		if all {
			c.cancel()
			c.cancel = nil
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// realOdooXIDs counts the migration's records per model in the real
// Odoo: its axium external ids, without those of delegated parents, and a
// keyed model's records by their key.
func realOdooXIDs(t testing.TB, c *odoo.Client) map[string]int {
	t.Helper()
	v, err := c.Execute(context.Background(), "ir.model.data", "search_read", []any{[]any{[]any{"module", "=", "axium"}}},
		map[string]any{"fields": []any{"name", "model"}})
	require.NoError(t, err)
	out := map[string]int{}
	for _, r := range v.([]any) {
		m := r.(map[string]any)
		name := m["name"].(string)
		// Odoo names a delegated parent's external id after the child's,
		// with the parent model: a product's template, a payment's move, a
		// user's partner.
		if strings.HasSuffix(name, "_product_template") || strings.HasSuffix(name, "_account_move") || strings.HasSuffix(name, "_res_partner") {
			continue
		}
		out[m["model"].(string)]++
	}
	// A keyed model's records are the migration's by their key.
	// (A model without the key field keeps its external ids' count.)
	for _, m := range exportertest.OdooKeyedModels {
		n, err := c.Execute(context.Background(), m, "search_count", []any{[]any{[]any{"x_axium_xid", "=like", "axium.%"}}}, nil)
		if err != nil && (strings.Contains(err.Error(), "doesn't exist") || strings.Contains(err.Error(), "Invalid field")) {
			continue
		}
		require.NoError(t, err)
		delete(out, m)
		if n.(int64) > 0 {
			out[m] = int(n.(int64))
		}
	}
	return out
}

// TestIntegrationEndToEnd pushes the real models of a 30-patient export to
// the real Odoo ODOO_URL names (a fresh copy of the database: the records
// stay there): interrupted half-way, resumed, then pushed again.
func TestIntegrationEndToEnd(t *testing.T) {
	if os.Getenv("ODOO_URL") == "" {
		t.Skip("ODOO_URL not set")
	}
	f := newRealFixture(t)
	want := f.rows(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The first create of leads (XML-RPC: the model, then the method), not
	// the schema step's fields on crm.lead.
	rt := &cancelOn{match: []string{"<string>crm.lead</string></value></param><param><value><string>create</string>"}, cancel: cancel}
	c, err := odoo.Dial(context.Background(), odoo.Config{URL: os.Getenv("ODOO_URL"), DB: os.Getenv("ODOO_DB"), User: os.Getenv("ODOO_USER"),
		Password: os.Getenv("ODOO_PASSWORD"), HTTPClient: &http.Client{Transport: rt}})
	require.NoError(t, err)
	requireFresh(t, c)
	startBefore := realParam(t, c, "crm.pls_start_date")
	require.NotEmpty(t, startBefore)
	_, err = odoo.Push(ctx, f.db, c, pushOpts())
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, startBefore, realParam(t, c, "crm.pls_start_date"), "a push that stops sets lead scoring back")
	got := realOdooXIDs(t, c)
	assert.Less(t, got["crm.lead"]+got["mail.message"], want["crm.lead"]+want["mail.message"], "stopped half-way")

	o := pushOpts()
	o.Resume = true
	var said []string
	var mu sync.Mutex
	o.Progress = func(s string) { mu.Lock(); said = append(said, s); mu.Unlock() }
	rep, err := odoo.Push(context.Background(), f.db, c, o)
	require.NoError(t, err)
	require.Empty(t, rep.Failures)
	assert.Equal(t, want, realOdooXIDs(t, c), "exactly one record per odoo.* row")
	assert.Contains(t, strings.Join(said, "\n"), "inbound payments now go with their journal items", "learned from this Odoo's own entries")

	rep, err = odoo.Push(context.Background(), f.db, c, pushOpts())
	require.NoError(t, err)
	for _, tr := range rep.Tables {
		assert.Zero(t, tr.Create, tr.Table)
		assert.Zero(t, tr.Update, tr.Table)
		assert.Equal(t, tr.Rows, tr.Skip, tr.Table)
	}
	// Payments after the first batch went with their journal items: each
	// holds the two lines Odoo makes for a payment itself.
	pays, items := odooLines(t, c)
	assertOdooLines(t, pays, items)
	assert.Contains(t, strings.Join(said, "\n"), "new moves now carry the sale journal", "learned from this Odoo's own moves")
	assertPostable(t, c)
	assert.Contains(t, strings.Join(said, "\n"), "odoo: lead scoring paused while the push writes")
	assert.Equal(t, startBefore, realParam(t, c, "crm.pls_start_date"), "lead scoring live again")
	assertScoringCounted(t, c)
}

// realParam reads a setting of a real Odoo.
func realParam(t *testing.T, c *odoo.Client, key string) string {
	t.Helper()
	v, err := c.Execute(context.Background(), "ir.config_parameter", "get_param", []any{key}, nil)
	require.NoError(t, err)
	s, _ := v.(string)
	return s
}

// assertScoringCounted checks that lead scoring's table counts every won
// visit, though the push paused the live count: Odoo's rebuild at the end
// counted them (each won lead adds one to the won count of each stage
// value of its team).
func assertScoringCounted(t *testing.T, c *odoo.Client) {
	t.Helper()
	ctx := context.Background()
	won, err := c.Execute(ctx, "crm.lead", "search_count", []any{[]any{[]any{"probability", "=", 100}}}, nil)
	require.NoError(t, err)
	require.Positive(t, won.(int64), "the push made won visits")
	v, err := c.Execute(ctx, "crm.lead.scoring.frequency", "search_read", []any{[]any{[]any{"variable", "=", "stage_id"}}},
		map[string]any{"fields": []any{"won_count", "team_id"}})
	require.NoError(t, err)
	byTeam := map[string]float64{}
	for _, r := range v.([]any) {
		m := r.(map[string]any)
		team := fmt.Sprint(m["team_id"])
		byTeam[team] = max(byTeam[team], m["won_count"].(float64))
	}
	counted := 0.0
	for _, n := range byTeam {
		counted += n
	}
	assert.GreaterOrEqual(t, counted, float64(won.(int64)), "every won visit counted")
}

// assertPostable checks that no two journal entries of a journal share a
// number: Odoo refuses to post the second (account_move_unique_name).
func assertPostable(t *testing.T, c *odoo.Client) {
	t.Helper()
	v, err := c.Execute(context.Background(), "account.move", "search_read", []any{[]any{[]any{"name", "!=", "/"}}},
		map[string]any{"fields": []any{"name", "journal_id"}})
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, r := range v.([]any) {
		m := r.(map[string]any)
		k := fmt.Sprint(m["name"], " in ", m["journal_id"])
		assert.False(t, seen[k], "two journal entries are named %s", k)
		seen[k] = true
	}
	assert.NotEmpty(t, seen, "Odoo numbered the first entry of each period")
}
