package odoo

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/axium2crm/axium2crm/exporters/audit"
	"github.com/axium2crm/axium2crm/exporters/mapping"
)

// PushOptions tune a push.
type PushOptions struct {
	// BatchSize is the records per create call (default 500).
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
	// Resume continues the unfinished push run.
	Resume bool
	// Sample pushes only this many patients and everything linked.
	Sample int
	// SampleTable holds the patients (default res_partner_patient).
	SampleTable string
	// Target and Args are recorded in the audit log (never a secret).
	Target, Args string
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
	Calls   int    `json:"calls"`
	Seconds string `json:"seconds,omitempty"`
}

// Failure is one record Odoo or the exporter refused, with why.
type Failure struct {
	Table  string `json:"table"`
	XID    string `json:"xid"`
	Reason string `json:"reason"`
}

// Report is what a push did, or with DryRun would do.
type Report struct {
	RunID    int64         `json:"run_id,omitempty"`
	DryRun   bool          `json:"dry_run"`
	Schema   *SchemaReport `json:"schema"`
	Tables   []TableReport `json:"tables"`
	Failures []Failure     `json:"failures,omitempty"`
}

// TestsFailedError refuses a push of data that failed its tests.
type TestsFailedError struct{ Failed []string }

func (e *TestsFailedError) Error() string {
	return fmt.Sprintf("%d data tests of the odoo models failed (%s); fix the data or pass --force", len(e.Failed), strings.Join(e.Failed, "; "))
}

// rec is one row ready to send.
type rec struct {
	xid, key string
	vals     map[string]any      // plain values
	refs     map[string][]string // field → referenced external ids
	file     string              // attachment file to send as datas
	fileSHA  string
	hash     string
	err      string // a reason the record cannot be sent
	dbID     int64
}

type pusher struct {
	db     *sql.DB
	c      *Client
	opt    PushOptions
	run    *audit.Run
	mu     sync.Mutex
	xids   map[string]XIDTarget
	fields map[string]map[string]any // model → fields_get
	dirs   map[int64]string
	rep    *Report
}

// Push sends the odoo.* tables to Odoo in load order.
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
	p := &pusher{db: db, c: c, opt: opt, xids: map[string]XIDTarget{}, fields: map[string]map[string]any{}, rep: &Report{DryRun: opt.DryRun}}
	if _, err := mapping.Require(ctx, db, "odoo"); err != nil && !opt.DryRun {
		return p.rep, err
	}
	if err := p.checkTests(ctx); err != nil && !opt.Force && !opt.DryRun {
		return p.rep, err
	}
	plan, err := ReadPlan(ctx, db)
	if err != nil {
		return p.rep, err
	}
	tables := make([]*tableData, 0, len(plan.Objects))
	for _, o := range plan.Objects {
		t, err := readTable(ctx, db, o)
		if err != nil {
			return p.rep, err
		}
		tables = append(tables, t)
	}
	if opt.TimeZone == nil {
		for _, t := range tables {
			for _, c := range t.cols {
				if c.dbType == "TIMESTAMP" || c.dbType == "TIMESTAMP_NS" || c.dbType == "TIMESTAMP_MS" || c.dbType == "TIMESTAMP_S" {
					return p.rep, fmt.Errorf("odoo.%s column %s: %w", t.obj.Table, c.name, ErrNoTimeZone)
				}
			}
		}
	}
	if opt.Sample > 0 {
		sample(tables, opt.SampleTable, opt.Sample)
	}
	if err := p.readDirs(ctx); err != nil {
		return p.rep, err
	}
	p.rep.Schema, err = EnsureSchema(ctx, c, plan, opt.DryRun)
	if err != nil {
		return p.rep, err
	}
	if !opt.DryRun {
		p.run, err = audit.Start(ctx, db, audit.RunOptions{Destination: "odoo", Mode: "push", Resume: opt.Resume, Target: opt.Target, Args: opt.Args})
		if err != nil {
			return p.rep, err
		}
		p.rep.RunID = p.run.ID
	}
	for _, t := range tables {
		if err := p.pushTable(ctx, t); err != nil {
			err = fmt.Errorf("odoo.%s: %w", t.obj.Table, err)
			if p.run != nil {
				_ = p.run.Finish(ctx, err)
			}
			return p.rep, err
		}
	}
	if p.run != nil {
		if err := p.run.Finish(ctx, nil); err != nil {
			return p.rep, err
		}
	}
	return p.rep, nil
}

