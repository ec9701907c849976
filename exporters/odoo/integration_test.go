package odoo_test

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	return c
}

func realCount(t testing.TB, c *odoo.Client, model string) int {
	t.Helper()
	v, err := c.Execute(context.Background(), "ir.model.data", "search_count",
		[]any{[]any{[]any{"module", "=", "axium"}, []any{"model", "=", model}}}, nil)
	require.NoError(t, err)
	return int(v.(int64))
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
			assert.Contains(t, rep.Failures[0].Reason, "Wrong value for res.partner.x_partner_type: 'alien'")
		})
	}
}
