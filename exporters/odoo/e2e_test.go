package odoo_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
		m, _, ok := s.XID(xid)
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

	t.Run("interrupted half-way then resumed ends the same", func(t *testing.T) {
		g := newRealFixture(t)
		s2 := newServer(t, odootest.Options{})
		c2 := connect(t, s2, "jsonrpc")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s2.Inject(func(call odootest.Call) odootest.Failure {
			if call.ORM == "load" && call.Model == "crm.lead" {
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

// ownXIDs counts the axium external ids per model, without those Odoo
// gives a delegated parent (a product's template, a payment's move).
func ownXIDs(s *odootest.Server) map[string]int {
	out := map[string]int{}
	for _, r := range s.Records("ir.model.data") {
		name := r["name"].(string)
		if r["module"] != "axium" || strings.HasSuffix(name, "_product_template") || strings.HasSuffix(name, "_account_move") {
			continue
		}
		out[r["model"].(string)]++
	}
	return out
}

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
