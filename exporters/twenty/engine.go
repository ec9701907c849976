package twenty

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
)

// push writes what Push planned: the data-model changes, then the records
// in load order. The audit log is written by one background writer and
// closed (everything acknowledged is in the log) before push returns,
// whatever ends the run.
func push(ctx context.Context, db *sql.DB, opt PushOptions, plan Plan, ws []ObjectMeta, actions []SchemaAction,
	next func() (tablePage, bool, error), collectGone func(), batchDirs map[int64]string, run *audit.Run, rep *PushReport, progress func(string)) (err error) {
	w := run.Writer(ctx)
	defer func() { err = errors.Join(err, w.Close()) }()
	createdNow := map[string]bool{}
	if len(actions) > 0 {
		progress(fmt.Sprintf("creating %d custom objects, fields and options", len(actions)))
		logCreated := func(table, name, id string) error {
			if table == SchemaObjectsTable {
				createdNow[name] = true
			}
			return w.Log([]audit.Entry{{Object: name, Table: table, DestID: id, Action: audit.Create,
				Reason: "data model change made by the push"}})
		}
		n, err := applySchema(ctx, opt.Client, ws, actions, logCreated)
		rep.SchemaCalls += n
		if err != nil {
			return err
		}
	}
	e := newEngine(ctx, opt, plan, w, batchDirs, rep)
	var cur *objectRun
	for {
		pg, ok, err := next()
		if err == nil && ok && (cur == nil || cur.i != pg.table) {
			cur.end()
			o := plan.Objects[pg.table]
			cur = e.object(pg.table, o, createdNow[o.NameSingular])
		}
		if err == nil && ok {
			err = cur.page(pg, progress)
		}
		if err != nil {
			cur.end()
			e.fail(err)
			break
		}
		if !ok {
			cur.end()
			break
		}
	}
	if err := e.wait(); err != nil {
		return err
	}
	collectGone()
	if opt.PropagateDeletes {
		return propagateDeletes(ctx, db, opt.Client, plan, w, rep, progress)
	}
	return nil
}

// engine sends an object's batches while the next ones are prepared, with
// up to InFlight writes in flight. A batch waits only for the batches its
// records point at (the objects its relations target, and the earlier
// self-reference level of its own object), so an independent object's
// batches fill the rate limit while a dependent one waits for its targets.
type engine struct {
	parent    context.Context
	ctx       context.Context // ends on the first error: no new batch starts
	cancel    context.CancelCauseFunc
	c         *Client
	plan      Plan
	w         *audit.Writer
	batchDirs map[int64]string

	inFlight chan struct{} // writes being sent
	ahead    chan struct{} // batches prepared and not yet finished
	wg       sync.WaitGroup
	stages   map[string][]*stage // by object, in load order so far

	mu  sync.Mutex // guards rep
	rep *PushReport
}

// stage is one object's batches of one self-reference level.
type stage struct {
	deps []*stage
	wg   sync.WaitGroup
	done chan struct{}
}

func newEngine(ctx context.Context, opt PushOptions, plan Plan, w *audit.Writer, batchDirs map[int64]string, rep *PushReport) *engine {
	n := opt.InFlight
	if n <= 0 {
		n = 2
	}
	ectx, cancel := context.WithCancelCause(ctx)
	return &engine{parent: ctx, ctx: ectx, cancel: cancel, c: opt.Client, plan: plan, w: w, batchDirs: batchDirs,
		inFlight: make(chan struct{}, n), ahead: make(chan struct{}, 16*n), stages: map[string][]*stage{}, rep: rep}
}

func (e *engine) fail(err error) { e.cancel(err) }

// wait returns once every batch started has finished, with the first error.
func (e *engine) wait() error {
	e.wg.Wait()
	err := context.Cause(e.ctx)
	if e.ctx.Err() == nil {
		err = nil
	}
	e.cancel(nil)
	return err
}

func (e *engine) addCalls(write, read int) {
	e.mu.Lock()
	e.rep.Calls += write
	e.rep.ReadCalls += read
	e.mu.Unlock()
}

