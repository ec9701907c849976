package exporters

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/axium2crm/axium2crm/exporters/audit"
)

// The rollback engine: one for every destination. It makes the checks
// every rollback makes (PrepareRollback: settling a push that never
// finished, refusing while a later push wrote the same records), then, in
// reverse load order, table by table, restores the pre-images of what the
// push updated (first: an updated record may point at one the push
// created) and deletes what it created, a page of the log at a time, each
// chunk logged once the destination acknowledged it, so a rollback
// interrupted anywhere carries on after the last acknowledged chunk. The
// data-model changes are the destination's to undo (RollbackRun.Schema).

// RollbackAdapter is what a rollback does that is one destination's own.
type RollbackAdapter interface {
	Prober
	// Delete removes records of object o by id; it returns which were there.
	Delete(ctx context.Context, o int, ids []string) (deleted map[string]bool, calls int, err error)
	// Restore writes back the pre-images of records of object o.
	Restore(ctx context.Context, o int, items []audit.Undo) (RestoreResult, error)
}

// RestoreResult is what a restore did: the records whose pre-image is back
// and those the destination no longer holds.
type RestoreResult struct {
	Restored, Gone map[string]bool
	Calls          int
}

// RollbackRun configures one rollback through the engine.
type RollbackRun struct {
	Destination string
	PushRun     int64
	Target      string
	// ServerMoved lets the rollback go to another address than the push's.
	ServerMoved bool
	Args        string
	// BatchSize is the records a delete or restore call holds.
	BatchSize int
	Progress  func(string)
	// ProgressEvery is how often a progress line is written
	// (DefaultProgressEvery when zero).
	ProgressEvery time.Duration
	// SchemaTables are the log's tables of data-model changes.
	SchemaTables []string
	// Schema undoes them, logging each change through log; nil leaves them
	// (they are counted).
	Schema func(ctx context.Context, undo map[string][]audit.Undo, log func([]audit.Entry) error) error
}

// RollbackOutcome is what the engine did.
type RollbackOutcome struct {
	RunID      int64
	Resumed    bool
	Tables     []RollbackCount
	SchemaLeft int
	Calls      int
}

// Rollback undoes push run opt.PushRun of objects (in load order) through
// adapter a.
func Rollback(ctx context.Context, db *sql.DB, a RollbackAdapter, objects []Object, opt RollbackRun) (RollbackOutcome, error) {
	var out RollbackOutcome
	if opt.BatchSize <= 0 {
		opt.BatchSize = 100
	}
	progress := opt.Progress
	if progress == nil {
		progress = func(string) {}
	}
	// The log's records went to the push's server: undoing them anywhere
	// else would touch records the push never wrote.
	if err := checkRollbackTarget(ctx, db, opt.Destination, opt.PushRun, opt.Target, opt.ServerMoved); err != nil {
		return out, err
	}
	resume, err := PrepareRollback(ctx, db, opt.Destination, opt.PushRun, a, progress)
	if err != nil {
		return out, err
	}
	// Tables the log holds that the plan no longer lists cannot be undone
	// in order: refuse before anything is.
	left, err := audit.UndoLeft(ctx, db, opt.PushRun)
	if err != nil {
		return out, err
	}
	known := map[string]bool{}
	for _, t := range opt.SchemaTables {
		known[t] = true
	}
	for _, o := range objects {
		known[o.Qualified()] = true
	}
	var unknown []string
	for t := range left {
		if !known[t] {
			unknown = append(unknown, t)
		}
	}
	sort.Strings(unknown)
	if len(unknown) > 0 {
		return out, fmt.Errorf("push run %d wrote tables the object plan no longer lists (%s): rebuild the models of that push first",
			opt.PushRun, strings.Join(unknown, ", "))
	}
	run, err := audit.Start(ctx, db, audit.RunOptions{Destination: opt.Destination, Mode: "rollback", Target: opt.Target,
		Args: opt.Args, ParentRun: opt.PushRun, Resume: resume})
	if err != nil {
		return out, err
	}
	out.RunID, out.Resumed = run.ID, run.Resumed
	err = rollback(ctx, db, a, objects, opt, run, &out, left, progress)
	if ferr := run.Finish(ctx, err); ferr != nil && err == nil {
		err = ferr
	}
	return out, err
}

