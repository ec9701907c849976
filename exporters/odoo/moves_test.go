package odoo_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/odoo"
	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
)

// moveLoads sorts the load calls of account.move into those that sent
// the learned columns and those that did not, in call order.
func moveLoads(s *odootest.Server) (plain, learned []odootest.Call) {
	for _, c := range s.Calls() {
		if c.Model != "account.move" || c.ORM != "load" {
			continue
		}
		if slices.Contains(c.Fields, "journal_id/.id") {
			learned = append(learned, c)
		} else {
			plain = append(plain, c)
		}
	}
	return plain, learned
}

func TestNewMovesCarryWhatOdooGaveTheFirst(t *testing.T) {
	f := newRealFixture(t)
	s := newServer(t, odootest.Options{})
	heard := &sayings{}
	o := pushOpts()
	o.Progress = heard.add
	rep, err := odoo.Push(context.Background(), f.db, connect(t, s, "xmlrpc"), o)
	require.NoError(t, err)
	require.Empty(t, rep.Failures)

	plain, learned := moveLoads(s)
	// The first batch of new moves goes as it is, for the push to learn
	// from; the ones after it carry the journal, the draft name and the
	// empty fiscal position (this database has no fiscal position).
	require.Len(t, plain, 1, "one batch to learn from")
	// The moves to learn from: the first batch's busiest month, or the
	// whole batch when no month holds two (TestMoveCanary).
	assert.LessOrEqual(t, plain[0].Records, o.BatchSize)
	require.NotEmpty(t, learned)
	assert.Less(t, plain[0].N, learned[0].N)
	for _, c := range learned {
		assert.Equal(t, []string{"journal_id/.id", "name", "fiscal_position_id"}, c.Fields[len(c.Fields)-3:])
	}
	assert.Contains(t, heard.all(), `odoo: new moves now carry the sale journal (2), the draft name "/" and no fiscal position (the database has none) (what Odoo gave the first ones)`)

	// Every move is what Odoo would have made of it alone.
	var sale int64
	for _, j := range s.Records("account.journal") {
		if j["type"] == "sale" {
			sale = j["id"].(int64)
		}
	}
	moves := 0
	for _, m := range s.Records("account.move") {
		if m["move_type"] == "entry" {
			continue // a payment's
		}
		moves++
		assert.Equal(t, sale, m["journal_id"], "move %v", m["id"])
		assert.Equal(t, "/", m["name"], "move %v", m["id"])
		assert.Empty(t, m["fiscal_position_id"], "move %v", m["id"])
	}
	assert.Greater(t, moves, 2*o.BatchSize)
	assert.Equal(t, moves, plain[0].Records+sumRecords(learned))
}

func sumRecords(calls []odootest.Call) int {
	n := 0
	for _, c := range calls {
		n += c.Records
	}
	return n
}

func TestNewMovesLeaveAFiscalPositionToOdoo(t *testing.T) {
	f := newRealFixture(t)
	s := newServer(t, odootest.Options{})
	c := connect(t, s, "jsonrpc")
	// An archived fiscal position may still be a partner's: Odoo must
	// choose.
	_, err := c.Execute(context.Background(), "account.fiscal.position", "create", []any{map[string]any{"name": "Out of state", "active": false}}, nil)
	require.NoError(t, err)
	rep, err := odoo.Push(context.Background(), f.db, c, pushOpts())
	require.NoError(t, err)
	require.Empty(t, rep.Failures)
	_, learned := moveLoads(s)
	require.NotEmpty(t, learned)
	for _, c := range learned {
		assert.NotContains(t, c.Fields, "fiscal_position_id")
		assert.Equal(t, []string{"journal_id/.id", "name"}, c.Fields[len(c.Fields)-2:])
	}
}

func TestNewMovesWithoutLearningGoAsTheyAre(t *testing.T) {
	f := newRealFixture(t)
	s := newServer(t, odootest.Options{})
	// The read-back of the first moves never answers: every move goes as
	// it did before, and the push says so.
	s.Inject(func(call odootest.Call) odootest.Failure {
		if call.Model == "account.move" && call.ORM == "read" {
			return odootest.BadGateway
		}
		return odootest.Pass
	})
	heard := &sayings{}
	o := pushOpts()
	o.Progress = heard.add
	rep, err := odoo.Push(context.Background(), f.db, connect(t, s, "xmlrpc"), o)
	require.NoError(t, err)
	require.Empty(t, rep.Failures)
	plain, learned := moveLoads(s)
	assert.Empty(t, learned)
	assert.Greater(t, len(plain), 1)
	found := false
	for _, m := range heard.all() {
		found = found || strings.HasPrefix(m, "odoo: new moves go as they are")
	}
	assert.True(t, found, "the push says why: %q", heard.all())
}
