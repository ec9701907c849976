package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/twenty"
	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

const cliSecret = "tw-key-CLI-SECRET-91b2"

// newTwentyProject creates a project whose warehouse holds small twenty.*
// tables (the exporter's test fixture) and passing data tests.
func newTwentyProject(t *testing.T, people int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mig")
	r := cli(t, "", "init", dir)
	require.Equal(t, 0, r.code, r.stderr)
	// The test server does not limit calls; the client's pacing would only slow the test.
	cfgPath := filepath.Join(dir, "axium2crm.yaml")
	cfg, err := os.ReadFile(cfgPath)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(cfgPath, []byte(strings.Replace(string(cfg), "calls_per_minute: 100", "calls_per_minute: 60000", 1)), 0o600))
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(dir, warehouse.FileName)})
	require.NoError(t, err)
	tmpl := template.Must(template.ParseFiles("../../exporters/twenty/testdata/fixture.sql.tmpl"))
	var b bytes.Buffer
	require.NoError(t, tmpl.Execute(&b, map[string]any{"People": people, "Companies": 2, "ExportDir": "'" + dir + "'"}))
	for _, st := range strings.Split(b.String(), ";\n") {
		var lines []string
		for _, l := range strings.Split(st, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), "--") {
				lines = append(lines, l)
			}
		}
		if s := strings.TrimSpace(strings.Join(lines, "\n")); s != "" {
			_, err := wh.DB().Exec(s)
			require.NoError(t, err, s)
		}
	}
	markBuiltAndTested(t, wh.DB(), "twenty")
	require.NoError(t, wh.Close())
	r = cli(t, "", "map", "twenty", "--confirm", "--by", "test", "--project", dir)
	require.Equal(t, 0, r.code, r.stderr)
	return dir
}

func TestExportTwentyCommand(t *testing.T) {
	dir := newTwentyProject(t, 5)
	out := filepath.Join(t.TempDir(), "csv")
	r := cli(t, "", "export", "twenty", "--out", out, "--project", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "02_people.csv")
	assert.Contains(t, r.stdout, "taskTarget")
	_, err := os.Stat(filepath.Join(out, "README.txt"))
	require.NoError(t, err)

	r = cli(t, "", "export", "twenty", "--project", dir)
	assert.Equal(t, exitUsage, r.code)
}

