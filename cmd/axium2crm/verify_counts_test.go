package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/twenty"
	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
)

// TestVerifyCountsCommand: verify --counts reads no record, shows each
// table's rows next to Twenty's count, and exits 3 when a destroyed task
// leaves the counts apart.
func TestVerifyCountsCommand(t *testing.T) {
	dir := newTwentyProject(t, 6)
	srv := twentytest.New(t, twentytest.Options{APIKey: cliSecret, RateLimit: -1})
	t.Setenv("TWENTY_URL", srv.URL)
	t.Setenv("TWENTY_API_KEY", cliSecret)
	r := cli(t, "", "push", "twenty", "--project", dir)
	require.Equal(t, 0, r.code, r.stderr)

	r = cli(t, "", "verify", "twenty", "--counts", "--sample", "5", "--project", dir)
	assert.Equal(t, exitUsage, r.code)
	r = cli(t, "", "verify", "twenty", "--counts", "--project", dir)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "(counts, ")
	assert.Contains(t, r.stdout, "in twenty")
	assert.Contains(t, r.stdout, "No difference")

	c, err := twenty.NewClient(twenty.Config{BaseURL: srv.URL, APIKey: cliSecret, Calls: 1000, Window: time.Second})
	require.NoError(t, err)
	for id := range srv.Records("task") {
		found, err := c.Destroy(context.Background(), "tasks", id)
		require.NoError(t, err)
		require.True(t, found)
		break
	}
	r = cli(t, "", "verify", "twenty", "--counts", "--project", dir)
	assert.Equal(t, exitValidation, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stderr, "1 records differ")
}
