package odoo_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/odoo"
	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
)

// loadCSVFiles imports the files as Odoo's importer does: each file's
// rows through load(header, rows), in the README's order, with the
// importing user's time zone the clinic's.
func loadCSVFiles(t *testing.T, f *fixture, c *odoo.Client) {
	t.Helper()
	ctx := context.Background()
	out := t.TempDir()
	rep, err := odoo.ExportCSV(ctx, f.db, odoo.CSVOptions{OutDir: out, TimeZone: newYork})
	require.NoError(t, err)
	require.Len(t, rep.Files, 14)
	assert.Len(t, rep.Skipped, 2, "attachments and notes are push-only")
	readme, err := os.ReadFile(rep.Readme)
	require.NoError(t, err)
	for _, want := range []string{"x_perio_record", "x_medical_alert", "01_res_groups.csv", "axium2crm push odoo", "res_id"} {
		assert.Contains(t, string(readme), want)
	}
	plan, err := odoo.ReadPlan(ctx, f.db)
	require.NoError(t, err)
	// The README's step 1, done over RPC.
	_, err = odoo.EnsureSchema(ctx, c, plan, false)
	require.NoError(t, err)
	for i, file := range rep.Files {
		assert.Equal(t, filepath.Join(out, file.Path[len(out)+1:]), file.Path)
		assert.True(t, strings.HasPrefix(filepath.Base(file.Path), []string{"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14"}[i]))
		fh, err := os.Open(file.Path)
		require.NoError(t, err)
		recs, err := csv.NewReader(fh).ReadAll()
		fh.Close()
		require.NoError(t, err)
		for _, h := range recs[0] {
			assert.False(t, strings.HasPrefix(h, "_"), "%s: metadata column %s", file.Path, h)
		}
		rows := make([]any, 0, len(recs)-1)
		for _, r := range recs[1:] {
			row := make([]any, len(r))
			for j, v := range r {
				row[j] = v
			}
			rows = append(rows, row)
		}
		header := make([]any, len(recs[0]))
		for j, h := range recs[0] {
			header[j] = h
		}
		v, err := c.Execute(ctx, file.Model, "load", []any{header, rows}, map[string]any{"context": map[string]any{"tz": "America/New_York", "no_mail_to_attendees": true}})
		require.NoError(t, err, file.Path)
		res := v.(map[string]any)
		ids, ok := res["ids"].([]any)
		require.True(t, ok, "%s: %v", file.Path, res["messages"])
		assert.Len(t, ids, file.Rows, file.Path)
	}
}

func TestExportCSVLoadsInOrder(t *testing.T) {
	f := newRealFixture(t)
	s := newServer(t, odootest.Options{})
	loadCSVFiles(t, f, connect(t, s, "xmlrpc"))
	got := ownXIDs(s)
	want := f.rows(t)
	delete(want, "ir.attachment")
	delete(want, "mail.message")
	assert.Equal(t, want, got)
	// A push after the CSV import finds the same external ids: it adds
	// only the attachments and notes, and duplicates nothing.
	_, err := odoo.Push(context.Background(), f.db, connect(t, s, "xmlrpc"), pushOpts())
	require.NoError(t, err)
	assert.Equal(t, f.rows(t), ownXIDs(s))
}

// TestIntegrationExportCSV loads the files into the real Odoo ODOO_URL names.
func TestIntegrationExportCSV(t *testing.T) {
	c := realOdoo(t, "xmlrpc")
	loadCSVFiles(t, newRealFixture(t), c)
}
