package twenty

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
)

// Destination is the audit log's name for Twenty.
const Destination = "twenty"

// PushOptions configure Push.
type PushOptions struct {
	Client *Client
	Mapper *Mapper
	// DryRun reads the workspace and the warehouse and returns the plan;
	// nothing is written anywhere.
	DryRun bool
	// Resume continues the unfinished push recorded in the audit log.
	Resume bool
	// Sample pushes only this many patients (people) and what links to them.
	Sample int
	// Force pushes even when the twenty models' data tests failed.
	Force bool
	// AllowMissingFiles pushes even though attachments' export files are
	// missing (exporters.CheckFiles).
	AllowMissingFiles bool
	// ServerMoved says the server the audit log is of now answers at the
	// client's address (exporters.CheckTarget).
	ServerMoved bool
	// Args are recorded in the audit log (never a secret).
	Args string
	// PropagateDeletes destroys (hard delete) the records the log says
	// the destination holds but the current tables no longer have. Without
	// it they are only reported (PushReport.Gone).
	PropagateDeletes bool
	// Progress receives one line per step; nil is quiet.
	Progress func(string)
	// InFlight is how many record writes may be in flight at once when
	// load order allows (0 means 2): with two, the rate limit's next token
	// is spent while Twenty still works on the previous batch.
	InFlight int
}

// GoneObject lists the records of one table that were pushed but are no
// longer in the table (deleted or filtered out in axiUm since).
type GoneObject struct {
	Object string `json:"object"`
	Table  string `json:"table"`
	// Count is how many records are gone; Records lists the first
	// exporters.MaxGoneDetails of them (by id).
	Count   int                `json:"count"`
	Records []audit.GoneRecord `json:"records"`
	// Deleted is how many were destroyed (--propagate-deletes).
	Deleted int `json:"deleted"`
}

// ObjectCount is what a push does (or would do) to one object.
type ObjectCount struct {
	Object string `json:"object"`
	Table  string `json:"table"`
	Rows   int    `json:"rows"`
	Create int    `json:"create"`
	Update int    `json:"update"`
	Skip   int    `json:"skip"`
	Fail   int    `json:"fail"`
}

// Failure is a record that did not land, and why.
type Failure struct {
	Object    string `json:"object"`
	ID        string `json:"id"`
	SourceKey string `json:"source_key"`
	Reason    string `json:"reason"`
}

// PushReport is the plan (dry run) or the outcome of a push.
type PushReport struct {
	RunID   int64          `json:"run_id,omitempty"`
	DryRun  bool           `json:"dry_run"`
	Resumed bool           `json:"resumed"`
	Target  string         `json:"target"`
	Schema  []SchemaAction `json:"schema"`
	Objects []ObjectCount  `json:"objects"`
	// Failures lists the first exporters.MaxFailureDetails records that
	// did not land; FailuresNotListed counts the others (each is in the
	// audit log, meta.push_record, with its reason).
	Failures          []Failure    `json:"failures,omitempty"`
	FailuresNotListed int          `json:"failures_not_listed,omitempty"`
	Gone              []GoneObject `json:"gone,omitempty"`
	// Workspace is what the server stated and its data model showed.
	Workspace Workspace `json:"workspace"`
	// Members: which active axiUm users are workspace members, and whom
	// to invite.
	Members *MemberReport `json:"members,omitempty"`
	// Permissions are the objects a dry run found the key's role may not
	// read (a push would stop on them).
	Permissions []string `json:"permissions,omitempty"`
	// Calls are the record writes sent (file uploads included); ReadCalls
	// the reads (the data model, counts, pre-images, resume checks);
	// SchemaCalls the data-model changes. Retries are not counted.
	Calls       int `json:"calls"`
	ReadCalls   int `json:"read_calls"`
	SchemaCalls int `json:"schema_calls"`
	// Estimate is a dry run's expected duration of the push.
	Estimate exporters.PushEstimate `json:"estimate"`
}

// Records sums the records sent (created + updated).
func (r PushReport) Records() int {
	n := 0
	for _, o := range r.Objects {
		n += o.Create + o.Update
	}
	return n
}

