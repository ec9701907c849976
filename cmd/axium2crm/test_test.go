package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTestRunsOnlyTheProjectsDestinations: in a project for one CRM, the
// documented flow (init --destination, load, run, test) passes, and test
// runs the staging tests and that CRM's only; --select narrows within them.
func TestTestRunsOnlyTheProjectsDestinations(t *testing.T) {
	dir := t.TempDir()
	export := filepath.Join(dir, "export")
	require.Equal(t, 0, cli(t, "", "fixtures", "generate", "--out", export, "--patients", "15", "--seed", "5").code)
	for _, c := range []struct{ dest, other string }{{"odoo", "twenty"}, {"twenty", "odoo"}} {
		t.Run(c.dest, func(t *testing.T) {
			mig := filepath.Join(dir, c.dest)
			r := cli(t, "", "init", mig, "--destination", c.dest)
			require.Equal(t, 0, r.code, r.stderr)
			r = cli(t, "", "load", export, "--project", mig)
			require.Equal(t, 0, r.code, r.stderr)
			r = cli(t, "", "run", "--project", mig)
			require.Equal(t, 0, r.code, r.stderr)

			r = cli(t, "", "test", "--project", mig, "--json")
			assert.Equal(t, 0, r.code, r.stderr)
			var res []struct{ Model, Test, Status string }
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
			all := len(res)
			ran := map[string]int{}
			var others []string
			for _, x := range res {
				if strings.HasPrefix(x.Model, c.other+"_") {
					others = append(others, x.Model+" "+x.Test+": "+x.Status)
				}
				ran[strings.SplitN(x.Model, "_", 2)[0]]++
			}
			assert.Empty(t, others, "%s tests ran in a %s project", c.other, c.dest)
			assert.Positive(t, ran[c.dest], "the destination's tests ran: %v", ran)
			assert.Positive(t, ran["stg"], "the staging tests ran: %v", ran)

			// An explicit --select narrows within the project's models...
			r = cli(t, "", "test", "--project", mig, "--json", "--select", "+"+c.dest+"_object_plan")
			assert.Equal(t, 0, r.code, r.stderr)
			res = nil
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &res))
			require.NotEmpty(t, res)
			for _, x := range res {
				require.False(t, strings.HasPrefix(x.Model, c.other+"_"), x.Model)
			}
			assert.Less(t, len(res), all)
			// ...and picking only the other CRM's models is a usage error,
			// not every test.
			r = cli(t, "", "test", "--project", mig, "--select", c.other+"_object_plan")
			assert.Equal(t, exitUsage, r.code, r.stdout)
			assert.Contains(t, r.stderr, "destinations")
		})
	}
}