// deps are the stages an object's records may point at: every stage of the
// objects its relations target that load earlier. A payload key ending in
// Id that no planned relation explains makes the object wait for every
// earlier stage, as the sequential push did.
func (e *engine) deps(o ObjectPlan, sample []*pending) []*stage {
	known := map[string]bool{}
	var out []*stage
	for _, f := range e.plan.FieldsOf(o.NameSingular) {
		if f.Type != "RELATION" {
			continue
		}
		known[f.RelationName()+"Id"] = true
		if f.RelationTarget != o.NameSingular {
			out = append(out, e.stages[f.RelationTarget]...)
		}
	}
	for _, p := range sample {
		for k := range p.row.Payload {
			if len(k) > 2 && k[len(k)-2:] == "Id" && !known[k] {
				var all []*stage
				for _, ob := range e.plan.Objects {
					all = append(all, e.stages[ob.NameSingular]...)
				}
				return all
			}
		}
	}
	return out
}

func (e *engine) newStage(deps []*stage) *stage {
	st := &stage{deps: deps, done: make(chan struct{})}
	st.wg.Add(1) // released by seal
	go func() { st.wg.Wait(); close(st.done) }()
	return st
}

func (st *stage) seal() { st.wg.Done() }

// submit sends a prepared batch once its stage's dependencies are done and
// a slot is free. The call itself runs under the caller's context, not the
// engine's: a sibling's failure does not cut off a write Twenty may already
// have taken, so its answer is still logged.
func (e *engine) submit(st *stage, send func(ctx context.Context) error) {
	e.wg.Add(1)
	st.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer st.wg.Done()
		defer func() { <-e.ahead }()
		for _, d := range st.deps {
			select {
			case <-d.done:
			case <-e.ctx.Done():
				return
			}
		}
		select {
		case e.inFlight <- struct{}{}:
		case <-e.ctx.Done():
			return
		}
		defer func() { <-e.inFlight }()
		if e.ctx.Err() != nil {
			return
		}
		if err := send(e.parent); err != nil {
			e.cancel(err)
		}
	}()
}

// objectRun is one object being sent, page by page.
type objectRun struct {
	e     *engine
	i     int
	o     ObjectPlan
	count *ObjectCount
	// createdNow: this push created the object, so the workspace holds
	// none of its records.
	createdNow bool
	started    bool
	foreign    bool
	deps       []*stage
	cur        *stage // the stage of the current self-reference level
	level      int64
	sent       int
}

// object starts sending one object; its first page with records to
// send reads how many records the workspace holds (see page).
func (e *engine) object(i int, o ObjectPlan, createdNow bool) *objectRun {
	e.mu.Lock()
	defer e.mu.Unlock()
	return &objectRun{e: e, i: i, o: o, level: -1, count: &e.rep.Objects[i], createdNow: createdNow}
}

// end seals the object's last stage: what waits for the object can go
// once its batches are done.
func (r *objectRun) end() {
	if r == nil || r.cur == nil {
		return
	}
	r.cur.seal()
	r.cur = nil
}