// Push sends the twenty.* tables to the workspace through the push
// engine (exporters.Push): it refuses when the map was not confirmed
// (mapping.Require; a dry run passes) or the models' data tests fail
// (unless forced), creates missing custom objects and fields (a type
// conflict stops it before any record moves), then upserts records in
// load order in batches of at most 200, keyed by the models' deterministic
// ids. Attachments upload their file first (checked against its SHA-256).
// Every record is logged in the audit log; a record whose payload is
// unchanged since its last successful push is skipped. What is Twenty's
// own is the adapter below.
func Push(ctx context.Context, db *sql.DB, opt PushOptions) (PushReport, error) {
	rep := PushReport{DryRun: opt.DryRun}
	if opt.Client == nil {
		return rep, errors.New("twenty push: no client")
	}
	rep.Target = opt.Client.Target()
	progress := opt.Progress
	if progress == nil {
		progress = func(string) {}
	}
	if opt.Mapper == nil {
		m, err := NewMapper("")
		if err != nil {
			return rep, err
		}
		opt.Mapper = m
	}
	if err := exporters.BeginPush(ctx, db, exporters.Begin{Destination: Destination, Target: rep.Target,
		DryRun: opt.DryRun, Resume: opt.Resume, Force: opt.Force, AllowMissingFiles: opt.AllowMissingFiles, Moved: opt.ServerMoved}); err != nil {
		return rep, err
	}
	plan, err := ReadPlan(ctx, db)
	if err != nil {
		return rep, err
	}
	progress("reading the workspace's data model")
	ws, err := opt.Client.Objects(ctx)
	rep.ReadCalls++
	if err != nil {
		return rep, err
	}
	// What the server is and speaks: its stated version, the metadata
	// shape, how files and targets work (version.go).
	if rep.Workspace, err = opt.Client.Detect(ctx, ws); err != nil {
		return rep, err
	}
	rep.ReadCalls++
	progress(rep.Workspace.String())
	// Members join by invitation: none is written (members.go).
	plan, mem, memberReads, err := useMembers(ctx, db, opt.Client, plan, opt.Mapper)
	rep.ReadCalls += memberReads
	if err != nil {
		return rep, err
	}
	rep.Members = mem.report()
	if !opt.DryRun {
		// With a workspace admin's token, the users who have not joined
		// are invited now (invite.go); their tasks are assigned by a push
		// after they accept.
		n, err := mem.invite(ctx, opt.Client)
		rep.Calls += n
		if err != nil {
			return rep, err
		}
		if rep.Members != nil && len(rep.Members.Invited) > 0 {
			progress(fmt.Sprintf("sent %d invitations to the workspace (%s)", len(rep.Members.Invited), strings.Join(rep.Members.Invited, ", ")))
		}
	}
	actions, err := diffSchema(ctx, db, plan, ws)
	if err != nil {
		return rep, err
	}
	rep.Schema = actions
	var keep map[string]map[string]bool
	if opt.Sample > 0 {
		if keep, err = sampleIDs(ctx, db, plan, opt.Sample); err != nil {
			return rep, err
		}
	}
	a := &adapter{db: db, c: opt.Client, m: opt.Mapper, plan: plan, names: renames(plan, ws), cols: make([][]columnInfo, len(plan.Objects)),
		colNames: make([][]string, len(plan.Objects)), empty: make([]bool, len(plan.Objects))}
	if a.batchDirs, err = exporters.SourceDirs(ctx, db); err != nil {
		return rep, err
	}
	objects := a.objects(actions, keep)
	var schema func(context.Context, func([]audit.Entry) error) error
	if len(actions) > 0 {
		schema = func(ctx context.Context, log func([]audit.Entry) error) error {
			progress(fmt.Sprintf("creating %d custom objects, fields and options", len(actions)))
			n, err := applySchema(ctx, opt.Client, ws, actions, log)
			rep.SchemaCalls += n
			return err
		}
	}
	out, err := exporters.Push(ctx, db, a, objects, exporters.RunOptions{Destination: Destination, DryRun: opt.DryRun, Resume: opt.Resume,
		Sample: opt.Sample > 0, PropagateDeletes: opt.PropagateDeletes, Target: rep.Target, Args: opt.Args,
		BatchSize: MaxBatch, InFlight: opt.InFlight, Entries: mem.entries(), Schema: schema, Progress: progress,
		Pace: opt.Client.pace(memberReads)})
	rep.fill(out, plan)
	rep.Permissions = a.denied
	return rep, err
}

