package twenty

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
)

// BenchmarkPushTwenty pushes the fixture through a test server that
// enforces Twenty's token bucket, scaled down from 100 calls per 60 s to
// 100 calls per 6 s so it runs in seconds, and reports the records per
// minute achieved against the ceiling (calls per minute × 200 records).
//
//	AXIUM2CRM_BENCH_PEOPLE=2000 go test -run '^$' -bench BenchmarkPushTwenty -benchtime 1x ./exporters/twenty
func BenchmarkPushTwenty(b *testing.B) {
	people := 2000
	if v, err := strconv.Atoi(os.Getenv("AXIUM2CRM_BENCH_PEOPLE")); err == nil && v > 0 {
		people = v
	}
	const calls, window = 100, 6 * time.Second
	ceiling := float64(calls) / window.Minutes() * MaxBatch
	var sent, total int
	var elapsed time.Duration
	var apiCalls int
	for b.Loop() {
		b.StopTimer()
		wh, _ := openFixture(b, fixtureOpts{People: people, Files: 0})
		passTests(b, wh)
		srv := twentytest.New(b, twentytest.Options{RateLimit: calls, RateWindow: window})
		c, err := NewClient(Config{BaseURL: srv.URL, APIKey: srv.APIKey(), Calls: calls, Window: window})
		if err != nil {
			b.Fatal(err)
		}
		m, _ := NewMapper("America/New_York")
		b.StartTimer()
		start := time.Now()
		rep, err := Push(context.Background(), wh.DB(), PushOptions{Client: c, Mapper: m})
		elapsed += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		sent += rep.Records()
		total += len(rep.Objects)
		apiCalls += srv.Stats().Calls
		if th := srv.Stats().Throttled; th > 0 {
			b.Logf("server answered 429 %d times", th)
		}
	}
	perMin := float64(sent) / elapsed.Minutes()
	b.ReportMetric(perMin, "records/min")
	b.ReportMetric(ceiling, "ceiling-records/min")
	b.ReportMetric(perMin/ceiling, "ratio")
	b.Logf("%d records in %s over %d API calls (metadata and uploads included): %.0f records/min of a %.0f ceiling (%.0f%%)",
		sent, elapsed.Round(time.Millisecond), apiCalls, perMin, ceiling, 100*perMin/ceiling)
}
