package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/odoo"
	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

const odooSecret = "odoo-pw-CLI-SECRET-7c3e"

// newOdooProject creates a project whose warehouse holds small odoo.*
// tables (the exporter's test fixture), its attachment files and no
// failed data test. The map is left unconfirmed.
func newOdooProject(t *testing.T, patients int) string {
	t.Helper()
	dir := newTestProject(t)
	export := filepath.Join(dir, "export")
	require.NoError(t, os.MkdirAll(filepath.Join(export, "attachments"), 0o700))
	for i := 1; i <= patients/4+1; i++ {
		require.NoError(t, os.WriteFile(filepath.Join(export, "attachments", fmt.Sprintf("xray_%d.txt", i)), []byte(fmt.Sprintf("attachment %d", i)), 0o600))
	}
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(dir, warehouse.FileName)})
	require.NoError(t, err)
	defer wh.Close()
	db := wh.DB()
	_, err = db.Exec("CREATE OR REPLACE TABLE odoo.fixture_n AS SELECT CAST(? AS BIGINT) AS n", patients)
	require.NoError(t, err)
	script, err := os.ReadFile("../../exporters/odoo/testdata/fixture.sql")
	require.NoError(t, err)
	for _, st := range warehouse.SplitStatements(string(script)) {
		_, err := db.Exec(st)
		require.NoError(t, err, st)
	}
	_, err = db.Exec("INSERT INTO meta.load_batch (batch_id, source_dir, started_at, status) VALUES (1, ?, now(), 'finished')", export)
	require.NoError(t, err)
	markBuiltAndTested(t, db, "odoo")
	return dir
}

// odooEnv points the commands at an odootest server.
func odooEnv(t *testing.T) *odootest.Server {
	t.Helper()
	s := odootest.New(odootest.Options{Password: odooSecret})
	t.Cleanup(s.Close)
	t.Setenv("ODOO_URL", s.URL)
	t.Setenv("ODOO_DB", "odoo")
	t.Setenv("ODOO_USER", "admin")
	t.Setenv("ODOO_PASSWORD", odooSecret)
	t.Setenv("ODOO_API_KEY", "")
	return s
}

func axiumXIDs(s *odootest.Server) int {
	n := 0
	for _, r := range s.Records("ir.model.data") {
		if r["module"] == "axium" {
			n++
		}
	}
	return n
}

