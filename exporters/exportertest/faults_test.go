package exportertest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fates sends n calls, one at a time, through a faulty proxy in front of
// a server that counts what reaches it, and says what each call met.
func fates(t *testing.T, n int, opt FaultOptions) ([]string, FaultCounts, int64) {
	t.Helper()
	var reached atomic.Int64
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		_, _ = io.WriteString(w, "ok")
	})
	srv := httptest.NewServer(backend)
	t.Cleanup(srv.Close)
	// A held call (FaultTimeout) ends at the proxy's MaxHold, not at the
	// client's timeout, so a call slowed by a busy machine is not taken
	// for one.
	if opt.MaxHold == 0 {
		opt.MaxHold = 200 * time.Millisecond
	}
	f, url := StartFaulty(t, srv.URL, opt)
	// No retries of its own, keep-alives off: each call is one request.
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var out []string
	for range n {
		res, err := c.Post(url+"/x", "text/plain", strings.NewReader("body"))
		if err != nil {
			out = append(out, "error")
			continue
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		fate := res.Status
		if ra := res.Header.Get("Retry-After"); ra != "" {
			fate += " Retry-After " + ra
		}
		out = append(out, fate)
	}
	f.Settle()
	return out, f.Counts(), reached.Load()
}

func TestFaultsAreSeededAndCounted(t *testing.T) {
	opt := FaultOptions{Seed: 7, StormMin: 2, StormMax: 4, Latency: time.Millisecond, Rates: map[FaultKind]float64{
		Fault500: 0.1, FaultStorm: 0.05, FaultStormRetryAfter: 0.05, FaultReset: 0.1, FaultLostAnswer: 0.1, FaultTimeout: 0.02, FaultSlow: 0.1}}
	a, counts, reached := fates(t, 150, opt)
	b, _, _ := fates(t, 150, opt)
	assert.Equal(t, a, b, "the same seed, the same fates")

	seen := map[string]int{}
	for _, f := range a {
		seen[f]++
	}
	require.Equal(t, 150, counts.Calls)
	for _, k := range FaultKinds {
		assert.Positive(t, counts.Injected[k], "%s injected", k)
	}
	assert.Equal(t, counts.Injected[Fault500], seen["500 Internal Server Error"])
	assert.Equal(t, counts.Injected[FaultStorm], seen["429 Too Many Requests"])
	assert.Equal(t, counts.Injected[FaultStormRetryAfter], seen["429 Too Many Requests Retry-After 1"])
	assert.Equal(t, counts.Injected[FaultReset]+counts.Injected[FaultLostAnswer]+counts.Injected[FaultTimeout], seen["error"])
	assert.Equal(t, 150-seen["error"]-counts.Injected[Fault500]-counts.Injected[FaultStorm]-counts.Injected[FaultStormRetryAfter], seen["200 OK"])
	// Lost answers and timeouts reach the server; the rest of the faults
	// do not.
	assert.EqualValues(t, seen["200 OK"]+counts.Injected[FaultLostAnswer]+counts.Injected[FaultTimeout], reached)
	assert.LessOrEqual(t, counts.Storms, counts.Injected[FaultStorm]+counts.Injected[FaultStormRetryAfter])
}
