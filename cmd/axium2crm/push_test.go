package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
)

// TestJSONOneShapeForBothCRMs: push, verify and rollback --json print the
// shared report, whose top-level keys are the same for Twenty and Odoo
// (the destination's own report sits under "detail").
func TestJSONOneShapeForBothCRMs(t *testing.T) {
	odooDir := newOdooProject(t, 4)
	odooEnv(t)
	r := cli(t, "", "map", "odoo", "--confirm", "--by", "test", "--project", odooDir)
	require.Equal(t, 0, r.code, r.stderr)
	twentyDir := newTwentyProject(t, 4)
	srv := twentytest.New(t, twentytest.Options{APIKey: cliSecret, RateLimit: -1})
	t.Setenv("TWENTY_URL", srv.URL)
	t.Setenv("TWENTY_API_KEY", cliSecret)

	keys := func(t *testing.T, dir string, args ...string) []string {
		t.Helper()
		r := cli(t, "", append(args, "--json", "--project", dir)...)
		require.Contains(t, []int{0, exitValidation}, r.code, "%v: %s", args, r.stderr)
		var top map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &top), r.stdout)
		return slices.Sorted(maps.Keys(top))
	}
	steps := []struct {
		name string
		args func(crm string) []string
	}{
		{"push dry run", func(crm string) []string { return []string{"push", crm, "--dry-run"} }},
		{"push", func(crm string) []string { return []string{"push", crm} }},
		{"verify", func(crm string) []string { return []string{"verify", crm} }},
		{"rollback", func(crm string) []string { return []string{"rollback", crm, "--push", "%d"} }},
	}
	var pushKeys []string
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			var got [2][]string
			for i, c := range []struct{ crm, dir string }{{"twenty", twentyDir}, {"odoo", odooDir}} {
				args := s.args(c.crm)
				if s.name == "rollback" {
					args[3] = fmt.Sprint(lastPush(t, c.dir))
				}
				got[i] = keys(t, c.dir, args...)
			}
			assert.Equal(t, got[0], got[1], "twenty's keys, odoo's")
			assert.Contains(t, got[0], "detail")
			switch s.name {
			case "push dry run":
				pushKeys = got[0]
				assert.Contains(t, got[0], "run_id")
				assert.Contains(t, got[0], "refused")
			case "push":
				assert.Equal(t, pushKeys, got[0], "a push has the keys of a dry run")
			}
		})
	}
}

// lastPush is the newest finished push run of the project.
func lastPush(t *testing.T, dir string) int64 {
	t.Helper()
	r := cli(t, "", "sql", "--project", dir, "--json", "SELECT max(run_id) AS id FROM meta.push_run WHERE mode = 'push'")
	require.Equal(t, 0, r.code, r.stderr)
	var rows []struct{ ID int64 }
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rows))
	require.Len(t, rows, 1)
	require.Positive(t, rows[0].ID)
	return rows[0].ID
}
