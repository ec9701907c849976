package exporters

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/axium2crm/axium2crm/exporters/audit"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// The push engine: one for every destination. It reads the destination
// tables from the warehouse in load order, a bounded page at a time;
// classifies each record against the audit log (new, changed, unchanged,
// refused); has the destination read what it already holds of each batch
// (by id and by the unique keys it enforces) and keeps the values an
// update replaces; logs every record of a batch as pending, with that
// pre-image, before the write can happen; sends batches with bounded
// concurrency, each after the batches its records point at; splits a
// batch the destination refuses until the refused records are alone;
// stops on an error that is not the records' fault; settles the answers
// in the log through one background writer; lists and (with
// PropagateDeletes) deletes what the tables no longer have; and counts
// all of it in one report.
//
// What is the destination's own (how a row becomes a payload, how it is
// read, written and deleted, which errors are whose) is its Adapter.

// Item is one record of a destination table on its way through a push.
type Item struct {
	// ID is the destination id the models gave the record (Twenty's UUID,
	// Odoo's external id).
	ID        string
	SourceKey string
	// Hash is the audit hash of what is sent.
	Hash string
	// Action is what the push does: audit.Create, Update, Skip or Fail.
	Action string
	Reason string
	// Pre is an update's pre-image: the destination's values of the
	// fields the push writes, before it writes them.
	Pre string
	// DBID is the destination's database id, where it has one.
	DBID int64
	// Data is the adapter's payload.
	Data any
}

// Object is one destination table as the engine reads and sends it.
type Object struct {
	// Name is the destination's object (Twenty's singular name, Odoo's
	// model), as the audit log names it.
	Name string
	// Schema and Table name the warehouse table (twenty.person).
	Schema, Table string
	// SelfRefs are the columns that hold the id of a record of the same
	// table: the table is read and sent level by level.
	SelfRefs []string
	// Deps are the indexes of the objects (earlier in load order) whose
	// records this object's records point at; with AllEarlier the object
	// waits for every earlier one.
	Deps       []int
	AllEarlier bool
	// Keep selects a sample by id; nil keeps every record.
	Keep map[string]bool
	// CreatedNow: the schema step of this push created the object, so the
	// destination holds none of its records.
	CreatedNow bool
}

// Qualified is the table as the audit log names it (twenty.person).
func (o Object) Qualified() string { return o.Schema + "." + o.Table }

// Batch is what the engine hands an adapter to prepare or write.
type Batch struct {
	Object int
	Items  []*Item
	// Foreign: the destination may hold records of the object that the
	// log does not know (created by hand, by an earlier tool, by another
	// project), so every record's presence must be read, not only the
	// updates'.
	Foreign bool
	// DryRun: read, never write.
	DryRun bool
}

// WriteResult is what a write did: the records the destination took
// (with their database ids where it gives them) and those it refused,
// each with its reason.
type WriteResult struct {
	Done     map[string]int64
	Rejected []Rejection
	Calls    int
}

// Rejection is one record a destination refused.
type Rejection struct {
	ID, Reason string
}

// Refused is a write the destination refused for its records' sake
// without saying which: the engine splits the batch in halves until the
// refused records are alone.
type Refused struct{ Reason string }

func (e *Refused) Error() string { return e.Reason }

// Adapter is what a push does that is one destination's own.
type Adapter interface {
	// Decode turns one warehouse row of object o into an item with its ID,
	// SourceKey, Hash and Data; a row that cannot be sent comes back with
	// Action audit.Fail and its Reason. An error stops the push.
	Decode(o int, cols []*sql.ColumnType, vals []any) (*Item, error)
	// Refuse returns, of one page of object o, the records the destination
	// would refuse or merge, by id with the reason (read in the warehouse:
	// a unique value an earlier row holds).
	Refuse(ctx context.Context, o int, items []*Item) (map[string]string, error)
	// Begin is called once per object, before its first batch: it returns
	// whether the destination may hold records of it that the log does
	// not know (held is how many the log says it holds), and the reads it
	// made. It may check the object against the destination.
	Begin(ctx context.Context, o int, held int, dryRun bool) (foreign bool, reads int, err error)
	// Prepare reads the destination for a batch about to be written (on a
	// dry run, to be counted): each record it holds becomes an update with
	// its pre-image, each it does not a create; a record it must not take
	// (a unique value another record holds) becomes a Fail with its
	// reason. It never writes.
	Prepare(ctx context.Context, b Batch) (reads int, err error)
	// Write sends a batch, once every record of it is logged as pending.
	// A *Refused error makes the engine split the batch; any other error
	// stops the push (what Done and Rejected hold is logged first).
	Write(ctx context.Context, b Batch) (WriteResult, error)
	// Delete removes records by id (--propagate-deletes); it returns
	// which were there.
	Delete(ctx context.Context, o int, ids []string) (deleted map[string]bool, calls int, err error)
	// Probe reads which records the destination holds, to settle the
	// writes of an interrupted push.
	Prober
}

