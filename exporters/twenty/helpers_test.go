package twenty

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"

	"github.com/axium2crm/axium2crm/exporters/mapping"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

type fixtureOpts struct {
	People    int
	Companies int
	Files     int
}

type fixtureFile struct {
	N                     int
	Name, Path, SHA, Size string
}

// openFixture builds a real DuckDB warehouse holding small twenty.* tables
// (testdata/fixture.sql.tmpl) and an export directory with attachment files.
func openFixture(t testing.TB, o fixtureOpts) (*warehouse.Warehouse, string) {
	t.Helper()
	if o.Companies == 0 {
		o.Companies = 2
	}
	dir := t.TempDir()
	export := filepath.Join(dir, "export")
	require.NoError(t, os.MkdirAll(filepath.Join(export, "attachments"), 0o700))
	var files []fixtureFile
	for i := 1; i <= o.Files; i++ {
		data := []byte(fmt.Sprintf("%%PDF-1.4 consent form %d", i))
		rel := fmt.Sprintf("attachments/consent_%d.pdf", i)
		require.NoError(t, os.WriteFile(filepath.Join(export, rel), data, 0o600))
		sum := sha256.Sum256(data)
		files = append(files, fixtureFile{N: i, Name: warehouse.QuoteLiteral(fmt.Sprintf("consent_%d.pdf", i)),
			Path: warehouse.QuoteLiteral(rel), SHA: warehouse.QuoteLiteral(hex.EncodeToString(sum[:])), Size: fmt.Sprint(len(data))})
	}
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(dir, "staging.duckdb"), Threads: 1})
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	tmpl := template.Must(template.ParseFiles("testdata/fixture.sql.tmpl"))
	var b bytes.Buffer
	require.NoError(t, tmpl.Execute(&b, map[string]any{
		"People": o.People, "Companies": o.Companies, "Files": files, "ExportDir": warehouse.QuoteLiteral(export),
	}))
	for _, st := range splitStatements(b.String()) {
		_, err := wh.DB().Exec(st)
		require.NoError(t, err, st)
	}
	return wh, export
}

// splitStatements splits the fixture on semicolons that end a line.
func splitStatements(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ";\n") {
		lines := []string{}
		for _, l := range strings.Split(part, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), "--") {
				lines = append(lines, l)
			}
		}
		if st := strings.TrimSpace(strings.Join(lines, "\n")); st != "" {
			out = append(out, strings.TrimSuffix(st, ";"))
		}
	}
	return out
}

// passTests records passing data tests for the twenty models, as
// `axium2crm test` would, and confirms the map, as `map twenty --confirm`
// would: the two gates a push passes.
func passTests(t testing.TB, wh *warehouse.Warehouse) {
	t.Helper()
	_, err := wh.DB().Exec(`INSERT INTO meta.model_run
		SELECT r.id, 'twenty_' || table_name, 'twenty', 'fixture', 'fp-' || table_name, 'table', 'success', NULL, 0, NULL, now(), now()
		FROM twenty.object_plan, (SELECT nextval('meta.run_seq') AS id) r`)
	require.NoError(t, err)
	_, err = wh.DB().Exec(`INSERT INTO meta.test_result
		SELECT r.id, 'twenty_' || table_name, 'fp-' || table_name, 'unique(id)', 'pass', 0, NULL, NULL, now()
		FROM twenty.object_plan, (SELECT nextval('meta.run_seq') AS id) r`)
	require.NoError(t, err)
	confirmMap(t, wh)
}

// failTest records a failing data test of a model after its build.
func failTest(t testing.TB, wh *warehouse.Warehouse, model, test string) {
	t.Helper()
	_, err := wh.DB().Exec(`INSERT INTO meta.test_result
		SELECT nextval('meta.run_seq'), model, fingerprint, ?, 'fail', 2, NULL, NULL, now()
		FROM meta.model_run WHERE model = ? ORDER BY run_id DESC LIMIT 1`, test, model)
	require.NoError(t, err)
}

// confirmMap confirms the twenty map the warehouse holds now.
func confirmMap(t testing.TB, wh *warehouse.Warehouse) {
	t.Helper()
	m, err := mapping.Read(context.Background(), wh.DB(), Destination)
	require.NoError(t, err)
	_, err = mapping.Confirm(context.Background(), wh.DB(), m, "test", "", 0)
	require.NoError(t, err)
}

// storedFile is the bytes an attachment record points at: its Files v2
// value (file: [{fileId, label}]) or its 1.x fullPath.
func storedFile(srv *twentytest.Server, a map[string]any) ([]byte, bool) {
	if files, ok := a["file"].([]any); ok && len(files) == 1 {
		if f, ok := files[0].(map[string]any); ok {
			id, _ := f["fileId"].(string)
			return srv.FileByID(id)
		}
	}
	path, _ := a["fullPath"].(string)
	return srv.File(path)
}