// fill copies what the engine did into the report.
func (rep *PushReport) fill(out exporters.Outcome, plan Plan) {
	rep.RunID, rep.Resumed = out.RunID, out.Resumed
	rep.Calls += out.Calls
	rep.ReadCalls += out.ReadCalls
	rep.Estimate = out.Estimate
	for i, o := range out.Objects {
		rep.Objects = append(rep.Objects, ObjectCount{Object: plan.Objects[i].NameSingular, Table: o.Table, Rows: o.Rows,
			Create: o.Created, Update: o.Updated, Skip: o.Skipped, Fail: o.Failed})
	}
	for _, f := range out.Refused {
		rep.Failures = append(rep.Failures, Failure{Object: f.Object, ID: f.ID, SourceKey: f.SourceKey, Reason: f.Reason})
	}
	rep.FailuresNotListed = out.NotListed
	for _, g := range out.Gone {
		gone := GoneObject{Object: g.Object, Table: g.Table, Count: g.Count, Deleted: g.Deleted}
		for _, r := range g.Records {
			gone.Records = append(gone.Records, audit.GoneRecord{DestID: r.ID, SourceKey: r.SourceKey})
		}
		rep.Gone = append(rep.Gone, gone)
	}
}

// adapter is what a push does that is Twenty's own: rows become REST
// payloads, batches go through the batch upsert, the workspace is read for
// pre-images and for the unique values its upsert matches on, attachment
// files are uploaded before their records, and deletes are destroys.
type adapter struct {
	db        *sql.DB
	c         *Client
	m         *Mapper
	plan      Plan
	names     map[string]map[string]string
	batchDirs map[int64]string
	// cols are each object's columns, as the first row read them.
	mu       sync.Mutex
	cols     [][]columnInfo
	colNames [][]string
	// empty: the object held no record at all when the push began.
	empty []bool
	// denied: what a dry run found the key's role may not read.
	denied []string
}

// objects are the plan's objects as the engine reads them: a batch waits
// for the objects its relations point at (and its table's lower
// self-reference levels), so an independent object's batches fill the
// rate limit while a dependent one waits for its targets.
func (a *adapter) objects(actions []SchemaAction, keep map[string]map[string]bool) []exporters.Object {
	index := map[string]int{}
	for i, o := range a.plan.Objects {
		index[o.NameSingular] = i
	}
	created := map[string]bool{}
	for _, act := range actions {
		if act.Kind == "create object" {
			created[act.Object] = true
		}
	}
	out := make([]exporters.Object, len(a.plan.Objects))
	for i, o := range a.plan.Objects {
		eo := exporters.Object{Name: o.NameSingular, Schema: "twenty", Table: o.Table, SelfRefs: selfRefColumns(a.plan, o),
			CreatedNow: created[o.NameSingular]}
		for _, f := range a.plan.FieldsOf(o.NameSingular) {
			if j, ok := index[f.RelationTarget]; ok && f.Type == "RELATION" && j < i {
				eo.Deps = append(eo.Deps, j)
			}
		}
		if keep != nil {
			eo.Keep = keep[o.Table]
			if eo.Keep == nil {
				eo.Keep = map[string]bool{}
			}
		}
		out[i] = eo
	}
	return out
}

func (a *adapter) Decode(i int, cts []*sql.ColumnType, vals []any) (*exporters.Item, error) {
	o := a.plan.Objects[i]
	a.mu.Lock()
	if a.cols[i] == nil {
		a.cols[i] = describeColumns(cts)
		for _, c := range cts {
			a.colNames[i] = append(a.colNames[i], c.Name())
		}
	}
	cols := a.cols[i]
	a.mu.Unlock()
	r, err := a.m.row(cols, vals)
	it := &exporters.Item{ID: r.ID, SourceKey: r.SourceKey, Data: r}
	if err != nil {
		return it, err
	}
	a.m.members.adjust(o.Table, r.Payload)
	rename(r.Payload, a.names[o.NameSingular])
	if r.ID == "" {
		it.Action, it.Reason = audit.Fail, "no id"
		return it, nil
	}
	if o.NameSingular == "attachment" {
		it.Hash, err = payloadHash(r, true)
		return it, err
	}
	// Encoded once: the bytes hashed are the bytes sent.
	if r.encoded, err = json.Marshal(r.Payload); err != nil {
		return it, fmt.Errorf("twenty: encode %s %s: %w", o.NamePlural, r.ID, err)
	}
	it.Hash, it.Data = audit.HashJSON(r.encoded), r
	return it, nil
}

func row(it *exporters.Item) Row { return it.Data.(Row) }

// Refuse: a record sharing a primary e-mail or domain with an earlier row
// of its table would be merged into it by Twenty's upsert.
func (a *adapter) Refuse(ctx context.Context, i int, items []*exporters.Item) (map[string]string, error) {
	ids := make([]string, len(items))
	for j, it := range items {
		ids[j] = it.ID
	}
	a.mu.Lock()
	cols := a.colNames[i]
	a.mu.Unlock()
	return duplicateUniques(ctx, a.db, a.plan.Objects[i], cols, ids)
}

