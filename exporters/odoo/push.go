package odoo

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// PushOptions tune a push.
type PushOptions struct {
	// BatchSize is the records per load call (default 500).
	BatchSize int
	// Workers is the calls in flight at once (default 2).
	Workers int
	// TimeZone is the clinic's zone: naive TIMESTAMP columns are its wall
	// clock and are sent as UTC.
	TimeZone *time.Location
	// DryRun reads and classifies, sends nothing, changes nothing.
	DryRun bool
	// Force pushes even though the odoo models' data tests failed.
	Force bool
	// AllowMissingFiles pushes even though attachments' export files are
	// missing (exporters.CheckFiles).
	AllowMissingFiles bool
	// ServerMoved says the server the audit log is of now answers at
	// Target (exporters.CheckTarget).
	ServerMoved bool
	// Resume continues the unfinished push run.
	Resume bool
	// Sample pushes only this many patients and everything linked.
	Sample int
	// SampleTable holds the patients (default res_partner_patient).
	SampleTable string
	// PropagateDeletes unlinks the records the log says Odoo holds that
	// the tables no longer have; without it they are only reported.
	PropagateDeletes bool
	// Target and Args are recorded in the audit log (never a secret).
	Target, Args string
	// LiveScoring keeps Odoo's predictive lead scoring counting while the
	// push writes visits (one batch at a time), instead of pausing it and
	// rebuilding its table at the end (scoring.go).
	LiveScoring bool
	// Progress, when set, hears one line per step.
	Progress func(string)
}

// TableReport counts one table's outcome.
type TableReport struct {
	Table   string `json:"table"`
	Model   string `json:"model"`
	Rows    int    `json:"rows"`
	Create  int    `json:"create"`
	Update  int    `json:"update"`
	Skip    int    `json:"skip"`
	Fail    int    `json:"fail"`
	Gone    int    `json:"gone"`
	Delete  int    `json:"delete"`
	Calls   int    `json:"calls"`
	Seconds string `json:"seconds,omitempty"`
}

// Failure is one record Odoo or the exporter refused, with why.
type Failure struct {
	Table  string `json:"table"`
	XID    string `json:"xid"`
	Reason string `json:"reason"`
}

// GoneRecord is a record Odoo holds (by the log) that its table no longer has.
type GoneRecord struct {
	Table     string `json:"table"`
	XID       string `json:"xid"`
	SourceKey string `json:"source_key,omitempty"`
	Deleted   bool   `json:"deleted"`
}

// Report is what a push did, or with DryRun would do.
type Report struct {
	RunID    int64         `json:"run_id,omitempty"`
	DryRun   bool          `json:"dry_run"`
	Resumed  bool          `json:"resumed"`
	Schema   *SchemaReport `json:"schema"`
	Tables   []TableReport `json:"tables"`
	Gone     []GoneRecord  `json:"gone,omitempty"`
	Failures []Failure     `json:"failures,omitempty"`
	// Estimate is a dry run's expected duration of the push (estimate.go).
	Estimate exporters.PushEstimate `json:"estimate"`
	// Permissions are the rights a dry run found the user lacks
	// (permissions.go).
	Permissions []string `json:"permissions,omitempty"`
	// CopiesRemoved is the second copies of records the push removed:
	// made when Odoo carried out a create after its answer was lost and
	// the push had sent it again (copies.go).
	CopiesRemoved int `json:"copies_removed,omitempty"`
}

// Destination is the audit log's name for Odoo.
const Destination = "odoo"

// schemaTable names the schema step's entries in the audit log.
const schemaTable = "odoo.schema"

// loadContext is sent with every load: datetimes are UTC text; no
// invitation e-mails to the patients an event names; no chatter lines
// or tracking for records that are being migrated, not created by hand.
var loadContext = map[string]any{"tz": "UTC", "no_mail_to_attendees": true, "mail_create_nolog": true, "mail_create_nosubscribe": true,
	"mail_notrack": true, "tracking_disable": true}

// rec is one row ready to send.
type rec struct {
	xid, key string
	texts    []string            // values of the table's import columns, as Odoo's importer reads them
	refs     map[string][]string // field → referenced external ids
	resXID   string              // _res_xid: the record res_id must name
	state    string              // _state_code
	country  string              // country_id/id, for the state's lookup
	file     string              // attachment file to send as datas
	fileSHA  string
	// targets holds what the batch's external ids name, as resolve found
	// them (shared by the batch's records, read only): the push's cache
	// may forget them before the batch is sent.
	targets map[string]XIDTarget
	hash    string
	err     string // a reason the record cannot be sent
	dbID    int64
}

type pusher struct {
	db     *sql.DB
	c      *Client
	opt    PushOptions
	plan   *Plan
	tables []*tableData // each object's columns (no rows)
	mu     sync.Mutex
	// xids caches what external ids name (at most maxCachedXIDs; a miss
	// is read again).
	xids   map[string]XIDTarget
	states map[string]int64 // "country xid|code" → res.country.state id
	fields map[string]map[string]any
	dirs   map[int64]string
	// resent is, by keyed model, the keys of creates sent again after a
	// lost answer, whose first call may still commit (copies.go).
	resent map[string][]string
	// copies is the second copies End removed.
	copies int
	// books is what the push learned of Odoo's payment entries (payment.go).
	books payBooks
	// moves is what the push learned of the moves Odoo makes (moves.go).
	moves moveBooks
	// periods keeps new journal entries of months not written yet from
	// going together (periods.go).
	periods periodGate
	// oneAtATime holds, for each model in serialModels, the lock its
	// writes take.
	oneAtATime map[string]*sync.Mutex
	// scoring is what the push did to lead scoring, pause when it does it
	// (scoring.go).
	scoring scoringState
	pause   scoringPause
}

