package odoo_test

import (
	"context"
	"math"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/odoo"
	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
)

// paymentCreates counts the payments created with and without line_ids.
func paymentCreates(s *odootest.Server) (plain, with int) {
	for _, call := range s.Calls() {
		if call.Model == "account.payment" && call.ORM == "create" {
			plain += call.Records - call.WithLines
			with += call.WithLines
		}
	}
	return plain, with
}

// ref is a many2one as a test server stores it (an id) or as read
// returns it ([id, name]).
func ref(v any) any {
	if l, ok := v.([]any); ok && len(l) > 0 {
		switch n := l[0].(type) {
		case float64:
			return int64(n)
		default:
			return n
		}
	}
	return v
}

func idOf(v any) int64 {
	if f, ok := v.(float64); ok {
		return int64(f)
	}
	return v.(int64)
}

// assertOdooLines checks that every payment's journal entry holds the two
// lines Odoo 17 makes for it (_prepare_move_line_default_vals): the
// liquidity line on the payment's outstanding account, the counterpart on
// its destination (receivable) account, both labelled with the reference.
func assertOdooLines(t *testing.T, pays, items []map[string]any) {
	t.Helper()
	require.NotEmpty(t, pays)
	lines := map[any][]map[string]any{}
	for _, l := range items {
		lines[ref(l["move_id"])] = append(lines[ref(l["move_id"])], l)
	}
	for _, p := range pays {
		ls := lines[ref(p["move_id"])]
		if !assert.Len(t, ls, 2, "payment %v", p["id"]) {
			continue
		}
		sort.Slice(ls, func(i, j int) bool { return idOf(ls[i]["id"]) < idOf(ls[j]["id"]) })
		amt := math.Round(p["amount"].(float64)*100) / 100
		if p["payment_type"] == "outbound" {
			amt = -amt
		}
		for i, want := range []struct {
			account any
			amount  float64
		}{{ref(p["outstanding_account_id"]), amt}, {ref(p["destination_account_id"]), -amt}} {
			l := ls[i]
			assert.NotZero(t, want.account)
			assert.Equal(t, want.account, ref(l["account_id"]), "payment %v line %d account", p["id"], i)
			assert.InDelta(t, want.amount, l["amount_currency"], 0.001)
			assert.InDelta(t, max(want.amount, 0), l["debit"], 0.001)
			assert.InDelta(t, max(-want.amount, 0), l["credit"], 0.001)
			assert.Equal(t, p["payment_reference"], l["name"])
			assert.Equal(t, p["date"], l["date_maturity"])
			assert.Equal(t, ref(p["partner_id"]), ref(l["partner_id"]))
			assert.Equal(t, ref(p["currency_id"]), ref(l["currency_id"]))
		}
	}
}

// serverLines are a test server's payments and journal items.
func serverLines(s *odootest.Server) (pays, items []map[string]any) {
	for _, r := range s.Records("account.payment") {
		pays = append(pays, r)
	}
	for _, r := range s.Records("account.move.line") {
		items = append(items, r)
	}
	return pays, items
}

// odooLines reads a real Odoo's payments and their journal items.
func odooLines(t *testing.T, c *odoo.Client) (pays, items []map[string]any) {
	t.Helper()
	v, err := c.Execute(context.Background(), "account.payment", "search_read", []any{[]any{}}, map[string]any{"fields": []any{
		"move_id", "amount", "payment_type", "payment_reference", "date", "partner_id", "currency_id", "outstanding_account_id", "destination_account_id"}})
	require.NoError(t, err)
	var moves []any
	for _, r := range v.([]any) {
		pays = append(pays, r.(map[string]any))
		moves = append(moves, ref(r.(map[string]any)["move_id"]))
	}
	v, err = c.Execute(context.Background(), "account.move.line", "search_read", []any{[]any{[]any{"move_id", "in", moves}}}, map[string]any{"fields": []any{
		"move_id", "account_id", "amount_currency", "debit", "credit", "name", "date_maturity", "partner_id", "currency_id"}, "order": "id"})
	require.NoError(t, err)
	for _, r := range v.([]any) {
		items = append(items, r.(map[string]any))
	}
	return pays, items
}

func TestPaymentsCarryTheirJournalItems(t *testing.T) {
	f := newRealFixture(t)
	s := newServer(t, odootest.Options{})
	rep, err := odoo.Push(context.Background(), f.db, connect(t, s, "xmlrpc"), pushOpts())
	require.NoError(t, err)
	require.Empty(t, rep.Failures)
	plain, with := paymentCreates(s)
	assert.Positive(t, with, "once learned, payments go with their journal items")
	assert.Positive(t, plain, "the first payments of a type go without, for the push to learn from")
	// The first payments of each type (at most ten, in a create of their
	// own) teach the push; a worker with a batch of a type being learned
	// waits for it.
	assert.LessOrEqual(t, plain, 2*10)
	pays, items := serverLines(s)
	assertOdooLines(t, pays, items)
}

func TestPaymentsWithoutLearningKeepOdoosLines(t *testing.T) {
	f := newRealFixture(t)
	s := newServer(t, odootest.Options{})
	// The read-back of Odoo's journal items never answers: nothing is
	// learned, and every payment goes as it did before.
	s.Inject(func(call odootest.Call) odootest.Failure {
		if call.Model == "account.move.line" && call.ORM == "search_read" {
			return odootest.BadGateway
		}
		return odootest.Pass
	})
	var mu sync.Mutex
	var said []string
	o := pushOpts()
	o.Progress = func(s string) { mu.Lock(); said = append(said, s); mu.Unlock() }
	rep, err := odoo.Push(context.Background(), f.db, connect(t, s, "jsonrpc"), o)
	require.NoError(t, err)
	require.Empty(t, rep.Failures)
	plain, with := paymentCreates(s)
	assert.Zero(t, with)
	assert.Equal(t, len(s.Records("account.payment")), plain)
	pays, items := serverLines(s)
	assertOdooLines(t, pays, items)
	assert.True(t, strings.Contains(strings.Join(said, "\n"), "payments are sent without their journal items"), "the push says why: %q", said)
}
