package exporters

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/axium2crm/axium2crm/exporters/audit"
)

// How long a push will take, said before it starts: a dry run counts, per
// table, the records it would send and the calls sending them costs (the
// batches as the push forms them, the reads before them, uploads), and
// turns them into seconds with the destination's Pace. A destination
// bound by a rate limit (Twenty) costs its calls at the limit; one bound
// by the server's own speed (Odoo) costs its records at the rate the last
// push to the same server measured, table by table, from the audit log's
// timestamps.

// Pace is how fast a destination takes a push.
type Pace struct {
	// CallEvery, when set, is the client's rate limit: it sends at most
	// one call every CallEvery, so a push lasts its calls at that pace.
	CallEvery time.Duration
	// Limit names the rate limit for the reader ("100 calls per 1m0s").
	Limit string
	// FixedCalls are the calls the push makes once whatever its records
	// (reading and changing the data model).
	FixedCalls int
	// DefaultPerSecond is, without CallEvery, the records a second
	// assumed when no earlier push to the same target measured any;
	// DefaultWhy says where the figure comes from.
	DefaultPerSecond float64
	DefaultWhy       string
}

// CallPlanner is an adapter that says what sending a planned batch costs
// at the destination. A dry run asks it once per batch the push would
// send (the batches formed as the push forms them), after the dry run's
// own Prepare when it made one.
type CallPlanner interface {
	// PlannedCalls is the calls the push makes for batch b: the reads
	// before its write (prepared: the push calls Prepare for it; reads:
	// what the dry run's Prepare made, which the push makes again), its
	// uploads and its write.
	PlannedCalls(b Batch, prepared bool, reads int) int
}

// plannedCalls is what a batch costs by the adapter, or by default the
// reads the dry run made and one write when a record of it is sent.
func plannedCalls(a Adapter, b Batch, prepared bool, reads int) int {
	if p, ok := a.(CallPlanner); ok {
		return p.PlannedCalls(b, prepared, reads)
	}
	for _, it := range b.Items {
		if it.Action == audit.Create || it.Action == audit.Update {
			return reads + 1
		}
	}
	return reads
}

// MeasuredPace is the records a second, table by table, of one earlier
// push to a target.
type MeasuredPace struct {
	// Run is the push measured (0: none).
	Run int64
	// PerSecond by table (schema-qualified).
	PerSecond map[string]float64
	// Overall is the whole push's records over the time its tables took.
	Overall float64
}

// Measure reads the rates of the newest push to target that sent records
// and finished without being resumed. A table's time runs from its first
// pending entry (or, if later, the previous table's last answer: a
// destination that waits for earlier tables prepares batches ahead) to its
// last answer.
func Measure(ctx context.Context, db *sql.DB, destination, target string) (MeasuredPace, error) {
	m := MeasuredPace{PerSecond: map[string]float64{}}
	err := db.QueryRowContext(ctx, query("last_measured_push"), destination, target).Scan(&m.Run)
	if err == sql.ErrNoRows {
		return m, nil
	}
	if err != nil {
		return m, fmt.Errorf("measured rates of the last push to %s: %w", target, err)
	}
	rows, err := db.QueryContext(ctx, query("push_table_times"), m.Run)
	if err != nil {
		return m, fmt.Errorf("measured rates of push %d: %w", m.Run, err)
	}
	defer rows.Close()
	var spans []tableSpan
	for rows.Next() {
		var s tableSpan
		if err := rows.Scan(&s.table, &s.records, &s.first, &s.last); err != nil {
			return m, fmt.Errorf("measured rates of push %d: %w", m.Run, err)
		}
		spans = append(spans, s)
	}
	if err := rows.Err(); err != nil {
		return m, fmt.Errorf("measured rates of push %d: %w", m.Run, err)
	}
	m.PerSecond, m.Overall = rates(spans)
	if len(m.PerSecond) == 0 {
		m.Run = 0
	}
	return m, nil
}

// tableSpan is one table of a push: its records sent, its first pending
// entry and its last answer (milliseconds since the epoch).
type tableSpan struct {
	table       string
	records     int
	first, last int64
}