// serialModels are the models whose writes go one at a time whatever the
// connections, since two batches sent together always collide in Odoo:
// each batch of won visits (crm.lead) updates the same rows of the
// lead-scoring table (crm_lead_scoring_frequency) unless the push paused
// lead scoring (scoring.go), so the second batch
// waits for the first, then fails on its commit ("could not serialize
// access") and Odoo retries it after sleeping up to 2, 4, 8 and 16
// seconds, its work thrown away. At 1,000 patients against a real Odoo 17
// on two connections one batch of visits failed four times (19 s of
// sleep). Invoice lines collide too, but only when two batches sent
// together hold lines of one invoice: measured one at a time they went at
// 145 records/s, on two connections at 151 (six failures) and 237 (none),
// so they keep both connections.
var serialModels = []string{"crm.lead"}

// maxCachedXIDs bounds the external ids a push keeps resolved in memory
// (a variable for the tests that empty the cache at every look-up).
var maxCachedXIDs = 200000

// Push sends the odoo.* tables to Odoo in load order through the push
// engine (exporters.Push); what is Odoo's own is this adapter: rows become
// import rows for load, external ids are resolved and created by load in
// one transaction with their record, pre-images are read with read,
// deletes are unlink.
func Push(ctx context.Context, db *sql.DB, c *Client, opt PushOptions) (*Report, error) {
	if opt.BatchSize <= 0 {
		opt.BatchSize = 500
	}
	if opt.Workers <= 0 {
		opt.Workers = 2
	}
	if opt.SampleTable == "" {
		opt.SampleTable = "res_partner_patient"
	}
	if opt.Target == "" && c != nil {
		opt.Target = c.Target()
	}
	rep := &Report{DryRun: opt.DryRun}
	p := &pusher{db: db, c: c, opt: opt, xids: map[string]XIDTarget{}, states: map[string]int64{}, fields: map[string]map[string]any{},
		resent: map[string][]string{}, oneAtATime: map[string]*sync.Mutex{}}
	for _, m := range serialModels {
		p.oneAtATime[m] = &sync.Mutex{}
	}
	if err := exporters.BeginPush(ctx, db, exporters.Begin{Destination: Destination, Target: opt.Target,
		DryRun: opt.DryRun, Resume: opt.Resume, Force: opt.Force, AllowMissingFiles: opt.AllowMissingFiles, Moved: opt.ServerMoved}); err != nil {
		return rep, err
	}
	plan, err := ReadPlan(ctx, db)
	if err != nil {
		return rep, err
	}
	p.plan = plan
	for _, o := range plan.Objects {
		t, err := describeTable(ctx, db, o)
		if err != nil {
			return rep, err
		}
		p.planCreate(t)
		p.planRefs(t)
		p.tables = append(p.tables, t)
	}
	if opt.TimeZone == nil {
		for _, t := range p.tables {
			for _, c := range t.cols {
				if c.dbType == "TIMESTAMP" || c.dbType == "TIMESTAMP_NS" || c.dbType == "TIMESTAMP_MS" || c.dbType == "TIMESTAMP_S" {
					return rep, fmt.Errorf("odoo.%s column %s: %w", t.obj.Table, c.name, ErrNoTimeZone)
				}
			}
		}
	}
	objects := p.objects()
	if opt.Sample > 0 {
		if err := p.sample(ctx, objects); err != nil {
			return rep, err
		}
	}
	if err := p.readDirs(ctx); err != nil {
		return rep, err
	}
	// The schema step is read first, before the run opens: a conflict
	// stops the push with nothing to resume. Its changes are made once the
	// run is open, each logged pending before it is sent and created once
	// Odoo answered (schema_wal.go), so a push stopped in between is
	// settled from Odoo's data model and rollback --schema undoes exactly
	// what the push changed (schema_evolution.go).
	rep.Schema, err = EnsureSchema(ctx, c, plan, true)
	if err != nil {
		return rep, err
	}
	if opt.DryRun {
		if rep.Permissions, err = missingRights(ctx, c, plan, rep.Schema); err != nil {
			return rep, err
		}
	}
	var schema func(context.Context, func([]audit.Entry) error) error
	changes := !opt.DryRun && len(rep.Schema.Actions) > 0
	pause := p.pausesScoring()
	if changes || pause {
		// Once the run is open, before any record: the schema step, then
		// lead scoring made ready to pause before the first visit (both
		// logged before they are sent).
		schema = func(ctx context.Context, log func([]audit.Entry) error) error {
			if changes {
				s, err := ensureSchema(ctx, c, plan, false, log)
				if s != nil {
					rep.Schema = s
				}
				if err != nil {
					return err
				}
			}
			if pause {
				return p.armScoring(ctx, log)
			}
			return nil
		}
	}
	out, err := exporters.Push(ctx, db, p, objects, exporters.RunOptions{Destination: Destination, DryRun: opt.DryRun, Resume: opt.Resume,
		Sample: opt.Sample > 0, PropagateDeletes: opt.PropagateDeletes, Target: opt.Target, Args: opt.Args,
		BatchSize: opt.BatchSize, InFlight: opt.Workers, Schema: schema, Progress: opt.Progress, Pace: pace})
	if err != nil {
		// A push that stops on an error does not leave lead scoring
		// paused (one killed does: the next push or a rollback sets it
		// back).
		p.resumeScoringAfterFailure(ctx)
	}
	if !changes && !opt.DryRun && rep.Schema != nil {
		rep.Schema.Applied = true // nothing to change: the schema is as the plan wants
	}
	rep.fill(out)
	rep.CopiesRemoved = p.copies
	return rep, err
}