// page logs a page's skipped and failed records, then prepares
// (pre-images, unique values held elsewhere, pending entries, file
// uploads) and submits its batches. A page of a higher self-reference
// level starts a stage that waits for the levels below.
func (r *objectRun) page(pg tablePage, progress func(string)) error {
	e, o, count := r.e, r.o, r.count
	e.mu.Lock()
	count.Rows += pg.rows
	var entries []audit.Entry
	var send []*pending
	for _, p := range pg.items {
		switch p.action {
		case audit.Skip, audit.Fail:
			entries = append(entries, entry(o, p, p.action, p.reason))
			if p.action == audit.Skip {
				count.Skip++
			} else {
				count.Fail++
				e.listFailure(Failure{o.NameSingular, p.row.ID, p.row.SourceKey, p.reason})
			}
		default:
			send = append(send, p)
		}
	}
	e.mu.Unlock()
	if err := e.w.Log(entries); err != nil {
		return err
	}
	if len(send) == 0 {
		return nil
	}
	if !r.started {
		// Records the log does not know may already be at the destination
		// (created by hand, or by an earlier tool): when the object holds
		// more records than the log says it sent, every batch first reads
		// which of its ids exist, so their update keeps a pre-image. An
		// object this push just created holds none. What an interrupted
		// attempt of this run sent was settled before anything was
		// classified.
		r.started = true
		if !r.createdNow {
			total, err := e.c.Total(e.ctx, o.NamePlural)
			e.addCalls(0, 1)
			if err != nil {
				return err
			}
			r.foreign = total > pg.held
		}
		r.deps = e.deps(o, send)
	}
	if r.cur == nil || pg.level != r.level {
		d := r.deps
		if r.cur != nil {
			d = append(append([]*stage(nil), r.deps...), r.cur)
			r.cur.seal()
		}
		r.cur = e.newStage(d)
		r.level = pg.level
		e.stages[o.NameSingular] = append(e.stages[o.NameSingular], r.cur)
	}
	if r.sent == 0 || r.sent/progressEvery != (r.sent+len(send))/progressEvery {
		progress(fmt.Sprintf("pushing %s (%d sent so far)", o.NamePlural, r.sent))
	}
	r.sent += len(send)
	for start := 0; start < len(send); start += MaxBatch {
		select {
		case e.ahead <- struct{}{}:
		case <-e.ctx.Done():
			return context.Cause(e.ctx)
		}
		chunk := send[start:min(start+MaxBatch, len(send))]
		b, err := e.prepare(o, chunk, r.foreign, count)
		if err != nil {
			<-e.ahead
			return err
		}
		e.submit(r.cur, func(ctx context.Context) error { return e.write(ctx, o, b, count) })
	}
	return nil
}

// progressEvery is how many records of an object are sent between two
// progress lines.
const progressEvery = 100000

// listFailure keeps a failed record in the report, up to
// exporters.MaxFailureDetails; the others are counted (the audit log
// holds every one). Called with e.mu held.
func (e *engine) listFailure(f Failure) {
	if len(e.rep.Failures) < exporters.MaxFailureDetails {
		e.rep.Failures = append(e.rep.Failures, f)
	} else {
		e.rep.FailuresNotListed++
	}
}

// batch is a prepared write: the records to send, keyed for the answer.
type batch struct {
	byID    map[string]*pending
	records []Record
}

// prepare reads the batch's pre-images and logs them as pending before the
// write can happen (the write may land and the process die before its
// answer is logged), then uploads attachment files.
func (e *engine) prepare(o ObjectPlan, chunk []*pending, foreign bool, count *ObjectCount) (batch, error) {
	b := batch{byID: map[string]*pending{}}
	calls, err := readPreImages(e.ctx, e.c, o, chunk, foreign)
	e.addCalls(0, calls)
	if err != nil {
		return b, err
	}
	// A record to create whose e-mail or domain another record holds
	// would overwrite that record: it is refused, the other left alone.
	var creates []*pending
	for _, p := range chunk {
		if p.action == audit.Create {
			creates = append(creates, p)
		}
	}
	var failed []audit.Entry
	var held map[string]string
	if len(creates) > 0 && (o.NameSingular == "person" || o.NameSingular == "company") {
		var n int
		held, n, err = heldElsewhere(e.ctx, e.c, o, creates)
		e.addCalls(0, n)
		if err != nil {
			return b, err
		}
	}
	// Write-ahead: every record of the batch is logged as pending, with
	// the values an update replaces, before Twenty can take the write.
	var pend []audit.Entry
	var send []*pending
	for _, p := range chunk {
		if why, ok := held[p.row.ID]; ok {
			failed = append(failed, e.failed(o, p, why, count))
			continue
		}
		send = append(send, p)
		pend = append(pend, pendingEntry(o, p))
	}
	chunk = send
	if len(pend) > 0 {
		if err := errors.Join(e.w.Log(pend), e.w.Flush()); err != nil {
			return b, err
		}
	}
	for _, p := range chunk {
		if o.NameSingular == "attachment" {
			file, err := uploadAttachment(e.ctx, e.c, p.row, e.batchDirs)
			e.addCalls(1, 0)
			if err != nil {
				var ae *APIError
				if errors.As(err, &ae) || errors.Is(err, errAttachmentFile) {
					failed = append(failed, e.failed(o, p, err.Error(), count))
					continue
				}
				return b, errors.Join(err, e.w.Log(failed))
			}
			for k, v := range file {
				p.row.Payload[k] = v
			}
		}
		b.byID[p.row.ID] = p
		b.records = append(b.records, p.row.Payload)
	}
	return b, e.w.Log(failed)
}