func pushOdooJSON(t *testing.T, dir string) int64 {
	t.Helper()
	r := cli(t, "", "push", "odoo", "--json", "--project", dir)
	require.Equal(t, 0, r.code, r.stderr)
	var rep struct {
		RunID int64 `json:"run_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	require.Positive(t, rep.RunID)
	return rep.RunID
}

// assertNoSecret: the password is in no output and no meta table.
func assertNoSecret(t *testing.T, dir string, outputs ...result) {
	t.Helper()
	for _, r := range outputs {
		assert.NotContains(t, r.stdout+r.stderr, odooSecret)
		assert.NotContains(t, r.stdout+r.stderr, "CLI-SECRET")
	}
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(dir, warehouse.FileName)})
	require.NoError(t, err)
	defer wh.Close()
	rows, err := wh.DB().Query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'meta' AND table_type = 'BASE TABLE'")
	require.NoError(t, err)
	var tables []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		tables = append(tables, n)
	}
	require.NoError(t, rows.Close())
	require.Contains(t, tables, "push_run")
	for _, tb := range tables {
		var hits int
		require.NoError(t, wh.DB().QueryRow("SELECT count(*) FROM meta."+warehouse.QuoteIdent(tb)+" t WHERE contains(CAST(t AS VARCHAR), ?)", "CLI-SECRET").Scan(&hits))
		assert.Zero(t, hits, "meta.%s holds the password", tb)
	}
}

func TestExportOdooCommand(t *testing.T) {
	dir := newOdooProject(t, 6)
	out := filepath.Join(t.TempDir(), "odoo-import")
	r := cli(t, "", "export", "odoo", "--out", out, "--project", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "res_partner_patient.csv")
	assert.Contains(t, r.stdout, "README.txt")
	b, err := os.ReadFile(filepath.Join(out, "README.txt"))
	require.NoError(t, err)
	assert.Contains(t, string(b), "x_perio_record")
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Greater(t, len(entries), 5)

	r = cli(t, "", "export", "odoo", "--project", dir)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "--out")
}

func TestPushOdooCommand(t *testing.T) {
	dir := newOdooProject(t, 8)
	s := odooEnv(t)
	seededUsers := s.Count("res.users")
	var outputs []result

	t.Run("no password", func(t *testing.T) {
		t.Setenv("ODOO_PASSWORD", "")
		r := cli(t, "", "push", "odoo", "--project", dir)
		assert.Equal(t, exitUsage, r.code)
		assert.Contains(t, r.stderr, "ODOO_PASSWORD or ODOO_API_KEY")
	})
	t.Run("unconfirmed map", func(t *testing.T) {
		calls := len(s.Calls())
		r := cli(t, "", "push", "odoo", "--project", dir)
		outputs = append(outputs, r)
		assert.Equal(t, exitValidation, r.code, r.stderr)
		assert.Contains(t, r.stderr, "map odoo --confirm")
		for _, c := range s.Calls()[calls:] {
			assert.NotContains(t, []string{"load", "create", "write", "unlink"}, c.ORM, "refused before any change")
		}
		assert.Zero(t, axiumXIDs(s))
	})
	t.Run("dry run needs no confirmation and changes nothing", func(t *testing.T) {
		r := cli(t, "", "push", "odoo", "--dry-run", "--project", dir)
		outputs = append(outputs, r)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "Dry run: nothing was changed.")
		assert.Contains(t, r.stdout, "res_partner_patient")
		assert.Zero(t, axiumXIDs(s))
		assert.False(t, s.HasModel("x_perio_record"))
	})
	r := cli(t, "", "map", "odoo", "--confirm", "--by", "test", "--project", dir)
	require.Equal(t, 0, r.code, r.stderr)

	r = cli(t, "", "push", "odoo", "--json", "--project", dir)
	outputs = append(outputs, r)
	require.Equal(t, 0, r.code, r.stderr)
	var rep exporters.PushReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	assert.Positive(t, rep.RunID)
	created := 0
	for _, tr := range rep.Tables {
		created += tr.Created
	}
	assert.Positive(t, created)
	assert.Equal(t, 8, s.Count("res.partner")-3-2-5-(s.Count("res.users")-seededUsers),
		"8 patients besides the seeded partners, 2 carriers, 5 guarantors and the pushed users' own partners")
	assert.Contains(t, r.stderr, "res_partner_patient: 8 rows", "progress on stderr")

	r = cli(t, "", "push", "odoo", "--project", dir)
	outputs = append(outputs, r)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Push run")

	r = cli(t, "", "push", "odoo", "--resume", "--project", dir)
	assert.Equal(t, exitError, r.code, "nothing to resume")

	t.Run("wrong password", func(t *testing.T) {
		t.Setenv("ODOO_PASSWORD", odooSecret+"-wrong")
		r := cli(t, "", "push", "odoo", "--project", dir)
		outputs = append(outputs, r)
		assert.Equal(t, exitError, r.code)
		assert.Contains(t, r.stderr, "log in")
	})
	assertNoSecret(t, dir, outputs...)
}

func TestVerifyOdooCommand(t *testing.T) {
	dir := newOdooProject(t, 6)
	s := odooEnv(t)
	r := cli(t, "", "map", "odoo", "--confirm", "--by", "test", "--project", dir)
	require.Equal(t, 0, r.code, r.stderr)
	var outputs []result

	r = cli(t, "", "verify", "odoo", "--project", dir)
	outputs = append(outputs, r)
	assert.Equal(t, exitError, r.code, "nothing pushed yet")
	assert.Contains(t, r.stderr, "nothing was pushed")
	r = cli(t, "", "verify", "odoo", "--sample", "-1", "--project", dir)
	assert.Equal(t, exitUsage, r.code)

	pushOdooJSON(t, dir)
	r = cli(t, "", "verify", "odoo", "--sample", "12", "--project", dir)
	outputs = append(outputs, r)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "No difference: Odoo holds what the tables hold.")
	assert.Contains(t, r.stdout, "Side by side")
	assert.Contains(t, r.stdout, "odoo.mail_message")

	c, err := odoo.Dial(context.Background(), odoo.Config{URL: s.URL, DB: "odoo", User: "admin", Password: odooSecret, Backoff: time.Millisecond})
	require.NoError(t, err)
	_, id, ok := s.XID("axium.patient_00002")
	require.True(t, ok)
	_, err = c.Execute(context.Background(), "res.partner", "write", []any{[]any{id}, map[string]any{"email": "edited@example.org"}}, nil)
	require.NoError(t, err)

	r = cli(t, "", "verify", "odoo", "--project", dir)
	outputs = append(outputs, r)
	assert.Equal(t, exitValidation, r.code, r.stderr)
	assert.Contains(t, r.stdout, "edited@example.org")
	assert.Contains(t, r.stdout, "axium.patient_00002")
	assert.Contains(t, r.stderr, "1 records differ")

	r = cli(t, "", "verify", "odoo", "--json", "--project", dir)
	outputs = append(outputs, r)
	assert.Equal(t, exitValidation, r.code)
	var rep exporters.VerifyReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	assert.Equal(t, 1, rep.Differences())
	assertNoSecret(t, dir, outputs...)
}

func TestPushRefusesWhenTheDocumentsAreGone(t *testing.T) {
	dir := newOdooProject(t, 6)
	s := odooEnv(t)
	r := cli(t, "", "map", "odoo", "--confirm", "--by", "test", "--project", dir)
	require.Equal(t, 0, r.code, r.stderr)
	export := filepath.Join(dir, "export")
	require.NoError(t, os.Rename(export, export+"-elsewhere"))
	partners, documents := s.Count("res.partner"), s.Count("ir.attachment")

	// The dry run says so first, and its JSON lists it.
	r = cli(t, "", "push", "odoo", "--dry-run", "--project", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Documents the push cannot read")
	assert.Contains(t, r.stdout, "  - 2 documents from load batch 1's directory "+export+": no such file or directory: put the export back there, or record where")
	r = cli(t, "", "push", "odoo", "--dry-run", "--json", "--project", dir)
	require.Equal(t, 0, r.code, r.stderr)
	var dry exporters.PushReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &dry))
	require.Len(t, dry.Files, 1)

	r = cli(t, "", "push", "odoo", "--project", dir)
	assert.Equal(t, exitValidation, r.code, r.stderr)
	assert.Contains(t, r.stderr, "2 documents from load batch 1's directory "+export+": no such file or directory")
	assert.Contains(t, r.stderr, "WHERE batch_id = 1")
	assert.Equal(t, partners, s.Count("res.partner"), "no record moved")
	r = cli(t, "", "push", "odoo", "--force", "--project", dir)
	assert.Equal(t, exitValidation, r.code, "--force is for the data tests: %s", r.stderr)

	r = cli(t, "", "sql", "--write", "--project", dir, "UPDATE meta.load_batch SET source_dir = '"+export+"-elsewhere' WHERE batch_id = 1")
	require.Equal(t, 0, r.code, r.stderr)
	r = cli(t, "", "push", "odoo", "--dry-run", "--json", "--project", dir)
	require.Equal(t, 0, r.code, r.stderr)
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &dry))
	assert.Empty(t, dry.Files)
	assert.Contains(t, r.stdout, `"files": []`)
	r = cli(t, "", "push", "odoo", "--project", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, documents+2, s.Count("ir.attachment"), "both documents sent from where the export is now")
}

func TestRollbackOdooCommand(t *testing.T) {
	dir := newOdooProject(t, 6)
	s := odooEnv(t)
	r := cli(t, "", "map", "odoo", "--confirm", "--by", "test", "--project", dir)
	require.Equal(t, 0, r.code, r.stderr)
	partners := s.Count("res.partner")
	run := pushOdooJSON(t, dir)
	require.Positive(t, axiumXIDs(s))

	r = cli(t, "", "rollback", "odoo", "--project", dir)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "--push P")
	r = cli(t, "", "rollback", "odoo", "--push", fmt.Sprint(run), "--schema", "--project", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, fmt.Sprintf("Rollback run %d of push %d", run+1, run))
	assert.Contains(t, r.stdout, "Removed")
	assert.Zero(t, axiumXIDs(s))
	assert.Equal(t, partners, s.Count("res.partner"))
	assert.False(t, s.HasModel("x_perio_record"))

	// Verify after the rollback: every row missing (the custom model's
	// too), nothing extra, exit 3.
	r = cli(t, "", "verify", "odoo", "--json", "--project", dir)
	assert.Equal(t, exitValidation, r.code, r.stderr)
	var rep exporters.VerifyReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	require.NotEmpty(t, rep.Tables)
	for _, tv := range rep.Tables {
		assert.Equal(t, tv.Expected, tv.Missing, tv.Table)
		assert.Zero(t, tv.Found+tv.Extra+tv.Mismatched, tv.Table)
	}
	assertNoSecret(t, dir, r)
}