func (p *pusher) progress(format string, a ...any) {
	if p.opt.Progress != nil {
		p.opt.Progress(fmt.Sprintf(format, a...))
	}
}

func (p *pusher) checkTests(ctx context.Context) error {
	rows, err := p.db.QueryContext(ctx, query("failed_tests"))
	if err != nil {
		return fmt.Errorf("read data test results: %w", err)
	}
	defer rows.Close()
	var failed []string
	for rows.Next() {
		var model, test, status string
		var n int64
		if err := rows.Scan(&model, &test, &status, &n); err != nil {
			return err
		}
		failed = append(failed, fmt.Sprintf("%s %s: %s (%d rows)", model, test, status, n))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(failed) > 0 {
		return &TestsFailedError{Failed: failed}
	}
	return nil
}

func (p *pusher) readDirs(ctx context.Context) error {
	p.dirs = map[int64]string{}
	rows, err := p.db.QueryContext(ctx, query("source_dirs"))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var dir string
		if err := rows.Scan(&id, &dir); err != nil {
			return err
		}
		p.dirs[id] = dir
	}
	return rows.Err()
}

func (p *pusher) fieldsOf(ctx context.Context, model string) (map[string]any, error) {
	if f, ok := p.fields[model]; ok {
		return f, nil
	}
	v, err := p.c.Execute(ctx, model, "fields_get", []any{}, map[string]any{"attributes": []any{"type", "relation"}})
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	p.fields[model] = m
	return m, nil
}

// build turns a table's rows into records: values converted, references
// kept as external ids, the payload hashed.
func (p *pusher) build(ctx context.Context, t *tableData) ([]*rec, error) {
	fields, err := p.fieldsOf(ctx, t.obj.Model)
	if err != nil && !(p.opt.DryRun && errors.Is(err, ErrValidation)) {
		return nil, err
	}
	if len(fields) == 0 {
		// In a dry run the custom model may not exist yet.
		fields = nil
	}
	if p.opt.DryRun {
		// Fields the schema step would create are not there yet.
		fields = nil
	}
	for _, c := range t.cols {
		if c.name == "id" || strings.HasPrefix(c.name, "_") || fields == nil {
			continue
		}
		if _, ok := fields[c.field]; !ok {
			return nil, fmt.Errorf("column %q: %s has no field %s (build the schema step or fix the model)", c.name, t.obj.Model, c.field)
		}
	}
	idx := func(n string) int { return t.col(n) }
	iID, iKey, iBatch, iPath, iSHA := idx("id"), idx("_source_key"), idx("_batch_id"), idx("_file_path"), idx("_file_sha256")
	out := make([]*rec, 0, len(t.rows))
	for _, row := range t.rows {
		r := &rec{vals: map[string]any{}, refs: map[string][]string{}}
		r.xid, _ = row[iID].(string)
		if iKey >= 0 {
			r.key, _ = text(row[iKey], "", nil)
		}
		if !strings.Contains(r.xid, ".") {
			r.err = fmt.Sprintf("id %q is not an external id module.name", r.xid)
		}
		for i, c := range t.cols {
			if i == iID || strings.HasPrefix(c.name, "_") {
				continue
			}
			if c.ref {
				s, err := text(row[i], c.dbType, nil)
				if err != nil {
					return nil, err
				}
				var refs []string
				for _, x := range strings.Split(s, ",") {
					if x = strings.TrimSpace(x); x != "" {
						refs = append(refs, x)
					}
				}
				r.refs[c.field] = refs
				continue
			}
			v, err := wireValue(row[i], c.dbType, p.opt.TimeZone)
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", c.name, err)
			}
			r.vals[c.field] = v
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
		h, err := audit.Hash(map[string]any{"vals": r.vals, "refs": r.refs, "file_sha256": r.fileSHA})
		if err != nil {
			return nil, err
		}
		r.hash = h
		out = append(out, r)
	}
	return out, nil
}