func TestPushTwentyCommand(t *testing.T) {
	dir := newTwentyProject(t, 12)
	srv := twentytest.New(t, twentytest.Options{APIKey: cliSecret, RateLimit: -1})
	t.Setenv("TWENTY_URL", srv.URL)

	t.Run("no key", func(t *testing.T) {
		t.Setenv("TWENTY_API_KEY", "")
		r := cli(t, "", "push", "twenty", "--project", dir)
		assert.Equal(t, exitUsage, r.code)
		assert.Contains(t, r.stderr, "TWENTY_API_KEY")
	})
	t.Run("key file readable by others is refused", func(t *testing.T) {
		t.Setenv("TWENTY_API_KEY", "")
		cfg := filepath.Join(dir, "axium2crm.yaml")
		orig, err := os.ReadFile(cfg)
		require.NoError(t, err)
		t.Cleanup(func() { _ = os.WriteFile(cfg, orig, 0o600) })
		require.NoError(t, os.WriteFile(cfg, []byte(strings.Replace(string(orig), "# api_key_file:", "api_key_file:", 1)), 0o600))
		key := filepath.Join(dir, "twenty.key")
		require.NoError(t, os.WriteFile(key, []byte(cliSecret+"\n"), 0o600))
		require.NoError(t, os.Chmod(key, 0o644))
		r := cli(t, "", "push", "twenty", "--dry-run", "--project", dir)
		assert.Equal(t, exitValidation, r.code, r.stderr)
		assert.Contains(t, r.stderr, "chmod 600")
		require.NoError(t, os.Chmod(key, 0o600))
		r = cli(t, "", "push", "twenty", "--dry-run", "--project", dir)
		assert.Equal(t, 0, r.code, r.stderr)
		assert.NotContains(t, r.stdout+r.stderr, cliSecret)
	})

	t.Setenv("TWENTY_API_KEY", cliSecret)
	t.Run("map changed since confirmed", func(t *testing.T) {
		r := cli(t, "", "sql", "--write", "--project", dir, "UPDATE twenty.field_plan SET label = 'Chart' WHERE field_name = 'patientSince'")
		require.Equal(t, 0, r.code, r.stderr)
		calls := srv.CallCount()
		r = cli(t, "", "push", "twenty", "--project", dir)
		assert.Equal(t, exitValidation, r.code, r.stderr)
		assert.Contains(t, r.stderr, "map twenty --confirm")
		assert.Equal(t, calls, srv.CallCount(), "refused before any call")
		r = cli(t, "", "push", "twenty", "--dry-run", "--project", dir)
		assert.Equal(t, 0, r.code, r.stderr)
		r = cli(t, "", "map", "twenty", "--confirm", "--by", "test", "--project", dir)
		require.Equal(t, 0, r.code, r.stderr)
	})
	r := cli(t, "", "push", "twenty", "--dry-run", "--project", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Dry run")
	assert.Contains(t, r.stdout, "create object")
	assert.Zero(t, srv.Count("person"))

	r = cli(t, "", "push", "twenty", "--project", dir, "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var rep exporters.PushReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	assert.Positive(t, rep.RunID)
	created := 0
	for _, tc := range rep.Tables {
		created += tc.Created
	}
	assert.Greater(t, created, 12)
	assert.Equal(t, 12, srv.Count("person"))
	assert.NotContains(t, r.stdout+r.stderr, cliSecret)

	r = cli(t, "", "push", "twenty", "--resume", "--project", dir)
	assert.Equal(t, exitError, r.code, "nothing to resume")

	t.Run("bad key", func(t *testing.T) {
		t.Setenv("TWENTY_API_KEY", cliSecret+"-wrong")
		r := cli(t, "", "push", "twenty", "--project", dir)
		assert.Equal(t, exitError, r.code)
		assert.Contains(t, r.stderr, "401")
		assert.NotContains(t, r.stdout+r.stderr, "CLI-SECRET")
	})
}

func TestVerifyTwentyCommand(t *testing.T) {
	dir := newTwentyProject(t, 6)
	srv := twentytest.New(t, twentytest.Options{APIKey: cliSecret, RateLimit: -1})
	t.Setenv("TWENTY_URL", srv.URL)
	t.Setenv("TWENTY_API_KEY", cliSecret)

	r := cli(t, "", "verify", "twenty", "--project", dir)
	assert.Equal(t, exitError, r.code, "nothing pushed yet")
	assert.Contains(t, r.stderr, "nothing was pushed")

	r = cli(t, "", "push", "twenty", "--project", dir)
	require.Equal(t, 0, r.code, r.stderr)
	r = cli(t, "", "verify", "twenty", "--sample", "9", "--project", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "No difference")
	assert.Contains(t, r.stdout, "Side by side")

	for id := range srv.Records("person") {
		c, err := twenty.NewClient(twenty.Config{BaseURL: srv.URL, APIKey: cliSecret, Calls: 1000, Window: time.Second})
		require.NoError(t, err)
		require.NoError(t, c.Patch(context.Background(), "people", id, twenty.Record{"name": map[string]any{"firstName": "Edited"}}))
		break
	}
	r = cli(t, "", "verify", "twenty", "--project", dir)
	assert.Equal(t, exitValidation, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Edited")
	assert.NotContains(t, r.stdout+r.stderr, cliSecret)
}

func TestRollbackTwentyCommand(t *testing.T) {
	dir := newTwentyProject(t, 6)
	srv := twentytest.New(t, twentytest.Options{APIKey: cliSecret, RateLimit: -1})
	t.Setenv("TWENTY_URL", srv.URL)
	t.Setenv("TWENTY_API_KEY", cliSecret)
	r := cli(t, "", "push", "twenty", "--project", dir, "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var rep struct {
		RunID int64 `json:"run_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	require.Equal(t, 6, srv.Count("person"))

	r = cli(t, "", "rollback", "twenty", "--project", dir)
	assert.Equal(t, exitUsage, r.code)
	r = cli(t, "", "rollback", "twenty", "--push", fmt.Sprint(rep.RunID), "--schema", "--project", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "removed object perioRecord")
	assert.Zero(t, srv.Count("person"))
	_, ok := srv.Object("perioRecord")
	assert.False(t, ok)
}