func rollback(ctx context.Context, db *sql.DB, a RollbackAdapter, objects []Object, opt RollbackRun, run *audit.Run, out *RollbackOutcome, undoLeft map[string]int, progress func(string)) (err error) {
	w := run.Writer(ctx)
	defer func() { err = errors.Join(err, w.Close()) }()
	total := 0
	for _, o := range objects {
		total += undoLeft[o.Qualified()]
	}
	st := &undoStatus{total: total, start: time.Now()}
	defer st.report(opt.ProgressEvery, progress)()
	for i := len(objects) - 1; i >= 0; i-- {
		o := objects[i]
		cnt := RollbackCount{Object: o.Name, Table: o.Qualified()}
		st.at(o.Table)
		n, err := undoKind(ctx, db, opt, o.Qualified(), audit.Update, func(page []audit.Undo) error {
			err := restorePage(ctx, a, i, opt, page, w, &cnt, out)
			st.add(len(page))
			return err
		})
		if err != nil {
			return err
		}
		m, err := undoKind(ctx, db, opt, o.Qualified(), audit.Create, func(page []audit.Undo) error {
			err := deletePage(ctx, a, i, opt, page, w, &cnt, out)
			st.add(len(page))
			return err
		})
		if err != nil {
			return err
		}
		if n+m == 0 {
			continue
		}
		progress(fmt.Sprintf("%s: %d deleted, %d restored, %d already gone, %d without a pre-image", o.Table, cnt.Destroyed, cnt.Restored, cnt.AlreadyGone, cnt.NoPreImage))
		out.Tables = append(out.Tables, cnt)
	}
	undo := map[string][]audit.Undo{}
	left := 0
	for _, t := range opt.SchemaTables {
		for _, kind := range []string{audit.Create, audit.Update} {
			if _, err := undoKind(ctx, db, opt, t, kind, func(page []audit.Undo) error {
				undo[t] = append(undo[t], page...)
				left += len(page)
				return nil
			}); err != nil {
				return err
			}
		}
		// In destination id order, as audit.UndoPlan gives them.
		sort.SliceStable(undo[t], func(x, y int) bool { return undo[t][x].DestID < undo[t][y].DestID })
	}
	if opt.Schema == nil {
		out.SchemaLeft = left
		return nil
	}
	if left == 0 {
		return nil
	}
	return opt.Schema(ctx, undo, func(entries []audit.Entry) error { return errors.Join(w.Log(entries), w.Flush()) })
}

// undoKind reads what is left to undo of one kind in table, a page at a
// time, and hands each page to do; it returns how many it read.
func undoKind(ctx context.Context, db *sql.DB, opt RollbackRun, table, kind string, do func([]audit.Undo) error) (int, error) {
	after, n := "", 0
	for {
		page, err := audit.UndoPage(ctx, db, opt.PushRun, table, kind, after, DefaultPageRows)
		if err != nil || len(page) == 0 {
			return n, err
		}
		n += len(page)
		if err := do(page); err != nil {
			return n, err
		}
		after = page[len(page)-1].DestID
	}
}

