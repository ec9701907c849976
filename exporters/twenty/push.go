package twenty

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/axium2crm/axium2crm/exporters/audit"
	"github.com/axium2crm/axium2crm/exporters/mapping"
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
	// Calls are the record writes sent; ReadCalls the reads before them
	// (counts, pre-images); SchemaCalls the data-model calls.
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

// TestsFailedError refuses a push while data tests of the twenty models
// fail (or were never run).
type TestsFailedError struct {
	Failed []string
}

func (e *TestsFailedError) Error() string {
	if len(e.Failed) == 0 {
		return "the twenty models have no data test results: run `axium2crm test` first (or push with --force)"
	}
	return fmt.Sprintf("%d data tests of the twenty models fail (%s): fix the data or push with --force",
		len(e.Failed), strings.Join(e.Failed, ", "))
}

// CheckTests refuses when a twenty model's latest data test did not pass
// or when none ran.
func CheckTests(ctx context.Context, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, query("tested_models")).Scan(&n); err != nil {
		return fmt.Errorf("read data test results: %w", err)
	}
	if n == 0 {
		return &TestsFailedError{}
	}
	rows, err := db.QueryContext(ctx, query("failed_tests"))
	if err != nil {
		return fmt.Errorf("read data test results: %w", err)
	}
	defer rows.Close()
	var failed []string
	for rows.Next() {
		var model, test, status string
		var count int64
		if err := rows.Scan(&model, &test, &status, &count); err != nil {
			return err
		}
		failed = append(failed, fmt.Sprintf("%s %s: %s", model, test, status))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(failed) > 0 {
		return &TestsFailedError{Failed: failed}
	}
	return nil
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
	// The map gate: a person must have confirmed exactly this map before
	// any record moves. A dry run is how they review it, so it passes.
	if _, err := mapping.Require(ctx, db, Destination); err != nil && !opt.DryRun {
		return rep, err
	}
	if !opt.Force {
		if err := CheckTests(ctx, db); err != nil {
			return rep, err
		}
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

	// Read and classify every table before anything is written: the plan
	// of a dry run and the work of a real run are the same.
	work := make([][]*pending, len(plan.Objects))
	held := make([]int, len(plan.Objects))
	for i, o := range plan.Objects {
		var k map[string]bool
		if keep != nil {
			k = keep[o.Table]
			if k == nil {
				k = map[string]bool{}
			}
		}
		rows, err := opt.Mapper.ReadTable(ctx, db, o.Table, k)
		if err != nil {
			return rep, err
		}
		for _, r := range rows {
			rename(r.Payload, names[o.NameSingular])
		}
		last, err := audit.LastHashes(ctx, db, Destination, o.QualifiedTable())
		if err != nil {
			return rep, err
		}
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
					return rep, fmt.Errorf("%s %s: %w", o.QualifiedTable(), r.ID, err)
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
		rep.Objects = append(rep.Objects, count)
		if opt.Sample == 0 {
			gone, err := audit.Gone(ctx, db, Destination, "twenty", o.Table, "id")
			if err != nil {
				return rep, err
			}
			if len(gone) > 0 {
				rep.Gone = append(rep.Gone, GoneObject{Object: o.NameSingular, Table: o.QualifiedTable(), Records: gone})
			}
		}
	}
	if opt.DryRun {
		return rep, nil
	}

	run, err := audit.Start(ctx, db, audit.RunOptions{Destination: Destination, Mode: "push", Target: rep.Target, Args: opt.Args, Resume: opt.Resume})
	if err != nil {
		return rep, err
	}
	rep.RunID, rep.Resumed = run.ID, run.Resumed
	err = push(ctx, db, opt, plan, actions, work, held, batchDirs, run, &rep, progress)
	if ferr := run.Finish(ctx, err); ferr != nil && err == nil {
		err = ferr
	}
	return rep, err
}

func push(ctx context.Context, db *sql.DB, opt PushOptions, plan Plan, actions []SchemaAction, work [][]*pending, held []int,
	batchDirs map[int64]string, run *audit.Run, rep *PushReport, progress func(string)) error {
	if len(actions) > 0 {
		progress(fmt.Sprintf("creating %d custom objects, fields and options", len(actions)))
		logCreated := func(table, name, id string) error {
			return run.Log(ctx, []audit.Entry{{Object: name, Table: table, DestID: id, Action: audit.Create,
				Reason: "data model change made by the push"}})
		}
		if _, err := applySchema(ctx, opt.Client, actions, logCreated); err != nil {
			return err
		}
	}
	for i, o := range plan.Objects {
		count := &rep.Objects[i]
		*count = ObjectCount{Object: count.Object, Table: count.Table, Rows: count.Rows}
		var entries []audit.Entry
		var send []*pending
		for _, p := range work[i] {
			switch p.action {
			case audit.Skip, audit.Fail:
				entries = append(entries, entry(o, p, p.action, p.reason))
				if p.action == audit.Skip {
					count.Skip++
				} else {
					count.Fail++
					rep.Failures = append(rep.Failures, Failure{o.NameSingular, p.row.ID, p.row.SourceKey, p.reason})
				}
			default:
				send = append(send, p)
			}
		}
		if err := run.Log(ctx, entries); err != nil {
			return err
		}
		if run.Resumed {
			var err error
			if send, err = settleInterrupted(ctx, opt.Client, o, send, run, count); err != nil {
				return err
			}
		}
		if len(send) == 0 {
			continue
		}
		// Records the log does not know may already be at the destination
		// (created by hand, or by an earlier tool): when the object holds
		// more records than the log says it sent, every batch first reads
		// which of its ids exist, so their update keeps a pre-image.
		total, err := opt.Client.Total(ctx, o.NamePlural)
		rep.ReadCalls++
		if err != nil {
			return err
		}
		foreign := total > held[i]
		progress(fmt.Sprintf("pushing %d %s", len(send), o.NamePlural))
		for _, level := range selfLevels(plan, o, send) {
			for start := 0; start < len(level); start += MaxBatch {
				chunk := level[start:min(start+MaxBatch, len(level))]
				if err := pushChunk(ctx, opt.Client, o, chunk, foreign, batchDirs, run, rep, count); err != nil {
					return err
				}
			}
		}
	}
	if opt.PropagateDeletes {
		return propagateDeletes(ctx, opt.Client, plan, run, rep, progress)
	}
	return nil
}

// propagateDeletes destroys the records gone from the tables, children
// first (reverse load order), logging each as deleted once Twenty
// acknowledged it.
func propagateDeletes(ctx context.Context, c *Client, plan Plan, run *audit.Run, rep *PushReport, progress func(string)) error {
	for i := len(rep.Gone) - 1; i >= 0; i-- {
		g := &rep.Gone[i]
		o, ok := plan.Object(g.Object)
		if !ok {
			continue
		}
		progress(fmt.Sprintf("destroying %d %s gone from %s", len(g.Records), o.NamePlural, g.Table))
		for _, r := range g.Records {
			found, err := c.Destroy(ctx, o.NamePlural, r.DestID)
			rep.Calls++
			if err != nil {
				return err
			}
			reason := "gone from " + g.Table + " since the last push (--propagate-deletes)"
			if !found {
				reason += "; already absent at the destination"
			}
			if err := run.Log(ctx, []audit.Entry{{Object: o.NameSingular, Table: g.Table, SourceKey: r.SourceKey,
				DestID: r.DestID, Action: audit.Delete, Reason: reason}}); err != nil {
				return err
			}
			g.Deleted++
		}
	}
	return nil
}

// settleInterrupted handles the records of a resumed run that the log
// does not hold: if the destination has them, the interrupted run sent
// them before it could log them, so they are logged now and not sent again.
func settleInterrupted(ctx context.Context, c *Client, o ObjectPlan, send []*pending, run *audit.Run, count *ObjectCount) ([]*pending, error) {
	var unknown []string
	for _, p := range send {
		if p.action == audit.Create {
			unknown = append(unknown, p.row.ID)
		}
	}
	if len(unknown) == 0 {
		return send, nil
	}
	exists, err := c.Existing(ctx, o.NamePlural, unknown)
	if err != nil {
		return nil, err
	}
	var rest []*pending
	var entries []audit.Entry
	for _, p := range send {
		if p.action == audit.Create && exists[p.row.ID] {
			entries = append(entries, entry(o, p, audit.Create, "sent by the interrupted run; found at the destination, not sent again"))
			count.Create++
			continue
		}
		rest = append(rest, p)
	}
	return rest, run.Log(ctx, entries)
}

func pushChunk(ctx context.Context, c *Client, o ObjectPlan, chunk []*pending, foreign bool, batchDirs map[int64]string,
	run *audit.Run, rep *PushReport, count *ObjectCount) error {
	if err := readPreImages(ctx, c, o, chunk, foreign, rep); err != nil {
		return err
	}
	var entries []audit.Entry
	fail := func(p *pending, reason string) {
		entries = append(entries, entry(o, p, audit.Fail, reason))
		count.Fail++
		rep.Failures = append(rep.Failures, Failure{o.NameSingular, p.row.ID, p.row.SourceKey, reason})
	}
	byID := map[string]*pending{}
	var records []Record
	for _, p := range chunk {
		if o.NameSingular == "attachment" {
			path, err := uploadAttachment(ctx, c, p.row, batchDirs)
			if err != nil {
				var ae *APIError
				if errors.As(err, &ae) || errors.Is(err, errAttachmentFile) {
					fail(p, err.Error())
					continue
				}
				return errors.Join(err, run.Log(ctx, entries))
			}
			p.row.Payload["fullPath"] = path
		}
		byID[p.row.ID] = p
		records = append(records, p.row.Payload)
	}
	res, err := c.Upsert(ctx, o.NamePlural, records)
	rep.Calls += res.Calls
	for _, id := range res.OK {
		p := byID[id]
		entries = append(entries, entry(o, p, p.action, ""))
		if p.action == audit.Create {
			count.Create++
		} else {
			count.Update++
		}
	}
	for _, rj := range res.Rejected {
		fail(byID[rj.ID], rj.Reason)
	}
	// What Twenty acknowledged is logged even when the run stops here.
	return errors.Join(err, run.Log(ctx, entries))
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
func readPreImages(ctx context.Context, c *Client, o ObjectPlan, chunk []*pending, foreign bool, rep *PushReport) error {
	var ids []string
	for _, p := range chunk {
		if foreign || p.action == audit.Update {
			ids = append(ids, p.row.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	found, calls, err := c.Records(ctx, o.NamePlural, ids)
	rep.ReadCalls += calls
	if err != nil {
		return err
	}
	for _, p := range chunk {
		cur, ok := found[p.row.ID]
		switch {
		case ok:
			pre, err := preImage(cur, p.row.Payload, o.NameSingular == "attachment")
			if err != nil {
				return fmt.Errorf("%s %s: pre-image: %w", o.NamePlural, p.row.ID, err)
			}
			p.action, p.pre = audit.Update, pre
		case p.action == audit.Update:
			p.action = audit.Create
		}
	}
	return nil
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

var errAttachmentFile = errors.New("attachment file")

// uploadAttachment reads the row's file from its load batch's export
// directory, checks its SHA-256 and uploads it.
func uploadAttachment(ctx context.Context, c *Client, r Row, batchDirs map[int64]string) (string, error) {
	rel := fmt.Sprint(orEmpty(r.Meta["_file_path"]))
	if rel == "" {
		return "", fmt.Errorf("%w: no _file_path", errAttachmentFile)
	}
	batch, _ := r.Meta["_batch_id"].(int64)
	if b32, ok := r.Meta["_batch_id"].(int32); ok {
		batch = int64(b32)
	}
	dir, ok := batchDirs[batch]
	if !ok {
		return "", fmt.Errorf("%w: load batch %d is not in meta.load_batch", errAttachmentFile, batch)
	}
	clean := filepath.Clean(filepath.FromSlash(rel))
	if filepath.IsAbs(clean) || strings.HasPrefix(clean, "..") {
		return "", fmt.Errorf("%w: _file_path %q leaves the export directory", errAttachmentFile, rel)
	}
	path := filepath.Join(dir, clean)
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%w: %v", errAttachmentFile, err)
	}
	sum := sha256.Sum256(data)
	if want := fmt.Sprint(orEmpty(r.Meta["_file_sha256"])); want != "" && !strings.EqualFold(want, hex.EncodeToString(sum[:])) {
		return "", fmt.Errorf("%w: %s has SHA-256 %s, the export recorded %s", errAttachmentFile, path, hex.EncodeToString(sum[:]), want)
	}
	return c.Upload(ctx, filepath.Base(path), data)
}

func readBatchDirs(ctx context.Context, db *sql.DB) (map[int64]string, error) {
	rows, err := db.QueryContext(ctx, query("batch_dirs"))
	if err != nil {
		return nil, fmt.Errorf("read meta.load_batch: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var dir string
		if err := rows.Scan(&id, &dir); err != nil {
			return nil, err
		}
		out[id] = dir
	}
	return out, rows.Err()
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
