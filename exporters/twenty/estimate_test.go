package twenty

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
)

// estimateCase is one dry run and the push that follows it.
type estimateCase struct {
	name      string
	dry, push PushReport
	// made is the calls that spent the server's rate-limit tokens during
	// the push (only record calls do: not the data model, /client-config
	// or the Files v2 calls).
	made int
	took time.Duration
}

// estimateCases pushes a fixture of a few thousand records through the
// test server's token bucket at calls per window, each push after its dry
// run. The first case is a first push; the second pushes again after a
// fifth of the patients changed (updates: their pre-images are read
// first) and after records the log does not know appeared in the
// workspace (every batch of their object then reads what it holds).
func estimateCases(tb testing.TB, calls int, window time.Duration, each func(estimateCase)) {
	ctx := context.Background()
	wh, _ := openFixture(tb, fixtureOpts{People: 600, Files: 3})
	passTests(tb, wh)
	srv := twentytest.New(tb, twentytest.Options{RateLimit: calls, RateWindow: window})
	c, err := NewClient(Config{BaseURL: srv.URL, APIKey: srv.APIKey(), Calls: calls, Window: window})
	require.NoError(tb, err)
	m, err := NewMapper("America/New_York")
	require.NoError(tb, err)
	for _, tc := range []struct {
		name   string
		before func()
	}{
		{"first push", func() {}},
		{"changed records and records the log does not know", func() {
			_, err := wh.DB().Exec(`UPDATE twenty.person SET name__first_name = 'Changed' || _source_key WHERE _source_record % 2 = 0`)
			require.NoError(tb, err)
			_, err = wh.DB().Exec(`UPDATE twenty.perio_record SET pocket_depth_mm = pocket_depth_mm + 1`)
			require.NoError(tb, err)
			_, err = c.Upsert(ctx, "people", []Record{{"id": "11111111-2222-4333-8444-555555555555",
				"name": map[string]any{"firstName": "Made", "lastName": "By hand"}}})
			require.NoError(tb, err)
		}},
	} {
		tc.before()
		ec := estimateCase{name: tc.name}
		ec.dry, err = Push(ctx, wh.DB(), PushOptions{Client: c, Mapper: m, DryRun: true})
		require.NoError(tb, err)
		before := srv.Stats().Tokens
		start := time.Now()
		ec.push, err = Push(ctx, wh.DB(), PushOptions{Client: c, Mapper: m})
		ec.took = time.Since(start)
		require.NoError(tb, err)
		ec.made = srv.Stats().Tokens - before
		each(ec)
	}
}

// TestDryRunEstimate: the dry run counts the calls the push then makes
// against the rate limit, call for call, and times them at the client's
// rate; the records it plans are those the push sends. How close its
// time comes to the push's wall time is BenchmarkDryRunEstimate's figure.
func TestDryRunEstimate(t *testing.T) {
	const calls, window = 100, time.Second // fast: the time is the benchmark's
	estimateCases(t, calls, window, func(ec estimateCase) {
		est := ec.dry.Estimate
		t.Logf("%s: push report: %d writes, %d reads, %d schema calls; dry: %d reads, fixed %d; estimate %d calls, push %d",
			ec.name, ec.push.Calls, ec.push.ReadCalls, ec.push.SchemaCalls, ec.dry.ReadCalls, est.FixedCalls, est.Calls, ec.made)
		require.Positive(t, est.Calls, ec.name)
		assert.Equal(t, ec.made, est.Calls, "%s: rate-limited calls the dry run expected against the calls that spent the server's tokens", ec.name)
		assert.InDelta(t, float64(est.Calls)*window.Seconds()/calls, est.Seconds, 1e-9, "%s: the calls at the client's rate", ec.name)
		sum := est.FixedCalls
		for _, tb := range est.Tables {
			sum += tb.Calls
		}
		assert.Equal(t, est.Calls, sum, "%s: the tables' calls and the fixed ones make the total", ec.name)
		var planned int
		for _, o := range ec.dry.Objects {
			planned += o.Create + o.Update
		}
		assert.Equal(t, planned, ec.push.Records(), "%s: the records the dry run planned are those the push sent", ec.name)
	})
}

// BenchmarkDryRunEstimate prints the dry run's expected time against the
// wall time of the push that follows it, at one call every 200 ms (100
// calls per 20 s, scaled down from Twenty's 100 a minute): the push's own
// work between calls (reading the warehouse, pre-images) is then a small
// part of its wall time. The target is a ratio within 0.85-1.15.
//
//	go test ./exporters/twenty -run '^$' -bench BenchmarkDryRunEstimate -benchtime 1x
func BenchmarkDryRunEstimate(b *testing.B) {
	for range b.N {
		i := 0
		estimateCases(b, 100, 20*time.Second, func(ec estimateCase) {
			est := ec.dry.Estimate
			ratio := est.Seconds / ec.took.Seconds()
			b.Logf("%s: %d records: estimate %.2fs (%d calls), measured %.2fs (%d calls): ratio %.3f",
				ec.name, ec.push.Records(), est.Seconds, est.Calls, ec.took.Seconds(), ec.made, ratio)
			for _, tb := range est.Tables {
				b.Logf("  %-22s %5d records %4d calls %6.2fs", tb.Table, tb.Records, tb.Calls, tb.Seconds)
			}
			i++
			b.ReportMetric(ratio, []string{"", "first-estimate/measured", "again-estimate/measured"}[i])
		})
	}
}
