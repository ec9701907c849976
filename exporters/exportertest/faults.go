package exportertest

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/audit"
)

// FaultKind is one way a destination misbehaves, as Faults injects it.
type FaultKind string

// The kinds of fault Faults injects. Each decides the fate of a whole
// call; a call gets at most one.
const (
	// Fault500 answers 500 without passing the call on: nothing happened.
	Fault500 FaultKind = "500"
	// FaultStorm answers 429 to this call and the next ones (StormLen in
	// all, whatever they are), without a Retry-After header, as Twenty's
	// throttler does.
	FaultStorm FaultKind = "429 storm"
	// FaultStormRetryAfter is a storm whose 429s carry Retry-After.
	FaultStormRetryAfter FaultKind = "429 storm, Retry-After"
	// FaultReset resets the connection (TCP RST) before the call reaches
	// the server: nothing happened.
	FaultReset FaultKind = "reset before"
	// FaultLostAnswer passes the call on, lets the server do and commit
	// it, then resets the connection: the client cannot know it landed.
	FaultLostAnswer FaultKind = "lost answer"
	// FaultTimeout holds the call until the client gives up (its HTTP
	// timeout; MaxHold at most), then passes it on anyway: a server that
	// was too slow does the work after the client left, possibly after the
	// client's retry of the same call.
	FaultTimeout FaultKind = "timeout"
	// FaultSlow adds Latency before passing the call on.
	FaultSlow FaultKind = "slow"
)

// FaultKinds is every kind, in the order Faults draws them.
var FaultKinds = []FaultKind{Fault500, FaultStorm, FaultStormRetryAfter, FaultReset, FaultLostAnswer, FaultTimeout, FaultSlow}

// At is the rates of one kind of fault alone.
func At(k FaultKind, rate float64) map[FaultKind]float64 { return map[FaultKind]float64{k: rate} }

// FaultOptions set what Faults injects and how often.
type FaultOptions struct {
	// Seed makes the draws reproducible: the nth call to reach Faults gets
	// the same fate for the same seed and rates. (Which request is the nth
	// depends on the client's own concurrency.)
	Seed uint64
	// Rates is the probability, per call, that it starts a fault of each
	// kind. The sum must be at most 1.
	Rates map[FaultKind]float64
	// StormMin and StormMax bound the 429s of a storm (default 3 and 8).
	StormMin, StormMax int
	// RetryAfter is the Retry-After value a FaultStormRetryAfter sends
	// (default "1": seconds, the smallest a server can say).
	RetryAfter string
	// Latency is what FaultSlow adds (default 100 ms).
	Latency time.Duration
	// Only, when set, limits faults to the calls it accepts, given the
	// request and its body (the draw is made for every call all the same).
	Only func(r *http.Request, body []byte) bool
	// MaxHold bounds how long FaultTimeout holds a call whose client
	// never gives up (default 30 s): a test fails rather than hangs.
	MaxHold time.Duration
}

// SeedOf is a seed named by a test case: adding a case changes no other
// case's draws.
func SeedOf(name string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return h.Sum64()
}

// FaultCounts is what Faults saw and did.
type FaultCounts struct {
	// Calls is every request that reached Faults, faulted or not.
	Calls int
	// Injected counts faulted calls by kind (each 429 of a storm counts).
	Injected map[FaultKind]int
	// Storms is the number of 429 storms started.
	Storms int
}

// Total is the faulted calls of every kind.
func (c FaultCounts) Total() int {
	n := 0
	for _, v := range c.Injected {
		n += v
	}
	return n
}

// String lists the injected faults by kind, e.g. "500=3 timeout=1".
func (c FaultCounts) String() string {
	var parts []string
	for _, k := range FaultKinds {
		if c.Injected[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", k, c.Injected[k]))
		}
	}
	return strings.Join(parts, " ")
}