// Uploader is an adapter that sends files before a batch's records (a
// Twenty attachment's file): Upload runs after the batch's pending entries
// are logged; it sets Fail on the records whose file could not go.
type Uploader interface {
	Upload(ctx context.Context, b Batch) (calls int, err error)
}

// Ender is an adapter with a last step once every record is written and
// logged, before the run is recorded finished: it may repair what a write
// carried out late left behind (an Odoo create that committed after its
// answer was lost and it had been sent again), logging through log. It
// runs on a resume too.
type Ender interface {
	End(ctx context.Context, log func([]audit.Entry) error) error
}

// RunOptions configure one push through the engine.
type RunOptions struct {
	Destination string
	DryRun      bool
	Resume      bool
	// Sample: gone records are not looked for (the tables are a subset).
	Sample           bool
	PropagateDeletes bool
	Target, Args     string
	// BatchSize is the records a write holds; InFlight the writes sent at
	// once (0 means 2).
	BatchSize, InFlight int
	// PageRows is the rows a page of the warehouse holds (0 means
	// DefaultPageRows).
	PageRows int
	// Entries are logged first, in the run (the destination's schema
	// changes, its members' reasons).
	Entries []audit.Entry
	// Schema, when set, runs once the run is open and before any record:
	// the data-model changes, each logged through log as it is made.
	Schema   func(ctx context.Context, log func([]audit.Entry) error) error
	Progress func(string)
	// Pace is how fast the destination takes a push: a dry run's Estimate
	// rests on it, and a push's time left weighs its tables by it.
	Pace Pace
	// ProgressEvery is how often a push says how far it is (0 means
	// DefaultProgressEvery).
	ProgressEvery time.Duration
}

// ObjectOutcome is what a push did (or would do) to one object.
type ObjectOutcome struct {
	TableCount
	Gone    int
	Deleted int
	// Calls are the writes and reads of the object's records.
	Calls   int
	Seconds float64
}

// Outcome is what the engine did.
type Outcome struct {
	RunID   int64
	Resumed bool
	Objects []ObjectOutcome
	// Refused lists the first MaxFailureDetails records that did not land;
	// NotListed counts the others (each is in the audit log).
	Refused   []Refusal
	NotListed int
	// Gone lists, by object, the records the log says the destination
	// holds that the tables no longer have (the first MaxGoneDetails).
	Gone []GoneTable
	// Calls are the record writes; ReadCalls the reads.
	Calls, ReadCalls int
	// Estimate is a dry run's expected duration of the push.
	Estimate PushEstimate
}

// Failures counts the records that did not land.
func (o Outcome) Failures() int { return len(o.Refused) + o.NotListed }

// Report fills the parts of the shared report the engine knows.
func (o Outcome) Report(dryRun bool) PushReport {
	rep := PushReport{RunID: o.RunID, DryRun: dryRun, Resumed: o.Resumed, Failures: o.Failures(), Refused: o.Refused, GoneTables: o.Gone,
		Estimate: o.Estimate}
	for _, ob := range o.Objects {
		rep.Tables = append(rep.Tables, ob.TableCount)
	}
	for _, g := range o.Gone {
		rep.Gone += g.Count
		rep.Deleted += g.Deleted
	}
	return rep
}

// Begin is what a push says of itself before it starts.
type Begin struct {
	Destination string
	// Target is the server it goes to (its audit log's target).
	Target                       string
	DryRun, Resume, Force, Moved bool
	// AllowMissingFiles skips CheckFiles.
	AllowMissingFiles bool
}

// BeginPush is what every push checks before it reads or changes the
// destination: the gate (CheckGate), that the export files of the
// documents it will send are where load read them (CheckFiles, unless
// AllowMissingFiles), that it goes to the server the log is of
// (CheckTarget), and that no earlier push of the destination is
// unfinished unless this one resumes it.
func BeginPush(ctx context.Context, db *sql.DB, b Begin) error {
	if err := CheckGate(ctx, db, b.Destination, b.DryRun, b.Force); err != nil {
		return err
	}
	if !b.DryRun && !b.AllowMissingFiles {
		if err := CheckFiles(ctx, db, b.Destination); err != nil {
			return err
		}
	}
	if err := CheckTarget(ctx, db, b.Destination, b.Target, b.Moved); err != nil {
		return err
	}
	if b.DryRun || b.Resume {
		return nil
	}
	if u, err := audit.Unfinished(ctx, db, b.Destination, "push"); err != nil {
		return err
	} else if u != nil {
		return u
	}
	return nil
}

