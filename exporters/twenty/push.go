package twenty

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

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
	Object  string             `json:"object"`
	Table   string             `json:"table"`
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
	RunID    int64          `json:"run_id,omitempty"`
	DryRun   bool           `json:"dry_run"`
	Resumed  bool           `json:"resumed"`
	Target   string         `json:"target"`
	Schema   []SchemaAction `json:"schema"`
	Objects  []ObjectCount  `json:"objects"`
	Failures []Failure      `json:"failures,omitempty"`
	Gone     []GoneObject   `json:"gone,omitempty"`
	// Calls are the record writes sent (file uploads included); ReadCalls
	// the reads (the data model, counts, pre-images, resume checks);
	// SchemaCalls the data-model changes. Retries are not counted.
	Calls       int `json:"calls"`
	ReadCalls   int `json:"read_calls"`
	SchemaCalls int `json:"schema_calls"`
}

// Records sums the records sent (created + updated).
func (r PushReport) Records() int {
	n := 0
	for _, o := range r.Objects {
		n += o.Create + o.Update
	}
	return n
}

// pending is a row with its payload hash and planned action.
type pending struct {
	row    Row
	hash   string
	action string
	reason string
	// pre is the destination's record before an update (JSON of the
	// fields the push writes), for rollback.
	pre string
}