// fill copies what the engine did into the report.
func (rep *Report) fill(out exporters.Outcome) {
	rep.RunID, rep.Resumed, rep.Estimate = out.RunID, out.Resumed, out.Estimate
	for _, o := range out.Objects {
		rep.Tables = append(rep.Tables, TableReport{Table: strings.TrimPrefix(o.Table, "odoo."), Model: o.Object, Rows: o.Rows,
			Create: o.Created, Update: o.Updated, Skip: o.Skipped, Fail: o.Failed, Gone: o.Gone, Delete: o.Deleted,
			Calls: o.Calls, Seconds: fmt.Sprintf("%.2f", o.Seconds)})
	}
	for _, f := range out.Refused {
		rep.Failures = append(rep.Failures, Failure{Table: strings.TrimPrefix(f.Table, "odoo."), XID: f.ID, Reason: f.Reason})
	}
	for _, g := range out.Gone {
		for _, r := range g.Records {
			rep.Gone = append(rep.Gone, GoneRecord{Table: strings.TrimPrefix(g.Table, "odoo."), XID: r.ID, SourceKey: r.SourceKey, Deleted: g.Deleted > 0})
		}
	}
}

// objects are the plan's tables as the engine reads them: each waits for
// every earlier table (Odoo resolves a reference when the record is
// written), and a table whose rows point at rows of the same table is
// sent level by level.
func (p *pusher) objects() []exporters.Object {
	out := make([]exporters.Object, len(p.plan.Objects))
	for i, o := range p.plan.Objects {
		eo := exporters.Object{Name: o.Model, Schema: "odoo", Table: o.Table, AllEarlier: true}
		for _, c := range p.tables[i].cols {
			if c.ref && p.mayPointAt(o.Model, c.field) {
				eo.SelfRefs = append(eo.SelfRefs, c.name)
			}
		}
		out[i] = eo
	}
	return out
}

// mayPointAt: field of model may hold a record of model itself (the plan
// says so, or does not know the field).
func (p *pusher) mayPointAt(model, field string) bool {
	for _, f := range p.plan.Fields {
		if f.Model == model && f.Name == field {
			return f.Relation == "" || f.Relation == model
		}
	}
	return true
}

// Decode turns one row into a record: values as import text, references
// kept as external ids, the payload hashed.
func (p *pusher) Decode(i int, _ []*sql.ColumnType, row []any) (*exporters.Item, error) {
	t := p.tables[i]
	r, err := p.build(t, row)
	it := &exporters.Item{ID: r.xid, SourceKey: r.key, Hash: r.hash, Data: r}
	if err != nil {
		return it, err
	}
	if r.err != "" {
		it.Action, it.Reason, it.Hash = audit.Fail, r.err, ""
	}
	return it, nil
}

func recOf(it *exporters.Item) *rec { return it.Data.(*rec) }

// Refuse: an external id names one record, so the warehouse has nothing
// Odoo would merge.
func (p *pusher) Refuse(context.Context, int, []*exporters.Item) (map[string]string, error) {
	return nil, nil
}

// Begin checks that the model has every field the table sends (not on a
// dry run, whose schema step did not run), and counts the model's records
// the migration could have made (those with an axium external id, and of
// a keyed model those with a key): when Odoo holds no more of them than
// the log says the table holds (a first push into an empty model above
// all), a record the log has never sent is not looked up before it is
// created. A dry run looks up every record.
func (p *pusher) Begin(ctx context.Context, i int, held int, dryRun bool) (bool, int, error) {
	if dryRun {
		return true, 0, nil
	}
	t := p.tables[i]
	fields, err := p.fieldsOf(ctx, t.obj.Model)
	if err != nil {
		return true, 1, err
	}
	for _, c := range t.cols {
		if c.name == "id" || strings.HasPrefix(c.name, "_") {
			continue
		}
		if _, ok := fields[c.field]; !ok {
			return true, 1, fmt.Errorf("odoo.%s column %q: %s has no field %s (build the schema step or fix the model)", t.obj.Table, c.name, t.obj.Model, c.field)
		}
	}
	n, err := p.c.xidCount(ctx, t.obj.Model)
	reads := 2
	if err == nil && p.plan.keyed(t.obj.Model) {
		var k int
		k, err = p.c.keyCount(ctx, t.obj.Model)
		n += k
		reads++
	}
	if err != nil {
		return true, reads, err
	}
	return n > held, reads, nil
}

