package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/fixtures"
)

type result struct {
	code           int
	stdout, stderr string
}

// cli runs the real command in-process.
func cli(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	var in io.Reader = strings.NewReader(stdin)
	code := run(args, in, &out, &errb)
	return result{code, out.String(), errb.String()}
}

// TestFourCommands is the foundation's user story, as a new user types it.
func TestFourCommands(t *testing.T) {
	dir := t.TempDir()
	export := filepath.Join(dir, "export")
	mig := filepath.Join(dir, "mig")

	r := cli(t, "", "fixtures", "generate", "--out", export, "--patients", "120", "--seed", "7")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "patient")

	r = cli(t, "", "init", mig)
	require.Equal(t, 0, r.code, r.stderr)
	st, err := os.Stat(mig)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), st.Mode().Perm())

	r = cli(t, "", "load", export, "--project", mig, "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var rep struct {
		BatchID int64
		Files   []struct {
			Object, File, Status string
			Read                 int64 `json:"rows_read"`
			Loaded               int64 `json:"rows_loaded"`
			Rejected             int64 `json:"rows_rejected"`
		}
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))

	// The counts reconcile with what the generator wrote.
	manifest := readManifest(t, export)
	require.Len(t, rep.Files, len(manifest.Files))
	byFile := map[string]fixtures.FileInfo{}
	for _, f := range manifest.Files {
		byFile[f.Path] = f
	}
	for _, f := range rep.Files {
		m, ok := byFile[f.File]
		require.True(t, ok, "loaded %s, which the generator did not write", f.File)
		assert.Equal(t, "loaded", f.Status, f.File)
		assert.Equal(t, m.Records, f.Read, f.File)
		assert.Equal(t, m.Records, f.Loaded, f.File)
		assert.Zero(t, f.Rejected, f.File)
	}

	r = cli(t, "", "sql", "--project", mig, "SELECT count(*) AS n FROM raw.patient")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "n\n---\n120\n(1 row)\n", r.stdout)

	// Loading again lands nothing twice.
	r = cli(t, "", "load", export, "--project", mig)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "skipped")
	r = cli(t, "", "sql", "--project", mig, "--format", "csv", "SELECT count(*) AS n, count(DISTINCT _batch_id) AS batches FROM raw.patient")
	assert.Equal(t, "n,batches\n120,1\n", r.stdout)
}

func readManifest(t *testing.T, dir string) fixtures.Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "fixture_manifest.json"))
	require.NoError(t, err)
	var m fixtures.Report
	require.NoError(t, json.Unmarshal(b, &m))
	require.NotEmpty(t, m.Files)
	return m
}

func newTestProject(t *testing.T) string {
	t.Helper()
	mig := filepath.Join(t.TempDir(), "mig")
	r := cli(t, "", "init", mig)
	require.Equal(t, 0, r.code, r.stderr)
	return mig
}

func TestSQLCommand(t *testing.T) {
	mig := newTestProject(t)
	r := cli(t, "", "sql", "--project", mig, "CREATE TABLE raw.x AS SELECT 1 AS a")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "read-only; pass --write")

	r = cli(t, "", "sql", "--project", mig, "--write", "CREATE TABLE raw.x AS SELECT * FROM (VALUES (1, 'a,b'), (2, NULL)) t(id, s)")
	require.Equal(t, 0, r.code, r.stderr)

	r = cli(t, "SELECT id, s FROM raw.x ORDER BY id;\n-- second\nSELECT 'x\ny' AS multi;", "sql", "--project", mig)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "id | s\n---+-----\n1  | a,b\n2  | NULL\n(2 rows)\n\nmulti\n-----\nx\\ny\n(1 row)\n", r.stdout)

	r = cli(t, "", "sql", "--project", mig, "--format", "csv", "SELECT id, s FROM raw.x ORDER BY id")
	require.Equal(t, 0, r.code, r.stderr)
	recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"id", "s"}, {"1", "a,b"}, {"2", ""}}, recs)

	r = cli(t, "", "sql", "--project", mig, "--json", "SELECT id, s FROM raw.x ORDER BY id")
	require.Equal(t, 0, r.code, r.stderr)
	var rows []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rows))
	assert.Equal(t, []map[string]any{{"id": float64(1), "s": "a,b"}, {"id": float64(2), "s": nil}}, rows)

	// staging.duckdb must not make the staging schema ambiguous.
	r = cli(t, "", "sql", "--project", mig, "--write", "CREATE TABLE staging.t AS SELECT 42 AS answer")
	require.Equal(t, 0, r.code, r.stderr)
	r = cli(t, "", "sql", "--project", mig, "--format", "csv", "SELECT answer FROM staging.t")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "answer\n42\n", r.stdout)

	r = cli(t, "", "sql", "--project", mig, "SELECT * FROM raw.nope")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "statement 1")
}

func TestExitCodes(t *testing.T) {
	mig := newTestProject(t)
	export := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(export, "appointment.csv"), []byte("Appointment,Patient\n1,2\n2\n"), 0o600))
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"unknown flag", []string{"load", "--bogus"}, 2, "unknown flag"},
		{"missing argument", []string{"load"}, 2, "accepts 1 arg"},
		{"bad format", []string{"sql", "--project", mig, "--format", "xml", "SELECT 1"}, 2, "--format"},
		{"not a project", []string{"load", export, "--project", export}, 1, "not an axium2crm project"},
		{"unknown object", []string{"load", export, "--project", mig, "--object", "patients"}, 1, `unknown object "patients"`},
		{"missing export", []string{"load", filepath.Join(export, "nope"), "--project", mig}, 1, "nope"},
		{"rejects are a validation failure when asked", []string{"load", export, "--project", mig, "--fail-on-reject"}, 3, "rejected"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, "", tc.args...)
			assert.Equal(t, tc.code, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.msg)
		})
	}
}

func TestBadConfigIsAValidationError(t *testing.T) {
	mig := newTestProject(t)
	require.NoError(t, os.WriteFile(filepath.Join(mig, "axium2crm.yaml"), []byte("version: 1\nload:\n  encodng: utf-8\n"), 0o600))
	r := cli(t, "", "sql", "--project", mig, "SELECT 1")
	assert.Equal(t, 3, r.code)
	assert.Contains(t, r.stderr, "axium2crm.yaml")
	assert.Contains(t, r.stderr, "encodng")
}

// TestWarehouseGetsHalfTheBudget: the project's memory_limit bounds the
// process, and the warehouse DuckDB opens gets half of it as its own.
func TestWarehouseGetsHalfTheBudget(t *testing.T) {
	mig := newTestProject(t)
	p := filepath.Join(mig, "axium2crm.yaml")
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Contains(t, string(b), `memory_limit: "4GB"`)
	require.NoError(t, os.WriteFile(p, bytes.Replace(b, []byte(`memory_limit: "4GB"`), []byte(`memory_limit: "1GB"`), 1), 0o600))
	r := cli(t, "", "sql", "--project", mig, "--format", "csv", "SELECT current_setting('memory_limit') AS m")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "m\n476.8 MiB\n", r.stdout) // 500,000,000 bytes
}