// Faults is an http.Handler that passes calls to next and, at the rates
// set, fails them instead: a destination's test server behind it behaves
// like one reached over a bad network, behind a proxy that throttles, or
// overloaded. It knows nothing of the protocol, so it stands in front of
// either CRM's test server (see Forward and StartFaulty).
type Faults struct {
	next http.Handler
	opt  FaultOptions

	mu        sync.Mutex
	rng       *rand.Rand
	storm     int // 429s left in the current storm
	stormHint bool
	counts    FaultCounts
	inflight  sync.WaitGroup
}

// NewFaults wraps next.
func NewFaults(next http.Handler, opt FaultOptions) *Faults {
	if opt.StormMin <= 0 {
		opt.StormMin = 3
	}
	if opt.StormMax < opt.StormMin {
		opt.StormMax = max(8, opt.StormMin)
	}
	if opt.RetryAfter == "" {
		opt.RetryAfter = "1"
	}
	if opt.Latency <= 0 {
		opt.Latency = 100 * time.Millisecond
	}
	if opt.MaxHold <= 0 {
		opt.MaxHold = 30 * time.Second
	}
	return &Faults{
		next:   next,
		opt:    opt,
		rng:    rand.New(rand.NewPCG(opt.Seed, 0x6661756c7473)),
		counts: FaultCounts{Injected: map[FaultKind]int{}},
	}
}

// Counts returns what was seen and injected so far.
func (f *Faults) Counts() FaultCounts {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.counts
	c.Injected = map[FaultKind]int{}
	for k, v := range f.counts.Injected {
		c.Injected[k] = v
	}
	return c
}

// SetRates changes the rates from the next call on (nil: no faults),
// e.g. to let a resume run on a healthy server.
func (f *Faults) SetRates(rates map[FaultKind]float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opt.Rates = rates
	f.storm = 0
}

// draw decides the fate of the next call.
func (f *Faults) draw(r *http.Request, body []byte) (kind FaultKind, retryAfter bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts.Calls++
	u := f.rng.Float64() // drawn for every call, so the sequence is fixed
	if f.opt.Only != nil && !f.opt.Only(r, body) {
		return "", false
	}
	if f.storm > 0 {
		f.storm--
		kind = FaultStorm
		if f.stormHint {
			kind = FaultStormRetryAfter
		}
		f.counts.Injected[kind]++
		return kind, f.stormHint
	}
	acc := 0.0
	for _, k := range FaultKinds {
		acc += f.opt.Rates[k]
		if u >= acc {
			continue
		}
		f.counts.Injected[k]++
		if k == FaultStorm || k == FaultStormRetryAfter {
			f.counts.Storms++
			f.storm = f.opt.StormMin + f.rng.IntN(f.opt.StormMax-f.opt.StormMin+1) - 1
			f.stormHint = k == FaultStormRetryAfter
		}
		return k, k == FaultStormRetryAfter
	}
	return "", false
}

func (f *Faults) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.inflight.Add(1)
	defer f.inflight.Done()
	// The body is read whole first: a call passed on after its client
	// left (FaultTimeout) still has it.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		Reset(w)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	kind, hint := f.draw(r, body)
	switch kind {
	case Fault500:
		http.Error(w, "internal server error (injected)", http.StatusInternalServerError)
	case FaultStorm, FaultStormRetryAfter:
		if hint {
			w.Header().Set("Retry-After", f.opt.RetryAfter)
		}
		http.Error(w, "too many requests (injected)", http.StatusTooManyRequests)
	case FaultReset:
		Reset(w)
	case FaultLostAnswer:
		f.next.ServeHTTP(httptest.NewRecorder(), r)
		Reset(w)
	case FaultTimeout:
		t := time.NewTimer(f.opt.MaxHold)
		select {
		case <-r.Context().Done():
		case <-t.C:
		}
		t.Stop()
		late := r.Clone(context.WithoutCancel(r.Context()))
		late.Body = io.NopCloser(bytes.NewReader(body))
		f.next.ServeHTTP(httptest.NewRecorder(), late)
		Reset(w)
	case FaultSlow:
		t := time.NewTimer(f.opt.Latency)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
		f.next.ServeHTTP(w, r)
	default:
		f.next.ServeHTTP(w, r)
	}
}