// restorePage writes back the pre-images of one page, a batch at a time,
// logging each batch once the destination answered for it. An update
// logged without a pre-image (a record already there whose values could
// not be read) is counted, not restored.
func restorePage(ctx context.Context, a RollbackAdapter, i int, opt RollbackRun, page []audit.Undo, w *audit.Writer, cnt *RollbackCount, out *RollbackOutcome) error {
	var items []audit.Undo
	for _, u := range page {
		if u.PreImage == "" {
			cnt.NoPreImage++
		} else {
			items = append(items, u)
		}
	}
	for start := 0; start < len(items); start += opt.BatchSize {
		chunk := items[start:min(start+opt.BatchSize, len(items))]
		res, err := a.Restore(ctx, i, chunk)
		out.Calls += res.Calls
		var entries []audit.Entry
		for _, u := range chunk {
			e := audit.Entry{Object: u.Object, Table: u.Table, SourceKey: u.SourceKey, DestID: u.DestID, DestDBID: u.DBID, Action: audit.Restore}
			switch {
			case res.Restored[u.DestID]:
				cnt.Restored++
				e.Reason, e.PreImage = fmt.Sprintf("rollback of push run %d: pre-image restored", opt.PushRun), u.PreImage
			case res.Gone[u.DestID]:
				cnt.AlreadyGone++
				e.Reason = fmt.Sprintf("rollback of push run %d: gone from the destination, nothing to restore", opt.PushRun)
			default:
				continue // not answered for: the rollback is run again
			}
			entries = append(entries, e)
		}
		if lerr := w.Log(entries); err != nil || lerr != nil {
			return errors.Join(err, lerr)
		}
	}
	return nil
}

// deletePage deletes what the push created, a batch at a time, logging
// each batch once the destination acknowledged it.
func deletePage(ctx context.Context, a RollbackAdapter, i int, opt RollbackRun, page []audit.Undo, w *audit.Writer, cnt *RollbackCount, out *RollbackOutcome) error {
	for start := 0; start < len(page); start += opt.BatchSize {
		chunk := page[start:min(start+opt.BatchSize, len(page))]
		ids := make([]string, len(chunk))
		for j, u := range chunk {
			ids[j] = u.DestID
		}
		deleted, calls, err := a.Delete(ctx, i, ids)
		out.Calls += calls
		if err != nil {
			return err
		}
		entries := make([]audit.Entry, 0, len(chunk))
		for _, u := range chunk {
			e := audit.Entry{Object: u.Object, Table: u.Table, SourceKey: u.SourceKey, DestID: u.DestID, DestDBID: u.DBID, Action: audit.Delete,
				Reason: fmt.Sprintf("rollback of push run %d: created by it", opt.PushRun)}
			if deleted[u.DestID] {
				cnt.Destroyed++
			} else {
				cnt.AlreadyGone++
				e.Reason += "; already gone"
			}
			entries = append(entries, e)
		}
		if err := w.Log(entries); err != nil {
			return err
		}
	}
	return nil
}

// undoStatus follows a rollback's records for its progress lines.
type undoStatus struct {
	mu          sync.Mutex
	total, done int
	table       string
	start       time.Time
}

func (s *undoStatus) at(table string) {
	s.mu.Lock()
	s.table = table
	s.mu.Unlock()
}

func (s *undoStatus) add(n int) {
	s.mu.Lock()
	s.done += n
	s.mu.Unlock()
}

// line is the progress line at now: records undone of those the log
// left to undo, the rate, the time left at that rate, the table at work.
func (s *undoStatus) line(now time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	line := fmt.Sprintf("rollback progress: %d of %d records undone", s.done, s.total)
	if s.total > 0 {
		line += fmt.Sprintf(" (%.0f%%)", 100*float64(s.done)/float64(s.total))
	}
	elapsed := now.Sub(s.start).Seconds()
	if s.done == 0 || elapsed <= 0 {
		return line + "; time left: not known until the first records are undone"
	}
	rate := float64(s.done) / elapsed
	line += fmt.Sprintf(", %.0f records/s, about %s left", rate, FormatSeconds(float64(max(0, s.total-s.done))/rate))
	if s.table != "" {
		line += " (now " + s.table + ")"
	}
	return line
}

// report writes a line every every (DefaultProgressEvery when zero) until
// the returned func is called.
func (s *undoStatus) report(every time.Duration, progress func(string)) (stop func()) {
	return everyTick(every, func(now time.Time) { progress(s.line(now)) })
}
