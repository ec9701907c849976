package main

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
)

// TestPushDryRunEstimate: the dry run prints, per table and in total, the
// records to create, update and skip with the expected time, and says what
// the figure rests on: Twenty's rate limit; for Odoo a stated default
// until a push to the same server measured its rates, then those.
func TestPushDryRunEstimate(t *testing.T) {
	t.Run("twenty", func(t *testing.T) {
		dir := newTwentyProject(t, 6)
		srv := twentytest.New(t, twentytest.Options{APIKey: cliSecret, RateLimit: -1})
		t.Setenv("TWENTY_URL", srv.URL)
		t.Setenv("TWENTY_API_KEY", cliSecret)
		r := cli(t, "", "push", "twenty", "--dry-run", "--project", dir)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "expected time")
		assert.Contains(t, r.stdout, "In total: ")
		assert.Contains(t, r.stdout, "Expected duration: ")
		assert.Contains(t, r.stdout, "at the client's rate limit, 60000 calls per 1m0s (one call every 1ms)")

		r = cli(t, "", "push", "twenty", "--dry-run", "--json", "--project", dir)
		require.Equal(t, 0, r.code, r.stderr)
		var raw struct {
			Estimate map[string]json.RawMessage `json:"estimate"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &raw))
		for _, k := range []string{"seconds", "calls", "fixed_calls", "tables", "basis", "measured_run", "caveat"} {
			assert.Contains(t, raw.Estimate, k)
		}
		var rep exporters.PushReport
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
		require.Len(t, rep.Estimate.Tables, len(rep.Tables))
		calls := rep.Estimate.FixedCalls
		for i, tb := range rep.Estimate.Tables {
			assert.Equal(t, rep.Tables[i].Table, tb.Table)
			assert.Equal(t, rep.Tables[i].Created+rep.Tables[i].Updated, tb.Records, tb.Table)
			calls += tb.Calls
		}
		assert.Equal(t, rep.Estimate.Calls, calls)
		assert.InDelta(t, float64(calls)*0.001, rep.Estimate.Seconds, 1e-9, "one call a millisecond at 60,000 a minute")
	})
	t.Run("odoo", func(t *testing.T) {
		dir := newOdooProject(t, 8)
		odooEnv(t)
		r := cli(t, "", "map", "odoo", "--confirm", "--by", "test", "--project", dir)
		require.Equal(t, 0, r.code, r.stderr)
		r = cli(t, "", "push", "odoo", "--dry-run", "--project", dir)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "150 records a second (a default")
		assert.Contains(t, r.stdout, "Note: no earlier push to this server")

		run := pushOdooJSON(t, dir)
		r = cli(t, "", "push", "odoo", "--dry-run", "--json", "--project", dir)
		require.Equal(t, 0, r.code, r.stderr)
		var rep exporters.PushReport
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
		assert.Equal(t, run, rep.Estimate.MeasuredRun)
		assert.Contains(t, rep.Estimate.Basis, fmt.Sprintf("push run %d to the same server", run))
		measured := 0
		for _, tb := range rep.Estimate.Tables {
			if tb.Measured {
				measured++
				assert.Positive(t, tb.RecordsPerSecond, tb.Table)
			}
		}
		assert.Positive(t, measured)
	})
}
