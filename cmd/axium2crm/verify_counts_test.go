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
	assert.NotContains(t, r.stdout, "covered", "nothing is read in counts mode: no share of it to show")
	assert.Contains(t, r.stdout, "No difference")
	r = cli(t, "", "verify", "twenty", "--sample", "2", "--project", dir)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	assert.Contains(t, r.stdout, "covered")

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

// TestCoverageShowsASmallSample: a sample of a table of millions shows
// the share it covered, not "0.0%".
func TestCoverageShowsASmallSample(t *testing.T) {
	for share, want := range map[float64]string{
		0:                    "0.0%",
		1:                    "100.0%",
		1.0 / 3:              "33.3%",
		0.01:                 "1.0%",
		0.005:                "0.50%",
		0.00099:              "0.099%",
		271.0 / 13_886_070.0: "0.0020%",
		30.0 / 1_360_264.0:   "0.0022%",
	} {
		assert.Equal(t, want, coverage(share), "share %g", share)
	}
}
