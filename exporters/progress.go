package exporters

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/axium2crm/axium2crm/exporters/audit"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// A push says every so often how far it is: records answered of those it
// expects to send, the rate, and the time left. What it expects to send
// is known exactly only for the pages read so far (the reader runs a few
// pages ahead of the sender, never the whole table): the rest of a table
// is expected to need sending in the share its read pages did, and a
// table not reached yet in the share the log suggests (its rows the log
// does not hold are new; of those it holds, the share changed among the
// records read so far). Time left is the remaining records at the pace's
// relative cost per table (one for every table under a rate limit; the
// measured seconds a record otherwise), scaled by how the push has gone
// so far against that cost; the table being sent, once it has gone for
// ownPace, goes at its own pace instead (on a first push to a server
// every table costs one, and a table at a tenth of the push's average,
// payments after perio charts, would otherwise be said to end ten times
// too early).

// DefaultProgressEvery is how often a push says how far it is.
const DefaultProgressEvery = 10 * time.Second

// ownPace is how long a table is sent before the time left for its rest
// follows its own pace.
const ownPace = 30 * time.Second

// tracker follows one push's records.
type tracker struct {
	mu    sync.Mutex
	names []string
	// By table: rows it holds (the sample's records with a sample), rows
	// the log says the destination holds, rows read, records read that
	// are to be sent, and records answered (sent, or refused on the way).
	rows, held, read, toSend, done []int
	// cost is each table's relative seconds a record.
	cost []float64
	// Of the records read that the log knew: changed and unchanged.
	changed, unchanged int
	// started is when the first batch was handed to the sender; began,
	// by table, when its first; last is the table answered most recently.
	started time.Time
	began   []time.Time
	last    int
	// sent is when every batch had its answer: what the push does after
	// (the destination's own work at its end, deletes) is timed from it.
	sent time.Time
}

func newTracker(names []string, rows, held []int, cost []float64) *tracker {
	n := len(names)
	t := &tracker{names: names, rows: rows, held: held, cost: cost, read: make([]int, n), toSend: make([]int, n), done: make([]int, n), began: make([]time.Time, n), last: -1}
	if t.cost == nil {
		t.cost = make([]float64, n)
	}
	for i := range t.cost {
		if t.cost[i] <= 0 || math.IsInf(t.cost[i], 0) || math.IsNaN(t.cost[i]) {
			t.cost[i] = 1
		}
	}
	return t
}

// page records a page read by the sender: its rows, the records of it to
// send, and of those the log knew, how many changed and how many did not.
func (t *tracker) page(i, rows, send, changed, unchanged int, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.read[i] += rows
	t.toSend[i] += send
	t.changed += changed
	t.unchanged += unchanged
	if send > 0 && t.started.IsZero() {
		t.started = now
	}
	if send > 0 && t.began[i].IsZero() {
		t.began[i] = now
	}
}

// answered records n records of table i answered (or refused before
// their write).
func (t *tracker) answered(i, n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done[i] += n
	t.last = i
}

// expected is how many records of table i the push is expected to send.
func (t *tracker) expected(i int) float64 {
	unread := max(0, t.rows[i]-t.read[i])
	var share float64
	switch {
	case t.read[i] > 0:
		share = float64(t.toSend[i]) / float64(t.read[i])
	case t.rows[i] > 0:
		fresh := max(0, t.rows[i]-t.held[i])
		changed := 0.0
		if t.changed+t.unchanged > 0 {
			changed = float64(t.changed) / float64(t.changed+t.unchanged)
		}
		share = (float64(fresh) + float64(t.rows[i]-fresh)*changed) / float64(t.rows[i])
	}
	return float64(t.toSend[i]) + float64(unread)*share
}

// allSent records that every batch had its answer at now.
func (t *tracker) allSent(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sent = now
}