// rates turns spans (ordered by their last answer) into records a second.
func rates(spans []tableSpan) (map[string]float64, float64) {
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].last < spans[j].last })
	out := map[string]float64{}
	var prev int64
	var records int
	var ms int64
	for _, s := range spans {
		start := max(s.first, prev)
		prev = max(prev, s.last)
		if s.last <= start || s.records <= 0 {
			continue
		}
		out[s.table] = float64(s.records) / (float64(s.last-start) / 1000)
		records += s.records
		ms += s.last - start
	}
	if ms == 0 {
		return out, 0
	}
	return out, float64(records) / (float64(ms) / 1000)
}

// Estimate turns a dry run's planned tables (Records and Calls set) into
// the expected duration: at the rate limit when the pace has one,
// otherwise at the measured rates (m), a table the measured push did not
// send at that push's overall rate, and with no measured push at the
// pace's default rate.
func (p Pace) Estimate(tables []TableEstimate, m MeasuredPace) PushEstimate {
	est := PushEstimate{FixedCalls: p.FixedCalls, Calls: p.FixedCalls, Tables: tables}
	for _, t := range tables {
		est.Calls += t.Calls
	}
	if p.CallEvery > 0 {
		every := p.CallEvery.Seconds()
		for i := range est.Tables {
			t := &est.Tables[i]
			t.Seconds = float64(t.Calls) * every
			if t.Seconds > 0 {
				t.RecordsPerSecond = float64(t.Records) / t.Seconds
			}
		}
		est.Seconds = float64(est.Calls) * every
		est.Basis = fmt.Sprintf("the client's rate limit, %s (one call every %s)", p.Limit, p.CallEvery.Round(time.Millisecond))
		return est
	}
	var unmeasured []string
	for i := range est.Tables {
		t := &est.Tables[i]
		rate, ok := m.PerSecond[t.Table]
		switch {
		case ok:
			t.Measured = true
		case m.Overall > 0:
			rate = m.Overall
			if t.Records > 0 {
				unmeasured = append(unmeasured, t.Table)
			}
		default:
			rate = p.DefaultPerSecond
		}
		t.RecordsPerSecond = rate
		if rate > 0 {
			t.Seconds = float64(t.Records) / rate
		}
		est.Seconds += t.Seconds
	}
	if (m.Run == 0 || m.Overall <= 0) && p.DefaultPerSecond <= 0 {
		est.Basis = "no rate: the destination states none and no earlier push to it measured one"
		return est
	}
	if m.Run == 0 || m.Overall <= 0 {
		est.Basis = fmt.Sprintf("%.0f records a second (a default: %s)", p.DefaultPerSecond, p.DefaultWhy)
		est.Caveat = "no earlier push to this server to measure: the rate depends on the server and varies widely by table, so take the figure as rough until a push has run"
		return est
	}
	est.MeasuredRun = m.Run
	est.Basis = fmt.Sprintf("the records a second each table reached on push run %d to the same server", m.Run)
	if len(unmeasured) > 0 {
		est.Caveat = fmt.Sprintf("push run %d sent no records of %s: at that push's overall %.0f records a second", m.Run, strings.Join(unmeasured, ", "), m.Overall)
	}
	return est
}

// estimate is a dry run's expected duration, from what it counted.
func (e *engine) estimate(ctx context.Context) (PushEstimate, error) {
	tables := make([]TableEstimate, len(e.objects))
	for i, o := range e.objects {
		c := e.out.Objects[i]
		tables[i] = TableEstimate{Table: o.Qualified(), Object: o.Name, Records: c.Created + c.Updated, Calls: e.planned[i]}
	}
	var m MeasuredPace
	if e.opt.Pace.CallEvery <= 0 {
		var err error
		if m, err = Measure(ctx, e.db, e.opt.Destination, e.opt.Target); err != nil {
			return PushEstimate{}, err
		}
	}
	return e.opt.Pace.Estimate(tables, m), nil
}
