package odoo_test

import (
	"context"
	"database/sql"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/exportertest"
	"github.com/axium2crm/axium2crm/exporters/odoo"
	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
)

// TestDestinationContract runs the shared exporters.Destination suite
// against odootest, over XML-RPC.
func TestDestinationContract(t *testing.T) {
	exportertest.Run(t, harness{})
}

type harness struct{}

func (harness) Start(t testing.TB) (exporters.Destination, exportertest.Server) {
	s := newServer(t, odootest.Options{})
	c := connect(t, s, "xmlrpc")
	d := odoo.NewDestination(c, odoo.DestinationOptions{TimeZone: newYork, BatchSize: 20, Workers: 2, Target: s.URL})
	return d, &server{s: s, c: c}
}

func (harness) Objects(t testing.TB, db *sql.DB) map[string]string {
	t.Helper()
	plan, err := odoo.ReadPlan(context.Background(), db)
	require.NoError(t, err)
	out := map[string]string{}
	for _, o := range plan.Objects {
		out["odoo."+o.Table] = o.Model
	}
	return out
}

func (harness) Skip() map[exportertest.Step]string { return nil }

func (harness) Changeable() (string, string) { return "odoo.res_partner_patient", "street" }

// server is odootest as the suite sees it; tampering goes through the
// ORM over RPC, as a user's script would.
type server struct {
	s *odootest.Server
	c *odoo.Client
}

func (s *server) Calls() int { return len(s.s.Calls()) }

// Count is the records of a model bound to an axium external id: Odoo
// adds records of its own (a user's partner, a recurrence's occurrences).
func (s *server) Count(model string) int { return ownXIDs(s.s)[model] }

// State is the pushed records by external id (references as external
// ids), and the number of records of every model the push touches, so
// records made without an external id count too.
func (s *server) State() any {
	models := append([]string{"calendar.recurrence", "product.template"}, realPushed...)
	counts := map[string]int{}
	for _, m := range models {
		counts[m] = s.s.Count(m)
	}
	return map[string]any{"records": state(s.s, realPushed), "counts": counts}
}

// InterruptPush cancels the push when it loads the first leads: groups,
// partners, users and products are in; events, invoices, notes are not.
func (s *server) InterruptPush(cancel context.CancelFunc) {
	var fired atomic.Bool
	s.s.Inject(func(call odootest.Call) odootest.Failure {
		if call.ORM == "create" && call.Model == "crm.lead" && fired.CompareAndSwap(false, true) {
			cancel()
		}
		return odootest.Pass
	})
}

func (s *server) Heal() { s.s.Inject(nil) }

// InterruptFirstWrite commits the next load, drops its answer and cancels
// the push.
func (s *server) InterruptFirstWrite(cancel context.CancelFunc) {
	var fired atomic.Bool
	s.s.Inject(func(call odootest.Call) odootest.Failure {
		if call.ORM == "load" && fired.CompareAndSwap(false, true) {
			cancel()
			return odootest.DropAfter
		}
		return odootest.Pass
	})
}

// Preexisting creates a partner bound to a patient's external id, as an
// import of the CSV files (or another project) would have.
func (s *server) Preexisting(t testing.TB, db *sql.DB) exportertest.Ref {
	ctx := context.Background()
	var xid string
	require.NoError(t, db.QueryRow("SELECT min(id) FROM odoo.res_partner_patient").Scan(&xid))
	v, err := s.c.Execute(ctx, "res.partner", "create", []any{[]any{map[string]any{"name": "Imported earlier", "street": "1 Old Road"}}}, nil)
	require.NoError(t, err)
	id := v.([]any)[0].(int64)
	module, name, _ := strings.Cut(xid, ".")
	_, err = s.c.Execute(ctx, "ir.model.data", "create", []any{[]any{map[string]any{"module": module, "name": name,
		"model": "res.partner", "res_id": id}}}, nil)
	require.NoError(t, err)
	return exportertest.Ref{Table: "odoo.res_partner_patient", ID: xid}
}

func (s *server) first(t testing.TB, db *sql.DB, table string) (string, int64) {
	t.Helper()
	var xid string
	require.NoError(t, db.QueryRow("SELECT min(id) FROM odoo."+table).Scan(&xid))
	_, id, ok := s.s.XID(xid)
	require.True(t, ok, xid)
	return xid, id
}

func (s *server) Edit(t testing.TB, db *sql.DB) (exportertest.Ref, string) {
	xid, id := s.first(t, db, "res_partner_patient")
	_, err := s.c.Execute(context.Background(), "res.partner", "write", []any{[]any{id}, map[string]any{"city": "Tampered City"}}, nil)
	require.NoError(t, err)
	return exportertest.Ref{Table: "odoo.res_partner_patient", ID: xid}, "city"
}

func (s *server) Delete(t testing.TB, db *sql.DB) exportertest.Ref {
	xid, id := s.first(t, db, "calendar_event")
	_, err := s.c.Execute(context.Background(), "calendar.event", "unlink", []any{[]any{id}}, nil)
	require.NoError(t, err)
	return exportertest.Ref{Table: "odoo.calendar_event", ID: xid}
}

// AddExtra creates a partner and binds it to an axium external id of a
// patient no table holds.
func (s *server) AddExtra(t testing.TB, _ *sql.DB) exportertest.Ref {
	ctx := context.Background()
	v, err := s.c.Execute(ctx, "res.partner", "create", []any{[]any{map[string]any{"name": "Walk-in patient"}}}, nil)
	require.NoError(t, err)
	id := v.([]any)[0].(int64)
	_, err = s.c.Execute(ctx, "ir.model.data", "create", []any{[]any{map[string]any{"module": "axium", "name": "patient_walk_in",
		"model": "res.partner", "res_id": id, "noupdate": true}}}, nil)
	require.NoError(t, err)
	return exportertest.Ref{Table: "odoo.res_partner_patient", ID: "axium.patient_walk_in"}
}

func (s *server) RemoveExtra(t testing.TB, r exportertest.Ref) {
	ctx := context.Background()
	v, err := s.c.Execute(ctx, "ir.model.data", "search_read", []any{[]any{[]any{"module", "=", "axium"},
		[]any{"name", "=", strings.TrimPrefix(r.ID, "axium.")}}}, map[string]any{"fields": []any{"res_id"}})
	require.NoError(t, err)
	found := v.([]any)
	require.Len(t, found, 1, r.ID)
	_, err = s.c.Execute(ctx, "res.partner", "unlink", []any{[]any{found[0].(map[string]any)["res_id"]}}, nil)
	require.NoError(t, err)
}