// Prepare reads which of the batch's records Odoo holds (all of them
// when the model may hold records the log does not know, else those the
// log says were sent). A record it holds (sent before by this migration,
// or there before it: imported from the CSV files, made by another
// project) is an update whose values before are read now, so a rollback
// restores them instead of deleting the record; one it does not is a
// create.
func (p *pusher) Prepare(ctx context.Context, b exporters.Batch) (int, error) {
	t := p.tables[b.Object]
	ctx = forTable(ctx, t.obj.Table)
	var xs []string
	for _, it := range b.Items {
		if b.Foreign || it.Action == audit.Update {
			xs = append(xs, it.ID)
		}
	}
	found := map[string]XIDTarget{}
	reads := 0
	if len(xs) > 0 {
		var err error
		found, reads, err = resolveRecords(ctx, p.c, p.plan, t.obj.Model, xs)
		if err != nil {
			return reads, err
		}
	}
	var updates []*exporters.Item
	for _, it := range b.Items {
		x, exists := found[it.ID]
		switch {
		case exists && x.Model != t.obj.Model:
			it.Action, it.Reason = audit.Fail, fmt.Sprintf("external id %s already names a %s record, not a %s", it.ID, x.Model, t.obj.Model)
		case exists:
			it.Action, it.DBID = audit.Update, x.ID
			recOf(it).dbID = x.ID
			updates = append(updates, it)
		default:
			it.Action, it.DBID = audit.Create, 0
		}
	}
	if len(updates) == 0 || b.DryRun {
		return reads, nil
	}
	pre, err := p.preImages(ctx, t, updates)
	reads++
	if err != nil {
		return reads, err
	}
	for _, it := range updates {
		it.Pre = pre[it.DBID]
	}
	return reads, nil
}

// Write sends a batch with one load call: Odoo creates each record and
// its external id in one transaction (or updates the record the external
// id names), so a call whose answer is lost can be sent again without
// duplicating anything. A batch Odoo refuses comes back *exporters.Refused
// for the engine to split.
func (p *pusher) Write(ctx context.Context, b exporters.Batch) (exporters.WriteResult, error) {
	t := p.tables[b.Object]
	ctx = forTable(ctx, t.obj.Table)
	if !b.DryRun {
		if err := p.pauseBeforeLeads(ctx, t.obj.Model); err != nil {
			return exporters.WriteResult{Done: map[string]int64{}}, err
		}
	}
	// New journal entries of months not written yet go alone: the first
	// of each such month, then the rest of the batch (periods.go).
	total := exporters.WriteResult{Done: map[string]int64{}}
	for {
		first, rest := p.pioneers(t, b)
		last := len(first.Items) == 0
		if last {
			first = b
		}
		leave := p.periods.enter(t.obj.Model, p.batchDates(t, first))
		res, err := p.write(ctx, t, first)
		// A month whose first entry Odoo refused is not known to hold a
		// number: the rest's entries of it go first in turn.
		leave(err == nil && len(res.Rejected) == 0)
		total = mergeResults(total, res)
		if err != nil || last {
			return total, err
		}
		b = rest
	}
}

func (p *pusher) write(ctx context.Context, t *tableData, b exporters.Batch) (exporters.WriteResult, error) {
	if mu := p.oneAtATime[t.obj.Model]; mu != nil && !b.DryRun && (t.obj.Model != leadModel || p.serialLeads()) {
		mu.Lock()
		defer mu.Unlock()
	}
	res := exporters.WriteResult{Done: map[string]int64{}}
	recs := make([]*rec, len(b.Items))
	for j, it := range b.Items {
		recs[j] = recOf(it)
	}
	// What the records point at exists by now (earlier tables, lower
	// levels): resolve it.
	if err := p.resolve(ctx, t, recs); err != nil {
		return res, err
	}
	// A keyed model's records written by create have no external id: what
	// is left of the batch, its updates, names them by their database id
	// (Prepare found them).
	byDBID := t.create != nil && !b.DryRun
	if byDBID {
		creates, updates := splitByAction(b, recs)
		if err := p.writeCreate(ctx, t, creates, &res); err != nil || len(updates) == 0 {
			return res, err
		}
		recs = updates
	}
	if t.obj.Model == moveModel && !b.DryRun && !byDBID {
		return res, p.writeMoves(ctx, t, b, recs, &res)
	}
	return res, p.load(ctx, t, recs, byDBID, nil, &res)
}

// splitByAction parts a batch's records (recs[j] is b.Items[j]'s) into
// the new ones and the updates.
func splitByAction(b exporters.Batch, recs []*rec) (creates, updates []*rec) {
	for j, it := range b.Items {
		if it.Action == audit.Create {
			creates = append(creates, recs[j])
		} else {
			updates = append(updates, recs[j])
		}
	}
	return creates, updates
}