// Push runs a push of objects (in load order) through adapter a.
func Push(ctx context.Context, db *sql.DB, a Adapter, objects []Object, opt RunOptions) (Outcome, error) {
	if opt.BatchSize <= 0 {
		opt.BatchSize = 200
	}
	if opt.InFlight <= 0 {
		opt.InFlight = 2
	}
	if opt.Progress == nil {
		opt.Progress = func(string) {}
	}
	e := &engine{db: db, a: a, objects: objects, opt: opt, stages: make([][]*stage, len(objects))}
	e.out.Objects = make([]ObjectOutcome, len(objects))
	for i, o := range objects {
		e.out.Objects[i].TableCount = TableCount{Table: o.Qualified(), Object: o.Name}
	}
	if opt.DryRun {
		// The plan sees an unfinished push as its resume will: settled
		// from what the destination holds.
		overlay, err := SettleForPush(ctx, db, opt.Destination, true, 0, a, opt.Progress)
		if err != nil {
			return e.out, err
		}
		e.overlay = overlay
		e.dryBegun, e.dryForeign = make([]bool, len(objects)), make([]bool, len(objects))
		e.planned = make([]int, len(objects))
		if err = e.produce(ctx, func(pg page) error { return e.count(ctx, pg) }); err != nil {
			return e.out, err
		}
		e.out.Estimate, err = e.estimate(ctx)
		return e.out, err
	}
	run, err := audit.Start(ctx, db, audit.RunOptions{Destination: opt.Destination, Mode: "push", Target: opt.Target, Args: opt.Args, Resume: opt.Resume})
	if err != nil {
		return e.out, err
	}
	e.out.RunID, e.out.Resumed = run.ID, run.Resumed
	err = e.push(ctx, run)
	if ferr := run.Finish(ctx, err); ferr != nil && err == nil {
		err = ferr
	}
	return e.out, err
}

type engine struct {
	db      *sql.DB
	a       Adapter
	objects []Object
	opt     RunOptions
	overlay Overlay
	// A dry run's objects: begun, and whether the destination may hold
	// records the log does not know.
	dryBegun, dryForeign []bool
	// planned are a dry run's calls, by object, that its push would make.
	planned []int
	// tr follows a push's records for its progress lines.
	tr *tracker

	// Set while records are sent.
	parent context.Context
	ctx    context.Context // ends on the first error: no new batch starts
	cancel context.CancelCauseFunc
	w      *audit.Writer

	inFlight chan struct{} // writes being sent
	ahead    chan struct{} // batches prepared and not yet finished
	wg       sync.WaitGroup
	stages   [][]*stage  // by object, in load order so far
	started  []time.Time // when each object's first page reached the sender

	mu  sync.Mutex // guards out
	out Outcome
}

// page is one page of a table, classified.
type page struct {
	object int
	// level is the self-reference level of the page's records.
	level int64
	// rows is how many rows of the table the page covers (before a sample
	// filtered them).
	rows int
	// held is how many records of the table the log says the destination
	// holds.
	held  int
	items []*Item
}

// pagesAhead is how many classified pages the reader may hold before the
// sender takes them.
const pagesAhead = 2