// Reset closes the client's connection with a TCP RST, unanswered (a
// handler that stands for a broken network).
func Reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("exportertest: the response writer cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// Forward is a handler that passes every call on to the server at base
// (scheme://host:port) and copies its answer back: a minimal reverse
// proxy, so Faults can stand in front of a test server whose handler is
// not exported.
func Forward(base string) http.Handler {
	tr := &http.Transport{MaxIdleConnsPerHost: 16, DisableCompression: true}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, err := http.NewRequestWithContext(r.Context(), r.Method, base+r.URL.RequestURI(), r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		out.Header = r.Header.Clone()
		out.ContentLength = r.ContentLength
		res, err := tr.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.StatusCode)
		_, _ = io.Copy(w, res.Body)
	})
}

// Settle waits until no call is held or being passed on: a timed-out
// call the server is still to do has been done. Compare server states
// after it.
func (f *Faults) Settle() { f.inflight.Wait() }

// StartFaulty starts a proxy in front of the server at base that injects
// faults as opt says, and returns it and its URL, where clients reach the
// server through the faults. It is closed when the test ends.
func StartFaulty(t testing.TB, base string, opt FaultOptions) (*Faults, string) {
	f := NewFaults(Forward(base), opt)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

// FaultFigure is what one push through faults measured, next to a clean
// push of the same records.
type FaultFigure struct {
	// Faults names the case ("500 at 10%").
	Faults string
	Counts FaultCounts
	// CleanCalls is the calls of the clean push.
	CleanCalls int
	// Retries is what the client logged as retried or waited out; -1 when
	// the client does not say.
	Retries     int
	Wall, Clean time.Duration
	// Lost is records of the clean push the server does not hold; Twice,
	// records created twice; Rewrites, records a write sent again after
	// its answer was lost (the same values, by the same key).
	Lost, Twice, Rewrites int
	// Resumes is how many times the push stopped on a fault and was run
	// again.
	Resumes int
}

// FaultFigures prints as a table, one line a case.
type FaultFigures []FaultFigure

func (ff FaultFigures) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-38s %6s %6s %8s %8s %7s %7s %5s %5s %8s %8s\n", "faults", "calls", "extra", "faulted", "retries",
		"wall", "clean", "lost", "twice", "rewrites", "resumes")
	for _, f := range ff {
		retries := "-"
		if f.Retries >= 0 {
			retries = fmt.Sprint(f.Retries)
		}
		fmt.Fprintf(&b, "%-38s %6d %6d %8d %8s %6.1fs %6.1fs %5d %5d %8d %8d\n", f.Faults, f.Counts.Calls, f.Counts.Calls-f.CleanCalls,
			f.Counts.Total(), retries, f.Wall.Seconds(), f.Clean.Seconds(), f.Lost, f.Twice, f.Rewrites, f.Resumes)
	}
	return b.String()
}

// PushUntilDone calls push, and while it fails on a fault calls it again
// as a user would: with resume when the audit log holds an unfinished
// push of the destination, else afresh; at most max times again. It
// returns the last push's result and error and how many times it pushed
// again.
func PushUntilDone[R any](t testing.TB, db *sql.DB, destination string, max int, push func(resume bool) (R, error)) (R, int, error) {
	t.Helper()
	rep, err := push(false)
	again := 0
	for ; err != nil && again < max; again++ {
		u, uerr := audit.Unfinished(context.Background(), db, destination, "push")
		if uerr != nil {
			return rep, again, uerr
		}
		t.Logf("the push stopped on a fault (resume: %v): %v", u != nil, err)
		rep, err = push(u != nil)
	}
	return rep, again, err
}

// AssertSettled checks that push run runID left no audit entry pending
// and no push of the destination unfinished.
func AssertSettled(t testing.TB, db *sql.DB, destination string, runID int64) {
	t.Helper()
	ctx := context.Background()
	unsettled, err := audit.UnsettledOf(ctx, db, runID)
	require.NoError(t, err)
	assert.Empty(t, unsettled, "every audit entry settled")
	u, err := audit.Unfinished(ctx, db, destination, "push")
	require.NoError(t, err)
	assert.Nil(t, u, "the push finished")
}