// Begin: records the log does not know may already be in the workspace
// (created by hand, or by an earlier tool) when the object holds more
// records than the log says it sent; then every batch reads which of its
// ids exist, so their update keeps a pre-image.
func (a *adapter) Begin(ctx context.Context, i int, held int, dryRun bool) (bool, int, error) {
	total, err := a.c.Total(ctx, a.plan.Objects[i].NamePlural)
	var se *StopError
	if err != nil && dryRun && errors.As(err, &se) && se.Reason == StopPermission {
		// A dry run reports every object the key may not read, and goes on.
		a.mu.Lock()
		a.denied = append(a.denied, fmt.Sprintf("the API key's role may not read %s: give the role read and write on it in Settings > Roles",
			a.plan.Objects[i].NamePlural))
		a.mu.Unlock()
		return false, 1, nil
	}
	if err != nil {
		return false, 1, err
	}
	a.mu.Lock()
	a.empty[i] = total == 0
	a.mu.Unlock()
	return total > held, 1, nil
}

// Prepare reads the batch's pre-images, and refuses a record to create
// whose e-mail or domain another record holds: it would overwrite that
// record, which is left alone. When the object held no record at all as
// the push began (a first migration), every holder is a record of this
// push, whose values the warehouse already found unique (Refuse), so the
// read is not needed: a record made in Twenty during the push is still
// caught by the answer (OverwriteError), which stops the push.
func (a *adapter) Prepare(ctx context.Context, b exporters.Batch) (int, error) {
	o := a.plan.Objects[b.Object]
	calls, err := readPreImages(ctx, a.c, o, b.Items, b.Foreign)
	a.mu.Lock()
	empty := a.empty[b.Object]
	a.mu.Unlock()
	if err != nil || empty || o.NameSingular != "person" && o.NameSingular != "company" {
		return calls, err
	}
	var creates []*exporters.Item
	for _, it := range b.Items {
		if it.Action == audit.Create {
			creates = append(creates, it)
		}
	}
	if len(creates) == 0 {
		return calls, nil
	}
	held, n, err := heldElsewhere(ctx, a.c, o, creates)
	calls += n
	for _, it := range creates {
		if why, ok := held[it.ID]; ok {
			it.Action, it.Reason = audit.Fail, why
		}
	}
	return calls, err
}

// Upload sends an attachment batch's files; a file that cannot go fails
// its record only.
func (a *adapter) Upload(ctx context.Context, b exporters.Batch) (int, error) {
	if a.plan.Objects[b.Object].NameSingular != "attachment" {
		return 0, nil
	}
	calls := 0
	for _, it := range b.Items {
		r := row(it)
		file, err := uploadAttachment(ctx, a.c, r, a.batchDirs)
		calls += a.c.uploadCalls()
		if err != nil {
			var ae *APIError
			if errors.As(err, &ae) || errors.Is(err, errAttachmentFile) {
				it.Action, it.Reason = audit.Fail, err.Error()
				continue
			}
			return calls, err
		}
		for k, v := range file {
			r.Payload[k] = v
		}
	}
	return calls, nil
}

// Write sends one batch upsert; a batch refused for its records' sake
// comes back as *exporters.Refused, which the engine splits.
func (a *adapter) Write(ctx context.Context, b exporters.Batch) (exporters.WriteResult, error) {
	res := exporters.WriteResult{Done: map[string]int64{}}
	recs := make([]Record, len(b.Items))
	var encoded [][]byte
	for j, it := range b.Items {
		r := row(it)
		recs[j] = r.Payload
		if r.encoded != nil {
			encoded = append(encoded, r.encoded)
		}
	}
	var body []byte // nil: upsertOnce encodes recs (attachments)
	if len(encoded) == len(recs) {
		body = append(append([]byte{'['}, bytes.Join(encoded, []byte{','})...), ']')
	}
	res.Calls = 1
	if err := a.c.upsertOnce(ctx, a.plan.Objects[b.Object].NamePlural, recs, body); err != nil {
		return res, err
	}
	for _, it := range b.Items {
		res.Done[it.ID] = 0
	}
	return res, nil
}

// Delete destroys records (hard delete), at most MaxMutation a call.
func (a *adapter) Delete(ctx context.Context, i int, ids []string) (map[string]bool, int, error) {
	return a.c.DestroyMany(ctx, a.plan.Objects[i].NamePlural, ids)
}