func (e *engine) push(ctx context.Context, run *audit.Run) (err error) {
	e.w = run.Writer(ctx)
	defer func() { err = errors.Join(err, e.w.Close()) }()
	if err := e.w.Log(e.opt.Entries); err != nil {
		return err
	}
	if e.out.Resumed {
		// What the interrupted attempt sent without an answer is settled
		// from what the destination holds before anything is classified.
		if e.overlay, err = SettleForPush(ctx, e.db, e.opt.Destination, false, run.ID, e.a, e.opt.Progress); err != nil {
			return err
		}
	}
	if e.opt.Schema != nil {
		log := func(entries []audit.Entry) error { return errors.Join(e.w.Log(entries), e.w.Flush()) }
		if err := e.opt.Schema(ctx, log); err != nil {
			return err
		}
	}
	e.parent = ctx
	e.ctx, e.cancel = context.WithCancelCause(ctx)
	e.started = make([]time.Time, len(e.objects))
	e.inFlight = make(chan struct{}, e.opt.InFlight)
	e.ahead = make(chan struct{}, 16*e.opt.InFlight)
	if e.tr, err = e.newTracker(ctx); err != nil {
		return err
	}
	stopProgress := e.reportProgress()
	defer stopProgress()

	// The reader runs ahead of the sender by at most pagesAhead pages; it
	// stops at the first error, which the push then returns.
	pages := make(chan page, pagesAhead)
	rctx, stop := context.WithCancel(ctx)
	var readErr error
	go func() {
		defer close(pages)
		readErr = e.produce(rctx, func(pg page) error {
			select {
			case pages <- pg:
				return nil
			case <-rctx.Done():
				return rctx.Err()
			}
		})
	}()
	var cur *objectRun
	for {
		pg, ok := <-pages
		if !ok && readErr != nil && ctx.Err() == nil {
			cur.end()
			e.cancel(readErr)
			break
		}
		if !ok {
			cur.end()
			break
		}
		if cur == nil || cur.i != pg.object {
			cur.end()
			cur = &objectRun{e: e, i: pg.object, level: -1}
			e.started[pg.object] = time.Now()
		}
		if err := cur.page(pg); err != nil {
			cur.end()
			e.cancel(err)
			break
		}
	}
	stop()
	for range pages {
	}
	if err := e.wait(); err != nil {
		return err
	}
	e.tr.allSent(time.Now())
	if en, ok := e.a.(Ender); ok {
		log := func(entries []audit.Entry) error { return errors.Join(e.w.Log(entries), e.w.Flush()) }
		if err := e.w.Flush(); err != nil {
			return err
		}
		if err := en.End(ctx, log); err != nil {
			return err
		}
	}
	if e.opt.PropagateDeletes {
		return e.propagateDeletes(ctx)
	}
	return nil
}

// produce reads every object's table in load order, page by page,
// classifies each page and hands it to out; then lists what is gone.
func (e *engine) produce(ctx context.Context, out func(page) error) error {
	for i, o := range e.objects {
		held, err := audit.HeldCount(ctx, e.db, e.opt.Destination, o.Qualified())
		if err != nil {
			return err
		}
		if err := e.readObject(ctx, i, held, out); err != nil {
			return err
		}
		if !e.opt.Sample {
			g, err := e.goneOf(ctx, o)
			if err != nil {
				return err
			}
			if g != nil {
				e.mu.Lock()
				e.out.Gone = append(e.out.Gone, *g)
				e.out.Objects[i].Gone = g.Count
				e.mu.Unlock()
			}
		}
	}
	return nil
}

