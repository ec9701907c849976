package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWhatANewUserHits: the rough edges a new user met, each as they met it.
func TestWhatANewUserHits(t *testing.T) {
	r := cli(t, "", "bogus")
	assert.Equal(t, exitUsage, r.code, "an unknown command is a usage error, as the README promises")

	r = cli(t, "", "init", "--help")
	require.Equal(t, 0, r.code)
	assert.NotContains(t, r.stdout, "--destination run", "the flag's value is a destination, not a placeholder word")
	assert.Contains(t, r.stdout, "--destination strings")

	r = cli(t, "", "models", "--project", filepath.Join(t.TempDir(), "nowhere"))
	assert.NotEqual(t, 0, r.code, "models outside a project says so instead of listing every model as never built")

	mig := filepath.Join(t.TempDir(), "mig")
	require.Equal(t, 0, cli(t, "", "init", mig).code)
	r = cli(t, "", "models", "--json", "--project", mig)
	require.Equal(t, 0, r.code, r.stderr)
	var out struct {
		Models []map[string]any `json:"models"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &out), "an object, as every other --json")
	require.NotEmpty(t, out.Models)
	for _, k := range []string{"model", "schema", "materialized", "fingerprint", "file", "parents", "tags", "last_run"} {
		assert.Contains(t, out.Models[0], k, "snake_case keys")
	}

	r = cli(t, "", "sql", "--project", mig, "SELECT TIMESTAMP '2024-03-04 08:30:00' AS clinic_time, TIMESTAMPTZ '2024-03-04 08:30:00+00' AS instant, DATE '2024-03-04' AS d")
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(r.stdout, "\n")
	require.GreaterOrEqual(t, len(lines), 3)
	assert.Equal(t, "2024-03-04 08:30:00 | 2024-03-04T08:30:00Z | 2024-03-04", lines[2],
		"a clinic wall-clock time prints without a zone (not as if it were UTC); an instant keeps its zone")
}
