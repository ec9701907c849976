package twenty

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
)

// TestDryRunEstimate pushes a fixture of a few thousand records through
// the test server's token bucket, scaled down from Twenty's 100 calls a
// minute, and compares the dry run's estimate with the push that follows
// it, in the same test: the calls it counted with the calls the server
// admitted, and its duration with the push's wall time (within 15%).
// Both figures are in the test log. The second case pushes again after a
// fifth of the patients changed (updates: their pre-images are read
// first) and after records the log does not know appeared in the
// workspace (every batch of their object then reads what it holds).
func TestDryRunEstimate(t *testing.T) {
	if testing.Short() {
		t.Skip("pushes at a rate limit for several seconds")
	}
	const calls = 100
	// One call every 200 ms: the push's own work between calls (reading
	// the warehouse, pre-images) is then a small part of its wall time
	// even on busy cores. At 100 ms a call, the second case's 13 calls
	// measured 1.58 s against the 1.30 s estimated while a model build
	// shared the two cores.
	window := 20 * time.Second
	ctx := context.Background()
	wh, _ := openFixture(t, fixtureOpts{People: 600, Files: 3})
	passTests(t, wh)
	srv := twentytest.New(t, twentytest.Options{RateLimit: calls, RateWindow: window})
	c, err := NewClient(Config{BaseURL: srv.URL, APIKey: srv.APIKey(), Calls: calls, Window: window})
	require.NoError(t, err)
	m, err := NewMapper("America/New_York")
	require.NoError(t, err)

	for _, tc := range []struct {
		name   string
		before func(t *testing.T)
	}{
		{"first push", func(*testing.T) {}},
		{"changed records and records the log does not know", func(t *testing.T) {
			_, err := wh.DB().Exec(`UPDATE twenty.person SET name__first_name = 'Changed' || _source_key WHERE _source_record % 2 = 0`)
			require.NoError(t, err)
			_, err = wh.DB().Exec(`UPDATE twenty.perio_record SET pocket_depth_mm = pocket_depth_mm + 1`)
			require.NoError(t, err)
			_, err = c.Upsert(ctx, "people", []Record{{"id": "11111111-2222-4333-8444-555555555555",
				"name": map[string]any{"firstName": "Made", "lastName": "By hand"}}})
			require.NoError(t, err)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.before(t)
			dry, err := Push(ctx, wh.DB(), PushOptions{Client: c, Mapper: m, DryRun: true})
			require.NoError(t, err)
			est := dry.Estimate
			require.Positive(t, est.Seconds)
			// Only record calls spend the bucket's tokens (the data model,
			// /client-config and the Files v2 calls do not).
			before := srv.Stats().Tokens
			start := time.Now()
			rep, err := Push(ctx, wh.DB(), PushOptions{Client: c, Mapper: m})
			took := time.Since(start)
			require.NoError(t, err)
			made := srv.Stats().Tokens - before
			ratio := est.Seconds / took.Seconds()
			t.Logf("push report: %d writes, %d reads, %d schema calls; dry: %d reads, fixed %d", rep.Calls, rep.ReadCalls, rep.SchemaCalls, dry.ReadCalls, est.FixedCalls)
			t.Logf("%d records: estimate %.2fs (%d calls), measured %.2fs (%d calls): ratio %.3f",
				rep.Records(), est.Seconds, est.Calls, took.Seconds(), made, ratio)
			for _, tb := range est.Tables {
				t.Logf("  %-22s %5d records %4d calls %6.2fs", tb.Table, tb.Records, tb.Calls, tb.Seconds)
			}
			assert.Equal(t, made, est.Calls, "rate-limited calls the dry run expected against the calls that spent the server's tokens")
			assert.InDelta(t, 1, ratio, 0.15, "estimate %.2fs against %.2fs measured", est.Seconds, took.Seconds())
			var planned int
			for _, o := range dry.Objects {
				planned += o.Create + o.Update
			}
			assert.Equal(t, planned, rep.Records(), "the records the dry run planned are those the push sent")
		})
	}
}