// load sends records with one load call (byDBID: they are named by their
// database id, not their external id), with the extra columns, if any,
// appended to every row.
func (p *pusher) load(ctx context.Context, t *tableData, recs []*rec, byDBID bool, extra *loadExtra, res *exporters.WriteResult) error {
	var ok []*rec
	var rows []any
	for _, r := range recs {
		row, err := p.row(t, r)
		if err == nil && byDBID {
			row[0] = strconv.FormatInt(r.dbID, 10)
		}
		if err != nil {
			res.Rejected = append(res.Rejected, exporters.Rejection{ID: r.xid, Reason: err.Error()})
			continue
		}
		if extra != nil {
			row = append(row, extra.values(r)...)
		}
		ok = append(ok, r)
		rows = append(rows, row)
	}
	if len(ok) == 0 {
		return nil
	}
	fields := loadFields(t)
	if byDBID {
		fields[0] = ".id"
	}
	if extra != nil {
		fields = append(fields, extra.fields...)
	}
	var v any
	var err error
	for attempt := 0; ; attempt++ {
		res.Calls++
		v, err = p.c.Execute(ctx, t.obj.Model, "load", []any{anyList(fields), rows}, map[string]any{"context": loadContext})
		if err != nil || !serializationFailure(v) || attempt == maxSerializationRetries {
			break
		}
		// load turns each row's exception into a message, so Odoo's own
		// retry of a concurrent-update failure never happens: the whole
		// call was rolled back, send it again.
		if err := collisionPause(ctx, attempt); err != nil {
			return err
		}
	}
	// A refused password, missing rights or a missing model or field is
	// not the records' fault: the run stops with what to do instead of
	// splitting the batch down to single records.
	if err != nil {
		return writeFault(t.obj.Model, err)
	}
	if serr := loadStop(t.obj.Model, v, nil); serr != nil {
		return serr
	}
	answer, _ := v.(map[string]any)
	got, isList := answer["ids"].([]any)
	switch {
	case isList && len(got) == len(ok):
	case isList:
		return fmt.Errorf("load answered %d ids for %d records", len(got), len(ok))
	default:
		return &exporters.Refused{Reason: loadMessages(answer, ok)}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.trimCache()
	for j, r := range ok {
		r.dbID = num(got[j])
		p.xids[r.xid] = XIDTarget{Model: t.obj.Model, ID: r.dbID}
		res.Done[r.xid] = r.dbID
	}
	return nil
}

// Delete unlinks the records the external ids name (as rollback does: a
// recurrent event's occurrences go with it).
func (p *pusher) Delete(ctx context.Context, i int, xs []string) (map[string]bool, int, error) {
	if err := p.pauseBeforeLeads(ctx, p.tables[i].obj.Model); err != nil {
		return nil, 0, err
	}
	return deleteXIDs(ctx, p.c, p.plan, p.tables[i].obj.Model, xs)
}

func (p *pusher) Probe(ctx context.Context, table string, xids []string) (map[string]int64, error) {
	return prober{c: p.c, plan: p.plan}.Probe(ctx, table, xids)
}

// trimCache forgets the resolved external ids once there are too many to
// keep (called with p.mu held): a miss is read again.
func (p *pusher) trimCache() {
	if len(p.xids) > maxCachedXIDs {
		p.xids = map[string]XIDTarget{}
	}
}

// sample keeps opt.Sample patients and every record linked to them; it
// reads the tables' ids and references only.
func (p *pusher) sample(ctx context.Context, objects []exporters.Object) error {
	keep, err := sampleKeep(ctx, p.db, p.tables, p.opt.SampleTable, p.opt.Sample)
	if err != nil {
		return err
	}
	for i := range objects {
		objects[i].Keep = keep[objects[i].Table]
	}
	return nil
}

// sampleKeep keeps n rows of the patient table (in id order) and every
// row linked to them, worked out in the warehouse
// (exporters.SampleClosure): first downward, rows referring to a kept
// record (visits, events, notes, ...), transitively; then upward, the
// records kept rows refer to (guarantors, users, products), transitively,
// without pulling in those targets' other dependants. It returns the kept
// ids of each table.
func sampleKeep(ctx context.Context, db *sql.DB, tables []*tableData, patientTable string, n int) (map[string]map[string]bool, error) {
	var edges []exporters.SampleEdge
	for _, t := range tables {
		for _, c := range t.cols {
			if c.ref || c.name == "_res_xid" {
				edges = append(edges, exporters.SampleEdge{Table: "odoo." + warehouse.QuoteIdent(t.obj.Table), SrcTable: t.obj.Table,
					Column: warehouse.QuoteIdent(c.name), Split: true})
			}
		}
	}
	c, err := exporters.NewSampleClosure(ctx, db, edges, false)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if _, err := db.ExecContext(ctx, "INSERT INTO "+c.Keep+" SELECT CAST(id AS VARCHAR) FROM odoo."+warehouse.QuoteIdent(patientTable)+
		" WHERE id IS NOT NULL ORDER BY id LIMIT ?", n); err != nil {
		return nil, fmt.Errorf("--sample: pick patients from odoo.%s: %w", patientTable, err)
	}
	pt := warehouse.QuoteLiteral(patientTable)
	if err := c.Fix(ctx, "INSERT INTO "+c.Keep+" SELECT DISTINCT src FROM "+c.Edges+" WHERE src_tbl <> "+pt+
		" AND dst IN (SELECT k FROM "+c.Keep+") AND src NOT IN (SELECT k FROM "+c.Keep+")"); err != nil {
		return nil, err
	}
	if err := c.Fix(ctx, "INSERT INTO "+c.Keep+" SELECT DISTINCT dst FROM "+c.Edges+
		" WHERE src IN (SELECT k FROM "+c.Keep+") AND dst NOT IN (SELECT k FROM "+c.Keep+")"); err != nil {
		return nil, err
	}
	out := map[string]map[string]bool{}
	for _, t := range tables {
		ids, err := c.KeptRows(ctx, "odoo."+warehouse.QuoteIdent(t.obj.Table), warehouse.QuoteIdent("id"))
		if err != nil {
			return nil, err
		}
		out[t.obj.Table] = ids
	}
	return out, nil
}

func (p *pusher) readDirs(ctx context.Context) (err error) {
	p.dirs, err = exporters.SourceDirs(ctx, p.db)
	return err
}

func (p *pusher) fieldsOf(ctx context.Context, model string) (map[string]any, error) {
	p.mu.Lock()
	f, ok := p.fields[model]
	p.mu.Unlock()
	if ok {
		return f, nil
	}
	v, err := p.c.Execute(ctx, model, "fields_get", []any{}, map[string]any{"attributes": []any{"type", "relation"}})
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	p.mu.Lock()
	p.fields[model] = m
	p.mu.Unlock()
	return m, nil
}

// loadFields is what a table's load call sends: the import columns, then
// the values the exporter resolves itself.
func loadFields(t *tableData) []string {
	var out []string
	for j, i := range importColumns(t) {
		if j < len(t.byID) && t.byID[j] != "" {
			out = append(out, t.cols[i].field+"/.id")
			continue
		}
		out = append(out, t.cols[i].name)
	}
	if t.col("_res_xid") >= 0 {
		out = append(out, "res_id")
	}
	if t.col("_state_code") >= 0 {
		out = append(out, "state_id/.id")
	}
	if t.col("_file_path") >= 0 {
		out = append(out, "datas")
	}
	if t.obj.Model == "product.product" && t.col("taxes_id/id") < 0 {
		// Dental services carry no sales tax: an empty value clears the
		// default tax Odoo gives a new product.
		out = append(out, "taxes_id/id")
	}
	return out
}

// build turns one row into a record: values as import text, references
// kept as external ids, the payload hashed.
func (p *pusher) build(t *tableData, row []any) (*rec, error) {
	cols := importColumns(t)
	idx := t.col
	iID, iKey, iBatch, iPath, iSHA := idx("id"), idx("_source_key"), idx("_batch_id"), idx("_file_path"), idx("_file_sha256")
	iRes, iState, iCountry := idx("_res_xid"), idx("_state_code"), idx("country_id/id")
	r := &rec{refs: map[string][]string{}}
	r.xid, _ = row[iID].(string)
	if iKey >= 0 {
		r.key, _ = text(row[iKey], "", nil)
	}
	if !strings.Contains(r.xid, ".") {
		r.err = fmt.Sprintf("id %q is not an external id module.name", r.xid)
	}
	for _, i := range cols {
		c := t.cols[i]
		s, err := importText(row[i], c.dbType, time.UTC, p.opt.TimeZone)
		if err != nil {
			return r, fmt.Errorf("column %s: %w", c.name, err)
		}
		r.texts = append(r.texts, s)
		if c.ref {
			var refs []string
			for _, x := range strings.Split(s, ",") {
				if x = strings.TrimSpace(x); x != "" {
					refs = append(refs, x)
				}
			}
			r.refs[c.field] = refs
		}
	}
	if iRes >= 0 {
		r.resXID, _ = text(row[iRes], "", nil)
	}
	if iState >= 0 {
		r.state, _ = text(row[iState], "", nil)
		if iCountry >= 0 {
			r.country, _ = text(row[iCountry], "", nil)
		}
		if r.country == "" {
			r.country = "base.us"
		}
	}
	if iPath >= 0 && row[iPath] != nil {
		rel, _ := text(row[iPath], "", nil)
		var batch int64
		if iBatch >= 0 {
			batch, _ = strconv.ParseInt(fmt.Sprint(row[iBatch]), 10, 64)
		}
		dir, ok := p.dirs[batch]
		if !ok {
			r.err = fmt.Sprintf("attachment %s: load batch %d is not in meta.load_batch", rel, batch)
		}
		r.file = filepath.Join(dir, filepath.FromSlash(rel))
		if iSHA >= 0 {
			r.fileSHA, _ = text(row[iSHA], "", nil)
		}
	}
	h, err := audit.Hash(map[string]any{"texts": r.texts, "res_xid": r.resXID, "state": r.state, "file_sha256": r.fileSHA})
	if err != nil {
		return r, err
	}
	r.hash = h
	return r, nil
}

// lookupStates resolves (country, state code) pairs to res.country.state
// ids; got holds what the batch's external ids name.
func (p *pusher) lookupStates(ctx context.Context, recs []*rec, got map[string]XIDTarget) error {
	codes := map[string]bool{}
	p.mu.Lock()
	for _, r := range recs {
		if r.state != "" {
			if _, ok := p.states[r.country+"|"+r.state]; !ok {
				codes[r.state] = true
			}
		}
	}
	p.mu.Unlock()
	if len(codes) == 0 {
		return nil
	}
	countries := map[int64]string{}
	for _, r := range recs {
		if x, ok := got[r.country]; ok {
			countries[x.ID] = r.country
		} else if r.state != "" {
			if err := p.lookupIn(ctx, "", []string{r.country}, got); err != nil {
				return err
			}
			if x, ok := got[r.country]; ok {
				countries[x.ID] = r.country
			}
		}
	}
	v, err := p.c.Execute(ctx, "res.country.state", "search_read", []any{[]any{[]any{"code", "in", anyList(sortedKeys(codes))}}},
		map[string]any{"fields": []any{"code", "country_id"}})
	if err != nil {
		return fmt.Errorf("look up states: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range records(v) {
		if cx, ok := countries[refID(s["country_id"])]; ok {
			p.states[cx+"|"+str(s["code"])] = num(s["id"])
		}
	}
	return nil
}

// row renders a record as its load row, resolving res_id, the state
// and the attachment's file.
func (p *pusher) row(t *tableData, r *rec) ([]any, error) {
	out := make([]any, 0, len(r.texts)+3)
	for _, s := range r.texts {
		out = append(out, s)
	}
	for f, refs := range r.refs {
		for _, x := range refs {
			if _, ok := r.targets[x]; !ok {
				return nil, fmt.Errorf("%s/id: no record has external id %s (it was not pushed, or failed)", f, x)
			}
		}
	}
	cols := importColumns(t)
	for j, rel := range t.byID {
		if rel == "" {
			continue
		}
		// A keyed model's record goes by its database id: Odoo checks only
		// that the id exists in the relation's model, so the model is
		// checked here.
		f := t.cols[cols[j]].field
		var ids []string
		for _, x := range r.refs[f] {
			target := r.targets[x]
			if target.Model != rel {
				return nil, fmt.Errorf("%s/id: external id %s is a %s, not a %s", f, x, target.Model, rel)
			}
			ids = append(ids, strconv.FormatInt(target.ID, 10))
		}
		out[j] = strings.Join(ids, ",")
	}
	if t.col("_res_xid") >= 0 {
		res := ""
		if r.resXID != "" {
			x, ok := r.targets[r.resXID]
			if !ok {
				return nil, fmt.Errorf("res_id: no record has external id %s (it was not pushed, or failed)", r.resXID)
			}
			if i := t.col("res_model"); i >= 0 && r.texts[indexOf(importColumns(t), i)] != x.Model {
				return nil, fmt.Errorf("res_id: external id %s is a %s, but res_model is %s", r.resXID, x.Model, r.texts[indexOf(importColumns(t), i)])
			}
			if i := t.col("model"); i >= 0 && t.obj.Model == "mail.message" && r.texts[indexOf(importColumns(t), i)] != x.Model {
				return nil, fmt.Errorf("res_id: external id %s is a %s, but model is %s", r.resXID, x.Model, r.texts[indexOf(importColumns(t), i)])
			}
			res = strconv.FormatInt(x.ID, 10)
		}
		out = append(out, res)
	}
	if t.col("_state_code") >= 0 {
		st := ""
		if r.state != "" {
			p.mu.Lock()
			id, ok := p.states[r.country+"|"+r.state]
			p.mu.Unlock()
			if !ok {
				return nil, fmt.Errorf("state_id: no state with code %s in country %s", r.state, r.country)
			}
			st = strconv.FormatInt(id, 10)
		}
		out = append(out, st)
	}
	if t.col("_file_path") >= 0 {
		datas := ""
		if r.file != "" {
			b, err := os.ReadFile(r.file)
			if err != nil {
				return nil, fmt.Errorf("attachment file: %w", err)
			}
			sum := sha256.Sum256(b)
			if got := hex.EncodeToString(sum[:]); r.fileSHA != "" && !strings.EqualFold(got, r.fileSHA) {
				return nil, fmt.Errorf("attachment file %s: sha256 %s, the warehouse recorded %s (the file changed since it was loaded)", r.file, got, r.fileSHA)
			}
			datas = base64.StdEncoding.EncodeToString(b)
		}
		out = append(out, datas)
	}
	if t.obj.Model == "product.product" && t.col("taxes_id/id") < 0 {
		out = append(out, "")
	}
	return out, nil
}

func indexOf(l []int, v int) int {
	for i, x := range l {
		if x == v {
			return i
		}
	}
	return -1
}

// preImages reads the current values of the fields a batch will write.
func (p *pusher) preImages(ctx context.Context, t *tableData, items []*exporters.Item) (map[int64]string, error) {
	var fields []string
	for _, f := range loadFields(t) {
		name, _, _ := strings.Cut(f, "/")
		if name != "id" && name != "datas" && name != "taxes_id" {
			fields = append(fields, name)
		}
	}
	idl := make([]any, len(items))
	for j, it := range items {
		idl[j] = it.DBID
	}
	v, err := p.c.Execute(ctx, t.obj.Model, "read", []any{idl, anyList(fields)}, nil)
	if err != nil {
		return nil, fmt.Errorf("read values before update: %w", err)
	}
	pre := map[int64]string{}
	for _, r := range records(v) {
		b, _ := json.Marshal(r)
		pre[num(r["id"])] = string(b)
	}
	return pre, nil
}

// maxSerializationRetries bounds the resends of a load that lost a race
// with a concurrent one (two connections writing the same rows).
const maxSerializationRetries = 5

// collisionPause waits before a batch that collided with another
// transaction is sent again (a little longer each attempt).
func collisionPause(ctx context.Context, attempt int) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Duration(50*(attempt+1)) * time.Millisecond):
		return nil
	}
}