// Push sends the twenty.* tables to the workspace: it refuses when the
// map was not confirmed (mapping.Require; a dry run passes) or the
// models' data tests fail (unless forced), creates missing custom objects
// and fields (a type conflict stops it before any record moves), then
// upserts records in load order in batches of at most 200, keyed by the
// models' deterministic ids. Attachments upload their file first (checked
// against its SHA-256). Every record is logged in the audit log; a record
// whose payload is unchanged since its last successful push is skipped.
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
	// The gate, as every destination has it: a person confirmed exactly
	// this map and the data tests passed on the current build. A dry run
	// is how they review the map and the plan, so it passes.
	if err := exporters.CheckGate(ctx, db, Destination, opt.DryRun, opt.Force); err != nil {
		return rep, err
	}
	if !opt.DryRun && !opt.Resume {
		// Refuse before touching the workspace when an earlier push is unfinished.
		if u, err := audit.Unfinished(ctx, db, Destination, "push"); err != nil {
			return rep, err
		} else if u != nil {
			return rep, u
		}
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
	actions, err := diffSchema(ctx, db, plan, ws)
	if err != nil {
		return rep, err
	}
	rep.Schema = actions
	names := renames(plan, ws)
	var keep map[string]map[string]bool
	if opt.Sample > 0 {
		if keep, err = sampleIDs(ctx, db, plan, opt.Sample); err != nil {
			return rep, err
		}
	}
	batchDirs, err := readBatchDirs(ctx, db)
	if err != nil {
		return rep, err
	}

	// Each table is read and classified in load order. A dry run does it
	// all before returning its plan; a real run does it while the data
	// model is created and the earlier tables are sent, so the rate
	// limit's tokens are not left unused while DuckDB works. A table that
	// cannot be read then stops the run half-way: it is resumed once the
	// table is fixed.
	var overlay exporters.Overlay // an unfinished push, settled (see below)
	work := make([][]*pending, len(plan.Objects))
	held := make([]int, len(plan.Objects))
	gones := make([]*GoneObject, len(plan.Objects))
	rep.Objects = make([]ObjectCount, len(plan.Objects))
	classify := func(ctx context.Context, i int) error {
		o := plan.Objects[i]
		var k map[string]bool
		if keep != nil {
			k = keep[o.Table]
			if k == nil {
				k = map[string]bool{}
			}
		}
		rows, err := opt.Mapper.ReadTable(ctx, db, o.Table, k)
		if err != nil {
			return err
		}
		for _, r := range rows {
			rename(r.Payload, names[o.NameSingular])
		}
		last, err := audit.LastHashes(ctx, db, Destination, o.QualifiedTable())
		if err != nil {
			return err
		}
		overlay.Apply(o.QualifiedTable(), last)
		held[i] = len(last)
		dups := duplicateUniques(rows)
		count := ObjectCount{Object: o.NameSingular, Table: o.QualifiedTable(), Rows: len(rows)}
		for _, r := range rows {
			p := &pending{row: r}
			if r.ID == "" {
				p.action, p.reason = audit.Fail, "no id"
			} else if why, dup := dups[r.ID]; dup {
				p.action, p.reason = audit.Fail, why
			} else {
				if p.hash, err = payloadHash(r, o.NameSingular == "attachment"); err != nil {
					return fmt.Errorf("%s %s: %w", o.QualifiedTable(), r.ID, err)
				}
				prev, sent := last[r.ID]
				switch {
				case sent && prev.PayloadHash == p.hash:
					p.action, p.reason = audit.Skip, "unchanged since the last push"
				case sent:
					p.action = audit.Update
				default:
					p.action = audit.Create
				}
			}
			work[i] = append(work[i], p)
			switch p.action {
			case audit.Create:
				count.Create++
			case audit.Update:
				count.Update++
			case audit.Skip:
				count.Skip++
			case audit.Fail:
				count.Fail++
			}
		}
		rep.Objects[i] = count
		if opt.Sample == 0 {
			gone, err := audit.Gone(ctx, db, Destination, "twenty", o.Table, "id")
			if err != nil {
				return err
			}
			if len(gone) > 0 {
				gones[i] = &GoneObject{Object: o.NameSingular, Table: o.QualifiedTable(), Records: gone}
			}
		}
		return nil
	}
	collectGone := func() {
		for _, g := range gones {
			if g != nil {
				rep.Gone = append(rep.Gone, *g)
			}
		}
	}
	if opt.DryRun {
		// The plan sees an unfinished push as its resume will: settled
		// from what the workspace holds.
		if overlay, err = exporters.SettleForPush(ctx, db, Destination, true, 0, prober{c: opt.Client, plan: plan}, progress); err != nil {
			return rep, err
		}
		for i := range plan.Objects {
			if err := classify(ctx, i); err != nil {
				return rep, err
			}
		}
		collectGone()
		return rep, nil
	}

	run, err := audit.Start(ctx, db, audit.RunOptions{Destination: Destination, Mode: "push", Target: rep.Target, Args: opt.Args, Resume: opt.Resume})
	if err != nil {
		return rep, err
	}
	rep.RunID, rep.Resumed = run.ID, run.Resumed
	if run.Resumed {
		// What the interrupted attempt sent without an answer is settled
		// from what the workspace holds before anything is classified.
		if overlay, err = exporters.SettleForPush(ctx, db, Destination, false, run.ID, prober{c: opt.Client, plan: plan}, progress); err != nil {
			return rep, errors.Join(err, run.Finish(ctx, err))
		}
	}
	// ready[i] is closed once table i is classified; the classifier stops
	// at the first error, which the push then returns.
	ready := make([]chan struct{}, len(plan.Objects))
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	cctx, stop := context.WithCancel(ctx)
	var classifyErr error
	classified := make(chan struct{})
	go func() {
		defer close(classified)
		for i := range plan.Objects {
			if classifyErr = classify(cctx, i); classifyErr != nil {
				return
			}
			close(ready[i])
		}
	}()
	waitTable := func(i int) error {
		select {
		case <-ready[i]:
			return nil
		case <-classified:
			select {
			case <-ready[i]:
				return nil
			default:
				return classifyErr
			}
		}
	}
	err = push(ctx, db, opt, plan, ws, actions, work, held, waitTable, collectGone, batchDirs, run, &rep, progress)
	stop()
	<-classified
	if ferr := run.Finish(ctx, err); ferr != nil && err == nil {
		err = ferr
	}
	return rep, err
}