func (e *engine) readObject(ctx context.Context, i, held int, out func(page) error) error {
	o := e.objects[i]
	pager, err := NewPager(ctx, e.db, o.Schema, o.Table, "id", o.SelfRefs, e.opt.PageRows)
	if err != nil {
		return err
	}
	defer pager.Close()
	perPage := false
	if held > 0 {
		// The log holds records of the table: read it once, aligned with
		// the pages. (A first push reads nothing of it: see classify.)
		// When that does not fit DuckDB's memory_limit, each page reads
		// its own records' entries instead: slower, but it gets there.
		if err := attachLast(ctx, pager, e.opt.Destination, o.Qualified()); err != nil {
			if !warehouse.OutOfMemory(err) {
				return err
			}
			perPage = true
			e.opt.Progress(fmt.Sprintf("%s: the log of its %d records held does not fit memory_limit at once; reading it page by page (slower): %v",
				o.Table, held, err))
		}
	}
	var rows int
	var n [4]int // new, changed, unchanged, refused, by the log
	for {
		var items []*Item
		p, ok, err := pager.Next(ctx, func(cols []*sql.ColumnType, vals []any) error {
			it, err := e.a.Decode(i, cols, vals)
			if err != nil {
				return fmt.Errorf("%s (id %s): %w", o.Qualified(), it.idOrUnknown(), err)
			}
			if o.Keep == nil || o.Keep[it.ID] {
				items = append(items, it)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if !ok {
			e.opt.Progress(fmt.Sprintf("%s: %d rows, %d new, %d changed, %d unchanged, %d refused", o.Table, rows, n[0], n[1], n[2], n[3]))
			return nil
		}
		var last map[string]audit.Sent
		if perPage {
			ids := make([]string, 0, len(items))
			for _, it := range items {
				ids = append(ids, it.ID)
			}
			last, err = audit.LastHashesOf(ctx, e.db, e.opt.Destination, o.Qualified(), ids)
		} else {
			last, err = pager.Last(ctx)
		}
		if err != nil {
			return err
		}
		if err := e.classify(ctx, i, items, last); err != nil {
			return err
		}
		rows += p.Rows
		for _, it := range items {
			switch it.Action {
			case audit.Create:
				n[0]++
			case audit.Update:
				n[1]++
			case audit.Skip:
				n[2]++
			default:
				n[3]++
			}
		}
		if err := out(page{object: i, level: p.Level, rows: p.Rows, held: held, items: items}); err != nil {
			return err
		}
	}
}

// attachLast is Pager.AttachLast; a test makes it run out of memory.
var attachLast = func(ctx context.Context, p *Pager, destination, table string) error {
	return p.AttachLast(ctx, destination, table)
}

func (it *Item) idOrUnknown() string {
	if it == nil || it.ID == "" {
		return "unknown"
	}
	return it.ID
}

// classify decides each item of a page: refused (by its adapter, or a
// unique value an earlier row holds), unchanged since its last push,
// changed, or new. last is what the log says the destination holds of
// the page's rows (Pager.Last): empty when the log held none of the
// table's records as the table's reading began, so a first push never
// reads its own growing log (the records of a table have distinct ids, a
// data test of every model), and otherwise read once for the whole table
// and answered by row id range, so neither a first push nor a re-push of
// 14 million records slows down with every page.
func (e *engine) classify(ctx context.Context, i int, items []*Item, last map[string]audit.Sent) error {
	o := e.objects[i]
	var live []*Item
	for _, it := range items {
		switch {
		case it.Action == audit.Fail:
		case it.ID == "":
			it.Action, it.Reason = audit.Fail, "no id"
		default:
			live = append(live, it)
		}
	}
	e.overlay.Apply(o.Qualified(), last)
	refused, err := e.a.Refuse(ctx, i, live)
	if err != nil {
		return err
	}
	for _, it := range live {
		prev, sent := last[it.ID]
		it.DBID = prev.DBID
		why, refuse := refused[it.ID]
		switch {
		case refuse:
			it.Action, it.Reason = audit.Fail, why
		case sent && prev.PayloadHash == it.Hash:
			it.Action, it.Reason = audit.Skip, "unchanged since the last push"
		case sent:
			it.Action = audit.Update
		default:
			it.Action = audit.Create
		}
	}
	return nil
}

// count is a dry run's page: counted, with the destination read where it
// may hold records the log does not know, and dropped.
func (e *engine) count(ctx context.Context, pg page) error {
	c := &e.out.Objects[pg.object]
	c.Rows += pg.rows
	var send []*Item
	for _, it := range pg.items {
		if it.Action == audit.Create || it.Action == audit.Update {
			send = append(send, it)
		}
	}
	prepared := !e.objects[pg.object].CreatedNow
	if len(send) > 0 && !e.dryBegun[pg.object] {
		e.dryBegun[pg.object] = true
		if prepared {
			foreign, reads, err := e.a.Begin(ctx, pg.object, pg.held, true)
			e.addCalls(pg.object, 0, reads)
			e.planned[pg.object] += reads
			if err != nil {
				return err
			}
			e.dryForeign[pg.object] = foreign
		}
	}
	// The batches as the push forms them (a page's records to send, in
	// BatchSize chunks), each costed as the push will send it.
	for start := 0; start < len(send); start += e.opt.BatchSize {
		b := Batch{Object: pg.object, Items: send[start:min(start+e.opt.BatchSize, len(send))], Foreign: e.dryForeign[pg.object], DryRun: true}
		reads := 0
		if b.Foreign {
			// Records the log does not know may be there: read which, so
			// the plan counts them as the push will.
			var err error
			reads, err = e.a.Prepare(ctx, b)
			e.addCalls(pg.object, 0, reads)
			if err != nil {
				return err
			}
		}
		e.planned[pg.object] += plannedCalls(e.a, b, prepared, reads)
	}
	for _, it := range pg.items {
		switch it.Action {
		case audit.Create:
			c.Created++
		case audit.Update:
			c.Updated++
		case audit.Skip:
			c.Skipped++
		case audit.Fail:
			c.Failed++
			e.listFailure(e.objects[pg.object], it)
		}
	}
	return nil
}

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

// stage is one object's batches of one self-reference level: what points
// at them waits for all of them.
type stage struct {
	deps []*stage
	wg   sync.WaitGroup
	done chan struct{}
}

func newStage(deps []*stage) *stage {
	st := &stage{deps: deps, done: make(chan struct{})}
	st.wg.Add(1) // released by seal
	go func() { st.wg.Wait(); close(st.done) }()
	return st
}

func (st *stage) seal() { st.wg.Done() }

// deps are the stages an object's batches wait for.
func (e *engine) deps(i int) []*stage {
	o := e.objects[i]
	var out []*stage
	if o.AllEarlier {
		for j := 0; j < i; j++ {
			out = append(out, e.stages[j]...)
		}
		return out
	}
	for _, j := range o.Deps {
		if j != i {
			out = append(out, e.stages[j]...)
		}
	}
	return out
}

// submit sends a prepared batch once its stage's dependencies are done and
// a slot is free. The call itself runs under the push's context, not the
// engine's: a sibling's failure does not cut off a write the destination
// may already have taken, so its answer is still logged.
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
	e       *engine
	i       int
	started bool
	foreign bool
	deps    []*stage
	cur     *stage // the stage of the current self-reference level
	level   int64
	sent    int
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

// progressEvery is how many records of an object are sent between two
// progress lines.
const progressEvery = 100000

// page logs a page's skipped and refused records, then prepares and
// submits its batches. A page of a higher self-reference level starts a
// stage that waits for the levels below.
func (r *objectRun) page(pg page) error {
	e, o := r.e, r.e.objects[r.i]
	var entries []audit.Entry
	var send []*Item
	e.mu.Lock()
	c := &e.out.Objects[r.i]
	c.Rows += pg.rows
	for _, it := range pg.items {
		switch it.Action {
		case audit.Skip:
			c.Skipped++
			entries = append(entries, e.entry(o, it, audit.Skip))
		case audit.Fail:
			c.Failed++
			e.listFailure(o, it)
			entries = append(entries, e.entry(o, it, audit.Fail))
		default:
			send = append(send, it)
		}
	}
	e.mu.Unlock()
	changed, unchanged := 0, 0
	for _, it := range pg.items {
		switch {
		case it.Action == audit.Update:
			changed++
		case it.Action == audit.Skip:
			unchanged++
		}
	}
	e.tr.page(r.i, len(pg.items), len(send), changed, unchanged, time.Now())
	if err := e.w.Log(entries); err != nil {
		return err
	}
	if len(send) == 0 {
		return nil
	}
	if !r.started {
		r.started = true
		if !o.CreatedNow {
			foreign, reads, err := e.a.Begin(e.ctx, r.i, pg.held, false)
			e.addCalls(r.i, 0, reads)
			if err != nil {
				return err
			}
			r.foreign = foreign
		}
		r.deps = e.deps(r.i)
	}
	if r.cur == nil || pg.level != r.level {
		d := r.deps
		if r.cur != nil {
			d = append(append([]*stage(nil), r.deps...), r.cur)
			r.cur.seal()
		}
		r.cur = newStage(d)
		r.level = pg.level
		e.stages[r.i] = append(e.stages[r.i], r.cur)
	}
	if r.sent == 0 || r.sent/progressEvery != (r.sent+len(send))/progressEvery {
		e.opt.Progress(fmt.Sprintf("pushing %s from %s (%d sent so far)", o.Name, o.Qualified(), r.sent))
	}
	r.sent += len(send)
	// A page's batches are prepared together, so that their pending
	// entries reach the log in one commit rather than one a batch: a
	// commit's fixed cost was most of the log's. Each still holds a slot
	// of e.ahead from its preparation to its answer; the page's loop is
	// the only one taking slots, and a group never wants more than half
	// of them, so the slots it waits for belong to batches already sent.
	group := max(1, cap(e.ahead)/2)
	var batches []Batch
	for start := 0; start < len(send); start += e.opt.BatchSize {
		batches = append(batches, Batch{Object: r.i, Items: send[start:min(start+e.opt.BatchSize, len(send))], Foreign: r.foreign})
	}
	for len(batches) > 0 {
		n := min(group, len(batches))
		if err := r.sendGroup(batches[:n]); err != nil {
			return err
		}
		batches = batches[n:]
	}
	return nil
}

// sendGroup takes a slot for each batch, prepares them, and submits them.
func (r *objectRun) sendGroup(batches []Batch) error {
	e := r.e
	held := 0
	release := func() {
		for ; held > 0; held-- {
			<-e.ahead
		}
	}
	for range batches {
		select {
		case e.ahead <- struct{}{}:
			held++
		case <-e.ctx.Done():
			release()
			return context.Cause(e.ctx)
		}
	}
	sizes := make([]int, len(batches))
	for j := range batches {
		sizes[j] = len(batches[j].Items)
	}
	batches, err := e.prepare(batches)
	if err != nil {
		release()
		return err
	}
	for j, b := range batches {
		if b, err = e.upload(b); err != nil {
			release()
			return err
		}
		e.tr.answered(r.i, sizes[j]-len(b.Items)) // refused before the write
		held--
		e.submit(r.cur, func(ctx context.Context) error {
			err := e.write(ctx, b)
			e.tr.answered(b.Object, len(b.Items))
			return err
		})
	}
	return nil
}

// prepare has the adapter read the destination for each batch, then logs
// their records as pending, with the values an update replaces, before
// any write can happen (a write may land and the process die before its
// answer is logged), in one commit.
func (e *engine) prepare(batches []Batch) ([]Batch, error) {
	var failed, pend []audit.Entry
	for j, b := range batches {
		o := e.objects[b.Object]
		if !o.CreatedNow {
			reads, err := e.a.Prepare(e.ctx, b)
			e.addCalls(b.Object, 0, reads)
			if err != nil {
				return batches, err
			}
		}
		keep := b.Items[:0:0]
		for _, it := range b.Items {
			if it.Action == audit.Fail {
				failed = append(failed, e.failed(b.Object, it))
				continue
			}
			keep = append(keep, it)
			p := e.entry(o, it, audit.Pending)
			p.Reason = "sent; not yet answered"
			if it.Action == audit.Update {
				p.PreImage = it.Pre
			}
			pend = append(pend, p)
		}
		batches[j].Items = keep
	}
	if err := e.w.Log(failed); err != nil {
		return batches, err
	}
	if len(pend) > 0 {
		if err := errors.Join(e.w.Log(pend), e.w.Flush()); err != nil {
			return batches, err
		}
	}
	return batches, nil
}

// upload has the adapter upload a prepared batch's files (a batch is
// sent before the next one uploads).
func (e *engine) upload(b Batch) (Batch, error) {
	up, ok := e.a.(Uploader)
	if !ok || len(b.Items) == 0 {
		return b, nil
	}
	calls, err := up.Upload(e.ctx, b)
	e.addCalls(b.Object, calls, 0)
	keep, failed := b.Items[:0:0], []audit.Entry(nil)
	for _, it := range b.Items {
		if it.Action == audit.Fail {
			failed = append(failed, e.failed(b.Object, it))
		} else {
			keep = append(keep, it)
		}
	}
	b.Items = keep
	if lerr := e.w.Log(failed); err != nil || lerr != nil {
		return b, errors.Join(err, lerr)
	}
	return b, nil
}

// write sends one batch and hands what the destination acknowledged to
// the log, even when the call ends in an error. A batch refused as a
// whole is split in halves until the refused records are alone.
func (e *engine) write(ctx context.Context, b Batch) error {
	if len(b.Items) == 0 {
		return nil
	}
	o := e.objects[b.Object]
	res, err := e.a.Write(ctx, b)
	e.addCalls(b.Object, res.Calls, 0)
	byID := make(map[string]*Item, len(b.Items))
	for _, it := range b.Items {
		byID[it.ID] = it
	}
	var entries []audit.Entry
	e.mu.Lock()
	c := &e.out.Objects[b.Object]
	c.Seconds = time.Since(e.started[b.Object]).Seconds()
	for id, dbID := range res.Done {
		it := byID[id]
		if it == nil {
			continue
		}
		if dbID != 0 {
			it.DBID = dbID
		}
		entries = append(entries, e.entry(o, it, it.Action))
		if it.Action == audit.Create {
			c.Created++
		} else {
			c.Updated++
		}
	}
	e.mu.Unlock()
	rejected := map[string]bool{}
	for _, rj := range res.Rejected {
		if it := byID[rj.ID]; it != nil && !rejected[rj.ID] {
			rejected[rj.ID] = true
			it.Action, it.Reason = audit.Fail, rj.Reason
			entries = append(entries, e.failed(b.Object, it))
		}
	}
	if lerr := e.w.Log(entries); lerr != nil {
		return errors.Join(err, lerr)
	}
	var rf *Refused
	if !errors.As(err, &rf) {
		return err
	}
	// What was refused is split and sent again; what was written or
	// rejected before the refusal is not.
	if len(rejected) > 0 || len(res.Done) > 0 {
		rest := b.Items[:0:0]
		for _, it := range b.Items {
			if _, done := res.Done[it.ID]; !done && !rejected[it.ID] {
				rest = append(rest, it)
			}
		}
		b.Items = rest
	}
	switch len(b.Items) {
	case 0:
		return nil
	case 1:
		it := b.Items[0]
		it.Action, it.Reason = audit.Fail, rf.Reason
		return e.w.Log([]audit.Entry{e.failed(b.Object, it)})
	}
	half := len(b.Items) / 2
	lo, hi := b, b
	lo.Items, hi.Items = b.Items[:half], b.Items[half:]
	if err := e.write(ctx, lo); err != nil {
		return err
	}
	return e.write(ctx, hi)
}

func (e *engine) addCalls(i, write, read int) {
	e.mu.Lock()
	e.out.Calls += write
	e.out.ReadCalls += read
	e.out.Objects[i].Calls += write + read
	e.mu.Unlock()
}

func (e *engine) entry(o Object, it *Item, action string) audit.Entry {
	en := audit.Entry{Object: o.Name, Table: o.Qualified(), SourceKey: it.SourceKey, DestID: it.ID, DestDBID: it.DBID,
		Action: action, Reason: it.Reason, PayloadHash: it.Hash}
	switch action {
	case audit.Update:
		en.PreImage = it.Pre
	case audit.Fail:
		en.PayloadHash = "" // what failed was not sent: the next push tries it again
	}
	if action == audit.Create || action == audit.Update {
		en.Reason = ""
	}
	return en
}

// failed counts and lists a record refused while its batch was prepared
// or written, and returns its entry.
func (e *engine) failed(i int, it *Item) audit.Entry {
	o := e.objects[i]
	e.mu.Lock()
	defer e.mu.Unlock()
	e.out.Objects[i].Failed++
	e.listFailure(o, it)
	return e.entry(o, it, audit.Fail)
}

// listFailure keeps a failed record in the report, up to
// MaxFailureDetails; the others are counted (the audit log holds every
// one). Called with e.mu held (or before records are sent).
func (e *engine) listFailure(o Object, it *Item) {
	if len(e.out.Refused) < MaxFailureDetails {
		e.out.Refused = append(e.out.Refused, Refusal{Table: o.Qualified(), Object: o.Name, ID: it.ID, SourceKey: it.SourceKey, Reason: it.Reason})
	} else {
		e.out.NotListed++
	}
}

// goneOf lists (at most MaxGoneDetails of) the records of one table that
// the log says the destination holds and the table no longer has, with
// their count.
func (e *engine) goneOf(ctx context.Context, o Object) (*GoneTable, error) {
	var g *GoneTable
	after := ""
	for {
		pg, err := audit.GonePage(ctx, e.db, e.opt.Destination, o.Schema, o.Table, "id", after, DefaultPageRows)
		if err != nil {
			return nil, err
		}
		if len(pg) == 0 {
			return g, nil
		}
		if g == nil {
			g = &GoneTable{Table: o.Qualified(), Object: o.Name}
		}
		g.Count += len(pg)
		for _, r := range pg {
			if len(g.Records) < MaxGoneDetails {
				g.Records = append(g.Records, GoneRecord{ID: r.DestID, SourceKey: r.SourceKey})
			}
		}
		after = pg[len(pg)-1].DestID
	}
}

// propagateDeletes deletes the records gone from the tables, children
// first (reverse load order), logging each as deleted once the
// destination acknowledged it. The gone records are read from the log a
// page at a time (the report lists only the first of them).
func (e *engine) propagateDeletes(ctx context.Context) error {
	for gi := len(e.out.Gone) - 1; gi >= 0; gi-- {
		g := &e.out.Gone[gi]
		i := -1
		for j, o := range e.objects {
			if o.Qualified() == g.Table {
				i = j
			}
		}
		if i < 0 {
			continue
		}
		o := e.objects[i]
		e.opt.Progress(fmt.Sprintf("deleting %d %s records gone from %s", g.Count, o.Name, g.Table))
		after := ""
		for {
			pg, err := audit.GonePage(ctx, e.db, e.opt.Destination, o.Schema, o.Table, "id", after, DefaultPageRows)
			if err != nil {
				return err
			}
			if len(pg) == 0 {
				break
			}
			after = pg[len(pg)-1].DestID
			for start := 0; start < len(pg); start += e.opt.BatchSize {
				chunk := pg[start:min(start+e.opt.BatchSize, len(pg))]
				ids := make([]string, len(chunk))
				for j, r := range chunk {
					ids[j] = r.DestID
				}
				deleted, calls, err := e.a.Delete(ctx, i, ids)
				e.addCalls(i, calls, 0)
				if err != nil {
					return fmt.Errorf("%s: delete %d records gone from the table: %w", o.Qualified(), len(ids), err)
				}
				entries := make([]audit.Entry, 0, len(chunk))
				for _, r := range chunk {
					reason := "gone from " + g.Table + " since the last push (--propagate-deletes)"
					if !deleted[r.DestID] {
						reason += "; already absent at the destination"
					}
					entries = append(entries, audit.Entry{Object: o.Name, Table: g.Table, SourceKey: r.SourceKey,
						DestID: r.DestID, Action: audit.Delete, Reason: reason})
				}
				if err := e.w.Log(entries); err != nil {
					return err
				}
				e.mu.Lock()
				g.Deleted += len(chunk)
				e.out.Objects[i].Deleted += len(chunk)
				e.mu.Unlock()
			}
		}
	}
	return nil
}