func (p *pusher) pushTable(ctx context.Context, t *tableData) error {
	start := time.Now()
	tr := TableReport{Table: t.obj.Table, Model: t.obj.Model, Rows: len(t.rows)}
	defer func() {
		tr.Seconds = fmt.Sprintf("%.2f", time.Since(start).Seconds())
		p.rep.Tables = append(p.rep.Tables, tr)
	}()
	if len(t.rows) == 0 {
		return nil
	}
	recs, err := p.build(ctx, t)
	if err != nil {
		return err
	}
	// What exists already: each record's own external id and everything referenced.
	var want []string
	for _, r := range recs {
		if r.err == "" {
			want = append(want, r.xid)
		}
		for _, refs := range r.refs {
			want = append(want, refs...)
		}
	}
	if err := p.lookup(ctx, want); err != nil {
		return err
	}
	last := map[string]audit.Sent{}
	if !p.opt.DryRun {
		if last, err = audit.LastHashes(ctx, p.db, "odoo", "odoo."+t.obj.Table); err != nil {
			return err
		}
	}
	var creates, updates []*rec
	var entries []audit.Entry
	for _, r := range recs {
		if r.err != "" {
			entries = append(entries, p.fail(t, &tr, r, r.err))
			continue
		}
		x, exists := p.xids[r.xid]
		switch {
		case exists && x.Model != t.obj.Model:
			entries = append(entries, p.fail(t, &tr, r, fmt.Sprintf("external id %s already names a %s record, not a %s", r.xid, x.Model, t.obj.Model)))
		case !exists:
			creates = append(creates, r)
		case last[r.xid].PayloadHash == r.hash:
			r.dbID = x.ID
			tr.Skip++
			entries = append(entries, p.entry(t, r, audit.Skip, "unchanged since last sent"))
		default:
			r.dbID = x.ID
			updates = append(updates, r)
		}
	}
	if err := p.log(ctx, entries); err != nil {
		return err
	}
	p.progress("%s: %d rows, %d to create, %d to update, %d unchanged", t.obj.Table, len(recs), len(creates), len(updates), tr.Skip)
	if p.opt.DryRun {
		tr.Create, tr.Update = len(creates), len(updates)
		return nil
	}
	// Rows referring to rows of the same table go in later waves, once
	// their targets exist.
	pending := creates
	for len(pending) > 0 {
		var now, later []*rec
		inFlight := make(map[string]bool, len(pending))
		for _, r := range pending {
			inFlight[r.xid] = true
		}
		for _, r := range pending {
			if p.waiting(r, inFlight) {
				later = append(later, r)
			} else {
				now = append(now, r)
			}
		}
		if len(now) == 0 {
			now, later = later, nil // a cycle: let references fail with their reason
		}
		if err := p.createAll(ctx, t, &tr, now); err != nil {
			return err
		}
		pending = later
	}
	return p.updateAll(ctx, t, &tr, updates)
}

// waiting: r refers to an external id another pending record will create.
func (p *pusher) waiting(r *rec, pending map[string]bool) bool {
	for _, refs := range r.refs {
		for _, x := range refs {
			if x != r.xid && pending[x] {
				return true
			}
		}
	}
	return false
}