// status is the progress line at now.
func (t *tracker) status(now time.Time) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.sent.IsZero() {
		return t.finishing(now)
	}
	var done, total int
	var doneCost, leftCost, ownLeft float64
	own := -1 // the table sent now, when it has gone long enough for its own pace
	if i := t.last; i >= 0 && !t.began[i].IsZero() && now.Sub(t.began[i]) >= ownPace && t.done[i] > 0 {
		own = i
	}
	for i := range t.names {
		exp := max(t.expected(i), float64(t.done[i]))
		done += t.done[i]
		total += int(math.Round(exp))
		doneCost += float64(t.done[i]) * t.cost[i]
		if i == own {
			ownLeft = (exp - float64(t.done[i])) * now.Sub(t.began[i]).Seconds() / float64(t.done[i])
			continue
		}
		leftCost += (exp - float64(t.done[i])) * t.cost[i]
	}
	line := fmt.Sprintf("progress: %d of about %d records sent", done, total)
	if total > 0 {
		line += fmt.Sprintf(" (%.0f%%)", 100*float64(done)/float64(total))
	}
	if t.started.IsZero() || done == 0 {
		return line + "; time left: not known until the first records are answered"
	}
	elapsed := now.Sub(t.started).Seconds()
	line += fmt.Sprintf(", %.0f records/s", float64(done)/elapsed)
	if left := leftCost*elapsed/doneCost + ownLeft; left < 1 {
		line += ", under 1s left"
	} else {
		line += ", about " + FormatSeconds(left) + " left"
	}
	if t.last >= 0 {
		line += fmt.Sprintf(" (now %s: %d of about %.0f)", t.names[t.last], t.done[t.last], max(t.expected(t.last), float64(t.done[t.last])))
	}
	return line
}

// finishing is the progress line once every record is sent: what was
// sent, at the rate it was sent, and how long the push's end has taken so
// far (at 1,000,000 patients Odoo's recount of lead scoring took minutes,
// which the line sending's figures would have called "under 1s left").
func (t *tracker) finishing(now time.Time) string {
	done := 0
	for _, n := range t.done {
		done += n
	}
	line := "progress: no records to send"
	if done > 0 && !t.started.IsZero() {
		took := t.sent.Sub(t.started).Seconds()
		line = fmt.Sprintf("progress: all %d records sent in %s", done, FormatSeconds(took))
		if took > 0 {
			line += fmt.Sprintf(" (%.0f records/s)", float64(done)/took)
		}
	}
	return line + "; finishing the push, " + FormatSeconds(now.Sub(t.sent).Seconds()) + " so far"
}

// FormatSeconds writes a duration for a person: 45s, 12m30s, 3h05m, 2d04h.
func FormatSeconds(s float64) string {
	if s < 0 || math.IsNaN(s) {
		s = 0
	}
	d := time.Duration(math.Round(s)) * time.Second
	switch {
	case d < time.Minute:
		if s > 0 && s < 1 {
			return "under 1s"
		}
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
}

// newTracker counts each table's rows and what the log holds of them, and
// weighs the tables by the pace.
func (e *engine) newTracker(ctx context.Context) (*tracker, error) {
	n := len(e.objects)
	names, rows, held := make([]string, n), make([]int, n), make([]int, n)
	for i, o := range e.objects {
		names[i] = o.Name
		if o.Keep != nil {
			rows[i] = len(o.Keep)
		} else {
			q := queryWith("row_count", warehouse.QuoteIdent(o.Schema)+"."+warehouse.QuoteIdent(o.Table))
			if err := e.db.QueryRowContext(ctx, q).Scan(&rows[i]); err != nil {
				return nil, fmt.Errorf("count %s: %w", o.Qualified(), err)
			}
		}
		h, err := audit.HeldCount(ctx, e.db, e.opt.Destination, o.Qualified())
		if err != nil {
			return nil, err
		}
		held[i] = h
	}
	var cost []float64
	if e.opt.Pace.CallEvery <= 0 {
		m, err := Measure(ctx, e.db, e.opt.Destination, e.opt.Target)
		if err != nil {
			return nil, err
		}
		cost = make([]float64, n)
		for i, o := range e.objects {
			if r := m.PerSecond[o.Qualified()]; r > 0 {
				cost[i] = 1 / r
			} else if m.Overall > 0 {
				cost[i] = 1 / m.Overall
			}
		}
	}
	return newTracker(names, rows, held, cost), nil
}

// reportProgress says how far the push is every ProgressEvery until the
// returned func is called.
func (e *engine) reportProgress() (stop func()) {
	return everyTick(e.opt.ProgressEvery, func(now time.Time) { e.opt.Progress(e.tr.status(now)) })
}

// everyTick calls fn every every (DefaultProgressEvery when zero) until
// the returned func is called, which waits for a call under way.
func everyTick(every time.Duration, fn func(time.Time)) (stop func()) {
	if every <= 0 {
		every = DefaultProgressEvery
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-tick.C:
				fn(now)
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}