func (a *adapter) Probe(ctx context.Context, table string, ids []string) (map[string]int64, error) {
	return prober{c: a.c, plan: a.plan}.Probe(ctx, table, ids)
}

// SchemaTables and SettleSchema settle an interrupted run's data-model
// changes (exporters.SchemaSettler).
func (a *adapter) SchemaTables() []string { return schemaTables }

func (a *adapter) SettleSchema(ctx context.Context, pending []audit.Unsettled) ([]audit.Entry, error) {
	return settleSchema(ctx, a.c, pending)
}

// readPreImages reads, before a batch is written, the destination's
// values of the records it will update (all of its records when the
// object holds records the log does not know), in one list call per 200
// ids. A record found becomes an update whose pre-image is kept; a record
// the log thought sent but the destination no longer has becomes a create.
// It returns the calls made.
func readPreImages(ctx context.Context, c *Client, o ObjectPlan, chunk []*exporters.Item, foreign bool) (int, error) {
	var ids []string
	for _, it := range chunk {
		if foreign || it.Action == audit.Update {
			ids = append(ids, it.ID)
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	found, calls, err := c.Records(ctx, o.NamePlural, ids)
	if err != nil {
		return calls, err
	}
	for _, it := range chunk {
		cur, ok := found[it.ID]
		switch {
		case ok:
			pre, err := preImage(cur, row(it).Payload, o.NameSingular == "attachment")
			if err != nil {
				return calls, fmt.Errorf("%s %s: pre-image: %w", o.NamePlural, it.ID, err)
			}
			it.Action, it.Pre = audit.Update, pre
		case it.Action == audit.Update:
			it.Action = audit.Create
		}
	}
	return calls, nil
}

// preImage keeps the destination's values of the fields the payload
// writes (null for a field the record lacks): restoring them undoes the
// update exactly, without touching what the push never wrote.
func preImage(cur, payload Record, attachment bool) (string, error) {
	out := map[string]any{}
	for k := range payload {
		if k == "id" {
			continue
		}
		out[k] = cur[k]
	}
	if attachment {
		for _, k := range uploadFields {
			if v, ok := cur[k]; ok {
				out[k] = v
			}
		}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// payloadHash is the audit hash of what is sent. An attachment's fullPath
// is assigned by the upload, so its file's checksum stands in for it.
func payloadHash(r Row, attachment bool) (string, error) {
	if !attachment {
		return audit.Hash(r.Payload)
	}
	return audit.Hash(map[string]any{"payload": r.Payload, "fileSha256": fmt.Sprint(orEmpty(r.Meta["_file_sha256"]))})
}

// uniqueKeys are the unique values Twenty's upsert matches records by.
var uniqueKeys = [][2]string{{"emails", "primaryEmail"}, {"domainName", "primaryLinkUrl"}}

// duplicateUniques finds, among a page's records, those sharing a
// primary e-mail or domain with an earlier row of the whole table (in id
// order): Twenty's upsert would merge them into one record. DuckDB
// compares the whole table; only the page's duplicates come back.
func duplicateUniques(ctx context.Context, db *sql.DB, o ObjectPlan, columns []string, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	hasSource := false
	for _, c := range columns {
		hasSource = hasSource || c == "_source_key"
	}
	for _, k := range uniqueKeys {
		col := ""
		for _, c := range columns {
			if f, sub, ok := strings.Cut(c, "__"); ok && CamelCase(f) == k[0] && SubFieldName(sub) == k[1] {
				col = c
			}
		}
		if col == "" {
			continue
		}
		src := ""
		if hasSource {
			src = "_source_key"
		}
		dups, err := exporters.Duplicates(ctx, db, "twenty", o.Table, "id", col, src, ids)
		if err != nil {
			return nil, err
		}
		for id, d := range dups {
			if _, seen := out[id]; !seen {
				out[id] = fmt.Sprintf("%s.%s %q is also on record %s (source %s): Twenty's upsert would merge the two", k[0], k[1], d.Value, d.FirstKey, d.FirstSource)
			}
		}
	}
	return out, nil
}

// selfRefColumns are the columns of an object's table that point at a
// record of the same object (a patient's assigned provider, both
// people): the table is read and sent level by level, so a record goes
// in a later batch than its target, which Twenty checks exists when the
// record is written (exporters.Pager).
func selfRefColumns(plan Plan, o ObjectPlan) []string {
	var cols []string
	for _, f := range plan.FieldsOf(o.NameSingular) {
		if f.Type == "RELATION" && f.RelationTarget == o.NameSingular {
			cols = append(cols, f.Column)
		}
	}
	return cols
}