// serializationFailure: a refused load whose messages include
// PostgreSQL's concurrent-update error; nothing is wrong with the data.
func serializationFailure(v any) bool {
	res, _ := v.(map[string]any)
	if _, isList := res["ids"].([]any); isList {
		return false
	}
	msgs, _ := res["messages"].([]any)
	for _, m := range msgs {
		mm, _ := m.(map[string]any)
		if strings.Contains(str(mm["message"]), "could not serialize access due to concurrent update") {
			return true
		}
	}
	return false
}

// loadMessages joins the error messages of a refused load.
func loadMessages(res map[string]any, recs []*rec) string {
	var parts []string
	msgs, _ := res["messages"].([]any)
	for _, m := range msgs {
		mm, _ := m.(map[string]any)
		if str(mm["type"]) != "error" {
			continue
		}
		s := str(mm["message"])
		if f := str(mm["field"]); f != "" {
			s = f + ": " + s
		}
		if n := int(num(mm["record"])); len(recs) > 1 && n < len(recs) {
			s = recs[n].xid + ": " + s
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "Odoo refused the records without a message"
	}
	return strings.Join(parts, "; ")
}

// resolve finds the records t's records point at: by external id, a
// keyed model's by key, and the states.
func (p *pusher) resolve(ctx context.Context, t *tableData, recs []*rec) error {
	var want []string
	keyedWant := map[string][]string{}
	for _, r := range recs {
		for f, refs := range r.refs {
			if rel := t.keyedRel(f); rel != "" {
				keyedWant[rel] = append(keyedWant[rel], refs...)
			} else {
				want = append(want, refs...)
			}
		}
		if r.resXID != "" {
			want = append(want, r.resXID)
		}
	}
	// What the batch's external ids name is kept with its records: the
	// cache is shared by every connection and may be emptied by another
	// batch's look-up (trimCache) before this one is sent.
	got := map[string]XIDTarget{}
	if err := p.lookupIn(ctx, "", want, got); err != nil {
		return err
	}
	for _, model := range sortedKeys(keyedWant) {
		if err := p.lookupIn(ctx, model, keyedWant[model], got); err != nil {
			return err
		}
	}
	if err := p.lookupStates(ctx, recs, got); err != nil {
		return err
	}
	for _, r := range recs {
		r.targets = got
	}
	return nil
}

// lookupIn finds the records the external ids name and adds them to got:
// from the cache, or for those it does not hold, for a keyed model by
// their key, then by ir.model.data (records imported from the files); for
// keyedModel "" by ir.model.data.
func (p *pusher) lookupIn(ctx context.Context, keyedModel string, want []string, got map[string]XIDTarget) error {
	var missing []string
	seen := map[string]bool{}
	p.mu.Lock()
	for _, x := range want {
		if v, ok := p.xids[x]; ok {
			got[x] = v
		} else if !seen[x] {
			seen[x] = true
			missing = append(missing, x)
		}
	}
	p.mu.Unlock()
	if len(missing) == 0 {
		return nil
	}
	var found map[string]XIDTarget
	var err error
	if keyedModel == "" {
		found, err = p.c.resolveXIDs(ctx, missing)
	} else {
		found, _, err = resolveRecords(ctx, p.c, p.plan, keyedModel, missing)
	}
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.trimCache()
	for k, v := range found {
		p.xids[k] = v
		got[k] = v
	}
	p.mu.Unlock()
	return nil
}

// prober reads which external ids Odoo holds, for settling an interrupted run.
type prober struct {
	c    *Client
	plan *Plan
}

func (pr prober) Probe(ctx context.Context, table string, xids []string) (map[string]int64, error) {
	model := ""
	for _, o := range pr.plan.Objects {
		if "odoo."+o.Table == table {
			model = o.Model
		}
	}
	// A keyed model's records are found by their key, named or not.
	found, _, err := resolveRecords(ctx, pr.c, pr.plan, model, xids)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for x, target := range found {
		if model == "" || target.Model == model {
			out[x] = target.ID
		}
	}
	return out, nil
}

// tableKey carries, in the context of a batch's calls, the warehouse table
// the batch is from: a transport (the shapes benchmark's clock) can tell
// whose time a call is.
type tableKey struct{}

func forTable(ctx context.Context, table string) context.Context {
	return context.WithValue(ctx, tableKey{}, table)
}

// tableOf is the table whose batch a call belongs to ("" for a call of
// no batch: the schema step, settings).
func tableOf(ctx context.Context) string {
	s, _ := ctx.Value(tableKey{}).(string)
	return s
}