func entry(o ObjectPlan, p *pending, action, reason string) audit.Entry {
	e := audit.Entry{Object: o.NameSingular, Table: o.QualifiedTable(), SourceKey: p.row.SourceKey,
		DestID: p.row.ID, Action: action, Reason: reason, PayloadHash: p.hash}
	if action == audit.Update {
		e.PreImage = p.pre
	}
	return e
}

// readPreImages reads, before a batch is written, the destination's
// values of the records it will update (all of its records when the
// object holds records the log does not know), in one list call per 200
// ids. A record found becomes an update whose pre-image is kept; a record
// the log thought sent but the destination no longer has becomes a create.
// It returns the calls made.
func readPreImages(ctx context.Context, c *Client, o ObjectPlan, chunk []*pending, foreign bool) (int, error) {
	var ids []string
	for _, p := range chunk {
		if foreign || p.action == audit.Update {
			ids = append(ids, p.row.ID)
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	found, calls, err := c.Records(ctx, o.NamePlural, ids)
	if err != nil {
		return calls, err
	}
	for _, p := range chunk {
		cur, ok := found[p.row.ID]
		switch {
		case ok:
			pre, err := preImage(cur, p.row.Payload, o.NameSingular == "attachment")
			if err != nil {
				return calls, fmt.Errorf("%s %s: pre-image: %w", o.NamePlural, p.row.ID, err)
			}
			p.action, p.pre = audit.Update, pre
		case p.action == audit.Update:
			p.action = audit.Create
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
		out["fullPath"] = cur["fullPath"]
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

// duplicateUniques finds rows sharing a primary email or domain with an
// earlier row: Twenty's upsert would merge them into one record.
func duplicateUniques(rows []Row) map[string]string {
	out := map[string]string{}
	for _, k := range uniqueKeys {
		first := map[string]Row{}
		for _, r := range rows {
			m, _ := r.Payload[k[0]].(map[string]any)
			v, _ := m[k[1]].(string)
			v = strings.ToLower(strings.TrimSpace(v))
			if v == "" {
				continue
			}
			if f, seen := first[v]; seen {
				out[r.ID] = fmt.Sprintf("%s.%s %q is also on record %s (source %s): Twenty's upsert would merge the two", k[0], k[1], v, f.ID, f.SourceKey)
				continue
			}
			first[v] = r
		}
	}
	return out
}

// selfLevels orders an object's records so a record that points at another
// record of the same object (a patient's assigned provider, both people)
// is sent in a later batch than its target: Twenty checks the target
// exists when the record is written. Level 0 references no record of the
// batch set; level n references records of levels below n. Records in a
// reference cycle go last, where Twenty refuses them with its message.
func selfLevels(plan Plan, o ObjectPlan, send []*pending) [][]*pending {
	var keys []string
	for _, f := range plan.FieldsOf(o.NameSingular) {
		if f.Type == "RELATION" && f.RelationTarget == o.NameSingular {
			keys = append(keys, f.RelationName()+"Id")
		}
	}
	if len(keys) == 0 {
		return [][]*pending{send}
	}
	inSet := map[string]*pending{}
	for _, p := range send {
		inSet[p.row.ID] = p
	}
	level := map[string]int{}
	var depth func(p *pending, seen map[string]bool) int
	depth = func(p *pending, seen map[string]bool) int {
		if d, ok := level[p.row.ID]; ok {
			return d
		}
		if seen[p.row.ID] {
			return len(send) // a cycle
		}
		seen[p.row.ID] = true
		d := 0
		for _, k := range keys {
			ref, _ := p.row.Payload[k].(string)
			if t, ok := inSet[ref]; ok && ref != p.row.ID {
				d = max(d, depth(t, seen)+1)
			}
		}
		level[p.row.ID] = d
		return d
	}
	var out [][]*pending
	cycle := []*pending{}
	for _, p := range send {
		d := depth(p, map[string]bool{})
		if d >= len(send) {
			cycle = append(cycle, p)
			continue
		}
		for len(out) <= d {
			out = append(out, nil)
		}
		out[d] = append(out[d], p)
	}
	if len(cycle) > 0 {
		out = append(out, cycle)
	}
	return out
}