func (e *engine) failed(o ObjectPlan, p *pending, reason string, count *ObjectCount) audit.Entry {
	e.mu.Lock()
	defer e.mu.Unlock()
	count.Fail++
	e.listFailure(Failure{o.NameSingular, p.row.ID, p.row.SourceKey, reason})
	return entry(o, p, audit.Fail, reason)
}

// write sends one batch and hands what Twenty acknowledged to the log,
// even when the call ends in an error.
func (e *engine) write(ctx context.Context, o ObjectPlan, b batch, count *ObjectCount) error {
	if len(b.records) == 0 {
		return nil
	}
	res, err := e.c.Upsert(ctx, o.NamePlural, b.records)
	var entries []audit.Entry
	e.mu.Lock()
	e.rep.Calls += res.Calls
	for _, id := range res.OK {
		p := b.byID[id]
		entries = append(entries, entry(o, p, p.action, ""))
		if p.action == audit.Create {
			count.Create++
		} else {
			count.Update++
		}
	}
	e.mu.Unlock()
	for _, rj := range res.Rejected {
		entries = append(entries, e.failed(o, b.byID[rj.ID], rj.Reason, count))
	}
	return errors.Join(err, e.w.Log(entries))
}

// propagateDeletes destroys the records gone from the tables, children
// first (reverse load order), at most MaxMutation a call, logging each as
// deleted once Twenty acknowledged it. The gone records are read from
// the log a page at a time (the report lists only the first of them).
func propagateDeletes(ctx context.Context, db *sql.DB, c *Client, plan Plan, w *audit.Writer, rep *PushReport, progress func(string)) error {
	for i := len(rep.Gone) - 1; i >= 0; i-- {
		g := &rep.Gone[i]
		o, ok := plan.Object(g.Object)
		if !ok {
			continue
		}
		progress(fmt.Sprintf("destroying %d %s gone from %s", g.Count, o.NamePlural, g.Table))
		after := ""
		for {
			page, err := audit.GonePage(ctx, db, Destination, "twenty", o.Table, "id", after, exporters.DefaultPageRows)
			if err != nil {
				return err
			}
			if len(page) == 0 {
				break
			}
			after = page[len(page)-1].DestID
			for start := 0; start < len(page); start += MaxMutation {
				chunk := page[start:min(start+MaxMutation, len(page))]
				ids := make([]string, len(chunk))
				for j, r := range chunk {
					ids[j] = r.DestID
				}
				destroyed, calls, err := c.DestroyMany(ctx, o.NamePlural, ids)
				rep.Calls += calls
				if err != nil {
					return err
				}
				entries := make([]audit.Entry, 0, len(chunk))
				for _, r := range chunk {
					reason := "gone from " + g.Table + " since the last push (--propagate-deletes)"
					if !destroyed[r.DestID] {
						reason += "; already absent at the destination"
					}
					entries = append(entries, audit.Entry{Object: o.NameSingular, Table: g.Table, SourceKey: r.SourceKey,
						DestID: r.DestID, Action: audit.Delete, Reason: reason})
				}
				if err := w.Log(entries); err != nil {
					return err
				}
				g.Deleted += len(chunk)
			}
		}
	}
	return nil
}