func (p *pusher) lookup(ctx context.Context, want []string) error {
	var missing []string
	seen := map[string]bool{}
	p.mu.Lock()
	for _, x := range want {
		if _, ok := p.xids[x]; !ok && !seen[x] {
			seen[x] = true
			missing = append(missing, x)
		}
	}
	p.mu.Unlock()
	if len(missing) == 0 {
		return nil
	}
	found, err := p.c.resolveXIDs(ctx, missing)
	if err != nil {
		return err
	}
	p.mu.Lock()
	for k, v := range found {
		p.xids[k] = v
	}
	p.mu.Unlock()
	return nil
}

// payload resolves a record's references and reads its file.
func (p *pusher) payload(ctx context.Context, model string, r *rec) (map[string]any, error) {
	fields, err := p.fieldsOf(ctx, model)
	if err != nil {
		return nil, err
	}
	vals := make(map[string]any, len(r.vals)+len(r.refs)+1)
	for k, v := range r.vals {
		vals[k] = v
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for f, refs := range r.refs {
		fd, _ := fields[f].(map[string]any)
		typ, relation := str(fd["type"]), str(fd["relation"])
		var dbids []any
		for _, x := range refs {
			t, ok := p.xids[x]
			if !ok {
				return nil, fmt.Errorf("%s/id: no record has external id %s (it was not pushed, or failed)", f, x)
			}
			if relation != "" && t.Model != relation {
				return nil, fmt.Errorf("%s/id: external id %s is a %s, not a %s", f, x, t.Model, relation)
			}
			if f == "res_id" {
				if rm, ok := r.vals["res_model"].(string); ok && rm != t.Model {
					return nil, fmt.Errorf("res_id/id: external id %s is a %s, but res_model is %s", x, t.Model, rm)
				}
			}
			dbids = append(dbids, t.ID)
		}
		switch {
		case typ == "many2many" || typ == "one2many":
			if dbids == nil {
				dbids = []any{}
			}
			vals[f] = []any{[]any{int64(6), int64(0), dbids}}
		case len(dbids) == 0:
			vals[f] = false
		case len(dbids) > 1:
			return nil, fmt.Errorf("%s/id: %d external ids for a single reference", f, len(dbids))
		default:
			vals[f] = dbids[0]
		}
	}
	if r.file != "" {
		b, err := os.ReadFile(r.file)
		if err != nil {
			return nil, fmt.Errorf("attachment file: %w", err)
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); r.fileSHA != "" && !strings.EqualFold(got, r.fileSHA) {
			return nil, fmt.Errorf("attachment file %s: sha256 %s, the warehouse recorded %s (the file changed since it was loaded)", r.file, got, r.fileSHA)
		}
		vals["datas"] = base64.StdEncoding.EncodeToString(b)
	}
	return vals, nil
}

// createAll sends new records in batches over the workers.
func (p *pusher) createAll(ctx context.Context, t *tableData, tr *TableReport, recs []*rec) error {
	var batches [][]*rec
	for start := 0; start < len(recs); start += p.opt.BatchSize {
		batches = append(batches, recs[start:min(start+p.opt.BatchSize, len(recs))])
	}
	return p.parallel(ctx, len(batches), func(ctx context.Context, i int) error {
		return p.createBatch(ctx, t, tr, batches[i])
	})
}

// parallel runs n jobs on the workers; the first error stops the rest.
func (p *pusher) parallel(ctx context.Context, n int, job func(context.Context, int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for w := 0; w < p.opt.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := job(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// createBatch creates records with one call, binds their external ids
// with a second, and logs them. A record Odoo refuses is isolated by
// splitting the batch in halves; the others go through.
func (p *pusher) createBatch(ctx context.Context, t *tableData, tr *TableReport, recs []*rec) error {
	var ok []*rec
	var vals []any
	var entries []audit.Entry
	for _, r := range recs {
		v, err := p.payload(ctx, t.obj.Model, r)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			entries = append(entries, p.fail(t, tr, r, err.Error()))
			continue
		}
		ok = append(ok, r)
		vals = append(vals, v)
	}
	if err := p.log(ctx, entries); err != nil {
		return err
	}
	if len(ok) == 0 {
		return nil
	}
	p.count(tr)
	v, err := p.c.Execute(ctx, t.obj.Model, "create", []any{vals}, nil)
	if err == nil {
		got := ids(v)
		if len(got) != len(ok) {
			return fmt.Errorf("create answered %d ids for %d records", len(got), len(ok))
		}
		for i, r := range ok {
			r.dbID = got[i]
		}
		err = p.bind(ctx, t, tr, ok)
		if err == nil {
			return nil
		}
	}
	var f *Fault
	if !errors.As(err, &f) {
		return err
	}
	if len(ok) == 1 {
		return p.log(ctx, []audit.Entry{p.fail(t, tr, ok[0], f.Message)})
	}
	half := len(ok) / 2
	if err := p.createBatch(ctx, t, tr, ok[:half]); err != nil {
		return err
	}
	return p.createBatch(ctx, t, tr, ok[half:])
}

// bind creates the ir.model.data rows naming new records, then logs them.
// If Odoo refuses the binding, the just-created records are removed so no
// record exists without its external id.
func (p *pusher) bind(ctx context.Context, t *tableData, tr *TableReport, recs []*rec) error {
	data := make([]any, len(recs))
	created := make([]any, len(recs))
	for i, r := range recs {
		mod, name, _ := strings.Cut(r.xid, ".")
		data[i] = map[string]any{"module": mod, "name": name, "model": t.obj.Model, "res_id": r.dbID, "noupdate": false}
		created[i] = r.dbID
	}
	p.count(tr)
	if _, err := p.c.Execute(ctx, "ir.model.data", "create", []any{data}, nil); err != nil {
		var f *Fault
		if errors.As(err, &f) {
			p.count(tr)
			if _, uerr := p.c.Execute(ctx, t.obj.Model, "unlink", []any{created}, nil); uerr != nil {
				return fmt.Errorf("%w (and removing the unbound records failed: %v)", err, uerr)
			}
		}
		return err
	}
	p.mu.Lock()
	for _, r := range recs {
		p.xids[r.xid] = XIDTarget{Model: t.obj.Model, ID: r.dbID}
	}
	tr.Create += len(recs)
	p.mu.Unlock()
	entries := make([]audit.Entry, len(recs))
	for i, r := range recs {
		entries[i] = p.entry(t, r, audit.Create, "")
	}
	return p.log(ctx, entries)
}

// updateAll writes changed records one call each (write applies one set
// of values), keeping the values they had before.
func (p *pusher) updateAll(ctx context.Context, t *tableData, tr *TableReport, recs []*rec) error {
	var batches [][]*rec
	for start := 0; start < len(recs); start += p.opt.BatchSize {
		batches = append(batches, recs[start:min(start+p.opt.BatchSize, len(recs))])
	}
	return p.parallel(ctx, len(batches), func(ctx context.Context, i int) error {
		batch := batches[i]
		fieldSet := map[string]bool{}
		for _, r := range batch {
			for k := range r.vals {
				fieldSet[k] = true
			}
			for k := range r.refs {
				fieldSet[k] = true
			}
		}
		delete(fieldSet, "datas")
		idl := make([]any, len(batch))
		for j, r := range batch {
			idl[j] = r.dbID
		}
		p.count(tr)
		v, err := p.c.Execute(ctx, t.obj.Model, "read", []any{idl, anyList(sortedKeys(fieldSet))}, nil)
		if err != nil {
			return fmt.Errorf("read values before update: %w", err)
		}
		pre := map[int64]string{}
		for _, r := range records(v) {
			b, _ := json.Marshal(r)
			pre[num(r["id"])] = string(b)
		}
		for _, r := range batch {
			vals, err := p.payload(ctx, t.obj.Model, r)
			if err == nil {
				p.count(tr)
				_, err = p.c.Execute(ctx, t.obj.Model, "write", []any{[]any{r.dbID}, vals}, nil)
			}
			var f *Fault
			switch {
			case err == nil:
				e := p.entry(t, r, audit.Update, "")
				e.PreImage = pre[r.dbID]
				p.mu.Lock()
				tr.Update++
				p.mu.Unlock()
				err = p.log(ctx, []audit.Entry{e})
			case errors.As(err, &f):
				err = p.log(ctx, []audit.Entry{p.fail(t, tr, r, f.Message)})
			case ctx.Err() == nil && !isTransport(err):
				err = p.log(ctx, []audit.Entry{p.fail(t, tr, r, err.Error())})
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func isTransport(err error) bool {
	var te *TransportError
	return errors.As(err, &te)
}

func (p *pusher) count(tr *TableReport) {
	p.mu.Lock()
	tr.Calls++
	p.mu.Unlock()
}

func (p *pusher) entry(t *tableData, r *rec, action, reason string) audit.Entry {
	return audit.Entry{Object: t.obj.Model, Table: "odoo." + t.obj.Table, SourceKey: r.key, DestID: r.xid, DestDBID: r.dbID,
		Action: action, Reason: reason, PayloadHash: r.hash}
}

func (p *pusher) fail(t *tableData, tr *TableReport, r *rec, reason string) audit.Entry {
	p.mu.Lock()
	tr.Fail++
	p.rep.Failures = append(p.rep.Failures, Failure{Table: t.obj.Table, XID: r.xid, Reason: reason})
	p.mu.Unlock()
	e := p.entry(t, r, audit.Fail, reason)
	e.PayloadHash = ""
	return e
}

func (p *pusher) log(ctx context.Context, entries []audit.Entry) error {
	if p.run == nil || len(entries) == 0 {
		return nil
	}
	// Logged even while cancelling: Odoo already holds these records.
	return p.run.Log(context.WithoutCancel(ctx), entries)
}

// sample keeps n rows of the patient table and every row linked to them:
// rows referring to a kept row (visits, events, notes, ...), transitively,
// and the rows those refer to (guarantors, users, products).
func sample(tables []*tableData, patientTable string, n int) {
	keep := map[string]bool{}
	for _, t := range tables {
		if t.obj.Table == patientTable {
			i := t.col("id")
			for j := 0; j < len(t.rows) && j < n; j++ {
				keep[fmt.Sprint(t.rows[j][i])] = true
			}
		}
	}
	refsOf := func(t *tableData, row []any) []string {
		var out []string
		for i, c := range t.cols {
			if c.ref && row[i] != nil {
				for _, x := range strings.Split(fmt.Sprint(row[i]), ",") {
					out = append(out, strings.TrimSpace(x))
				}
			}
		}
		return out
	}
	// Downward: anything referring to a kept record.
	for changed := true; changed; {
		changed = false
		for _, t := range tables {
			id := t.col("id")
			for _, row := range t.rows {
				x := fmt.Sprint(row[id])
				if keep[x] {
					continue
				}
				for _, r := range refsOf(t, row) {
					if keep[r] && t.obj.Table != patientTable {
						keep[x], changed = true, true
						break
					}
				}
			}
		}
	}
	// Upward: what kept records refer to, transitively, without pulling
	// in those targets' other dependants.
	for changed := true; changed; {
		changed = false
		for _, t := range tables {
			id := t.col("id")
			for _, row := range t.rows {
				if !keep[fmt.Sprint(row[id])] {
					continue
				}
				for _, r := range refsOf(t, row) {
					if !keep[r] {
						keep[r], changed = true, true
					}
				}
			}
		}
	}
	for _, t := range tables {
		id := t.col("id")
		kept := t.rows[:0]
		for _, row := range t.rows {
			if keep[fmt.Sprint(row[id])] {
				kept = append(kept, row)
			}
		}
		t.rows = kept
	}
	sort.SliceStable(tables, func(i, j int) bool { return tables[i].obj.LoadOrder < tables[j].obj.LoadOrder })
}
