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
	// What the server is and speaks: its stated version, the metadata
	// shape, how files and targets work (version.go).
	if rep.Workspace, err = opt.Client.Detect(ctx, ws); err != nil {
		return rep, err
	}
	rep.ReadCalls++
	progress(rep.Workspace.String())
	// Members join by invitation: none is written (members.go).
	plan, mem, n, err := useMembers(ctx, db, opt.Client, plan, opt.Mapper)
	rep.ReadCalls += n
	if err != nil {
		return rep, err
	}
	rep.Members = mem.report()
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

	// The tables are read in load order, a page at a time, and each page
	// is classified against the log's view of its records only. A dry run
	// counts the pages and drops them; a real run hands each page to the
	// engine while the next is read, so the rate limit's tokens are not
	// left unused while DuckDB works, and at most a few pages are held at
	// once. A table that cannot be read stops the run half-way: it is
	// resumed once the table is fixed.
	var overlay exporters.Overlay // an unfinished push, settled (see below)
	gones := make([]*GoneObject, len(plan.Objects))
	rep.Objects = make([]ObjectCount, len(plan.Objects))
	for i, o := range plan.Objects {
		rep.Objects[i] = ObjectCount{Object: o.NameSingular, Table: o.QualifiedTable()}
	}
	produce := func(ctx context.Context, out func(tablePage) error) error {
		for i, o := range plan.Objects {
			var k map[string]bool
			if keep != nil {
				k = keep[o.Table]
				if k == nil {
					k = map[string]bool{}
				}
			}
			if err := readTable(ctx, db, opt.Mapper, plan, i, o, k, names[o.NameSingular], overlay, out); err != nil {
				return err
			}
			if opt.Sample == 0 {
				g, err := goneOf(ctx, db, o)
				if err != nil {
					return err
				}
				gones[i] = g
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
		err := produce(ctx, func(pg tablePage) error {
			c := &rep.Objects[pg.table]
			c.Rows += pg.rows
			for _, p := range pg.items {
				switch p.action {
				case audit.Create:
					c.Create++
				case audit.Update:
					c.Update++
				case audit.Skip:
					c.Skip++
				case audit.Fail:
					c.Fail++
				}
			}
			return nil
		})
		if err != nil {
			return rep, err
		}
		collectGone()
		return rep, nil
	}

	run, err := audit.Start(ctx, db, audit.RunOptions{Destination: Destination, Mode: "push", Target: rep.Target, Args: opt.Args, Resume: opt.Resume})
	if err != nil {
		return rep, err
	}
	rep.RunID, rep.Resumed = run.ID, run.Resumed
	if err := run.Log(ctx, mem.entries()); err != nil {
		return rep, errors.Join(err, run.Finish(ctx, err))
	}
	if run.Resumed {
		// What the interrupted attempt sent without an answer is settled
		// from what the workspace holds before anything is classified.
		if overlay, err = exporters.SettleForPush(ctx, db, Destination, false, run.ID, prober{c: opt.Client, plan: plan}, progress); err != nil {
			return rep, errors.Join(err, run.Finish(ctx, err))
		}
	}
	// The reader runs ahead of the engine by at most pagesAhead pages; it
	// stops at the first error, which the push then returns.
	pages := make(chan tablePage, pagesAhead)
	cctx, stop := context.WithCancel(ctx)
	var produceErr error
	go func() {
		defer close(pages)
		produceErr = produce(cctx, func(pg tablePage) error {
			select {
			case pages <- pg:
				return nil
			case <-cctx.Done():
				return cctx.Err()
			}
		})
	}()
	next := func() (tablePage, bool, error) {
		pg, ok := <-pages
		if !ok && produceErr != nil && ctx.Err() == nil {
			return pg, false, produceErr
		}
		return pg, ok, nil
	}
	err = push(ctx, db, opt, plan, ws, actions, next, collectGone, batchDirs, run, &rep, progress)
	stop()
	for range pages {
	}
	if ferr := run.Finish(ctx, err); ferr != nil && err == nil {
		err = ferr
	}
	return rep, err
}

// pagesAhead is how many classified pages the reader may hold before the
// engine takes them.
const pagesAhead = 2

// tablePage is one page of a table, classified.
type tablePage struct {
	table int
	// level is the self-reference level of the page's records.
	level int64
	// rows is how many rows of the table the page covers (before a sample
	// filtered them).
	rows int
	// held is how many records of the table the log says the workspace
	// holds.
	held  int
	items []*pending
}

// readTable reads one table page by page, classifies each page's rows
// (new, changed, unchanged, refused) and hands it to out.
func readTable(ctx context.Context, db *sql.DB, m *Mapper, plan Plan, i int, o ObjectPlan, keep map[string]bool, names map[string]string,
	overlay exporters.Overlay, out func(tablePage) error) error {
	held, err := audit.HeldCount(ctx, db, Destination, o.QualifiedTable())
	if err != nil {
		return err
	}
	pager, err := exporters.NewPager(ctx, db, "twenty", o.Table, "id", selfRefColumns(plan, o), 0)
	if err != nil {
		return err
	}
	defer pager.Close()
	for {
		pg, ok, err := m.ReadPage(ctx, pager, o.Table, keep)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		items, err := classify(ctx, db, o, pg, names, overlay)
		if err != nil {
			return err
		}
		if err := out(tablePage{table: i, level: pg.Level, rows: pg.Read, held: held, items: items}); err != nil {
			return err
		}
	}
}

// classify decides each row of a page: refused (no id, or a unique value
// an earlier row of the table holds), unchanged since its last push,
// changed, or new. The log is read for the page's records only.
func classify(ctx context.Context, db *sql.DB, o ObjectPlan, pg Page, names map[string]string, overlay exporters.Overlay) ([]*pending, error) {
	ids := make([]string, 0, len(pg.Rows))
	for _, r := range pg.Rows {
		rename(r.Payload, names)
		if r.ID != "" {
			ids = append(ids, r.ID)
		}
	}
	last, err := audit.LastHashesOf(ctx, db, Destination, o.QualifiedTable(), ids)
	if err != nil {
		return nil, err
	}
	overlay.Apply(o.QualifiedTable(), last)
	dups, err := duplicateUniques(ctx, db, o, pg.Columns, ids)
	if err != nil {
		return nil, err
	}
	items := make([]*pending, 0, len(pg.Rows))
	for _, r := range pg.Rows {
		p := &pending{row: r}
		if r.ID == "" {
			p.action, p.reason = audit.Fail, "no id"
		} else if why, dup := dups[r.ID]; dup {
			p.action, p.reason = audit.Fail, why
		} else {
			if p.hash, err = payloadHash(r, o.NameSingular == "attachment"); err != nil {
				return nil, fmt.Errorf("%s %s: %w", o.QualifiedTable(), r.ID, err)
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
		items = append(items, p)
	}
	return items, nil
}

// goneOf lists (at most exporters.MaxGoneDetails of) the records of one
// table that the log says the workspace holds and the table no longer
// has, with their count.
func goneOf(ctx context.Context, db *sql.DB, o ObjectPlan) (*GoneObject, error) {
	var g *GoneObject
	after := ""
	for {
		page, err := audit.GonePage(ctx, db, Destination, "twenty", o.Table, "id", after, exporters.DefaultPageRows)
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			return g, nil
		}
		if g == nil {
			g = &GoneObject{Object: o.NameSingular, Table: o.QualifiedTable()}
		}
		g.Count += len(page)
		if room := exporters.MaxGoneDetails - len(g.Records); room > 0 {
			g.Records = append(g.Records, page[:min(room, len(page))]...)
		}
		after = page[len(page)-1].DestID
	}
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
