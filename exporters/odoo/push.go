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

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
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
}

// Destination is the audit log's name for Odoo.
const Destination = "odoo"

// schemaTable names the schema step's entries in the audit log.
const schemaTable = "odoo.schema"

// loadContext is sent with every load: datetimes are UTC text; no
// invitation e-mails to the patients an event names; no chatter lines
// or tracking for records that are being migrated, not created by hand.
var loadContext = map[string]any{"tz": "UTC", "no_mail_to_attendees": true, "mail_create_nolog": true,
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
	states map[string]int64 // "country xid|code" → res.country.state id
	fields map[string]map[string]any
	dirs   map[int64]string
	rep    *Report
	// overlay is the unfinished push as a dry run settles it in memory.
	overlay exporters.Overlay
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
	p := &pusher{db: db, c: c, opt: opt, xids: map[string]XIDTarget{}, states: map[string]int64{}, fields: map[string]map[string]any{}, rep: &Report{DryRun: opt.DryRun}}
	// The gate, as every destination has it: a confirmed map and data
	// tests that passed on the current build (a dry run always passes).
	if err := exporters.CheckGate(ctx, db, Destination, opt.DryRun, opt.Force); err != nil {
		return p.rep, err
	}
	if !opt.DryRun && !opt.Resume {
		// Refuse before the schema step changes Odoo: audit.Start would
		// refuse too, but only after it.
		if u, err := audit.Unfinished(ctx, db, "odoo", "push"); err != nil {
			return p.rep, err
		} else if u != nil {
			return p.rep, u
		}
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
		p.rep.RunID, p.rep.Resumed = p.run.ID, p.run.Resumed
	}
	// What an interrupted run sent without an answer is settled from what
	// Odoo holds before anything is classified: a resume logs it, a dry
	// run plans with it.
	resumeRun := int64(0)
	if p.run != nil && p.run.Resumed {
		resumeRun = p.run.ID
	}
	if p.overlay, err = exporters.SettleForPush(ctx, db, Destination, opt.DryRun, resumeRun, prober{c: c, plan: plan}, opt.Progress); err != nil {
		if p.run != nil {
			_ = p.run.Finish(ctx, err)
		}
		return p.rep, err
	}
	finish := func(err error) (*Report, error) {
		if p.run != nil {
			if ferr := p.run.Finish(ctx, err); ferr != nil && err == nil {
				err = ferr
			}
		}
		return p.rep, err
	}

	// What the schema step changed is logged, with what it replaced, so
	// rollback --schema can undo exactly that (schema_evolution.go).
	if p.rep.Schema.Applied {
		if err := p.log(ctx, p.rep.Schema.auditEntries()); err != nil {
			return finish(err)
		}
	}
	for _, t := range tables {
		if err := p.pushTable(ctx, t); err != nil {
			return finish(fmt.Errorf("odoo.%s: %w", t.obj.Table, err))
		}
	}
	if opt.Sample == 0 {
		if err := p.gone(ctx, tables); err != nil {
			return finish(err)
		}
	}
	return finish(nil)
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

// loadFields is what a table's load call sends: the import columns, then
// the values the exporter resolves itself.
func loadFields(t *tableData) []string {
	var out []string
	for _, i := range importColumns(t) {
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

// build turns a table's rows into records: values as import text,
// references kept as external ids, the payload hashed.
func (p *pusher) build(ctx context.Context, t *tableData) ([]*rec, error) {
	if !p.opt.DryRun {
		fields, err := p.fieldsOf(ctx, t.obj.Model)
		if err != nil {
			return nil, err
		}
		for _, c := range t.cols {
			if c.name == "id" || strings.HasPrefix(c.name, "_") {
				continue
			}
			if _, ok := fields[c.field]; !ok {
				return nil, fmt.Errorf("column %q: %s has no field %s (build the schema step or fix the model)", c.name, t.obj.Model, c.field)
			}
		}
	}
	cols := importColumns(t)
	idx := t.col
	iID, iKey, iBatch, iPath, iSHA := idx("id"), idx("_source_key"), idx("_batch_id"), idx("_file_path"), idx("_file_sha256")
	iRes, iState, iCountry := idx("_res_xid"), idx("_state_code"), idx("country_id/id")
	out := make([]*rec, 0, len(t.rows))
	for n, row := range t.rows {
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
				return nil, fmt.Errorf("row %d (%s) column %s: %w", n+1, r.xid, c.name, err)
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
		if r.resXID != "" {
			want = append(want, r.resXID)
		}
	}
	if err := p.lookup(ctx, want); err != nil {
		return err
	}
	if err := p.lookupStates(ctx, recs); err != nil {
		return err
	}
	last, err := audit.LastHashes(ctx, p.db, Destination, "odoo."+t.obj.Table)
	if err != nil {
		return err
	}
	p.overlay.Apply("odoo."+t.obj.Table, last)
	var creates, updates []*rec
	var entries []audit.Entry
	for _, r := range recs {
		if r.err != "" {
			entries = append(entries, p.fail(t, &tr, r, r.err))
			continue
		}
		x, exists := p.xids[r.xid]
		sent, logged := last[r.xid]
		switch {
		case exists && x.Model != t.obj.Model:
			entries = append(entries, p.fail(t, &tr, r, fmt.Sprintf("external id %s already names a %s record, not a %s", r.xid, x.Model, t.obj.Model)))
		case !exists:
			creates = append(creates, r)
		case logged && sent.PayloadHash == r.hash:
			r.dbID = x.ID
			tr.Skip++
			entries = append(entries, p.entry(t, r, audit.Skip, "unchanged since last sent"))
		default:
			// Odoo holds it: sent before by this migration, or there
			// before the migration (imported from the CSV files, made by
			// another project). Either way it is an update whose values
			// before are read and logged before the write, so a rollback
			// restores them instead of deleting the record.
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
		if err := p.sendAll(ctx, t, &tr, now, false); err != nil {
			return err
		}
		pending = later
	}
	return p.sendAll(ctx, t, &tr, updates, true)
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
	return r.resXID != "" && r.resXID != r.xid && pending[r.resXID]
}

// lookupStates resolves (country, state code) pairs to res.country.state ids.
func (p *pusher) lookupStates(ctx context.Context, recs []*rec) error {
	codes := map[string]bool{}
	for _, r := range recs {
		if r.state != "" {
			if _, ok := p.states[r.country+"|"+r.state]; !ok {
				codes[r.state] = true
			}
		}
	}
	if len(codes) == 0 || p.opt.DryRun && len(p.xids) == 0 {
		return nil
	}
	countries := map[int64]string{}
	for _, r := range recs {
		if x, ok := p.xids[r.country]; ok {
			countries[x.ID] = r.country
		} else if r.state != "" {
			if err := p.lookup(ctx, []string{r.country}); err != nil {
				return err
			}
			if x, ok := p.xids[r.country]; ok {
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
		var cid int64
		if l, ok := s["country_id"].([]any); ok && len(l) > 0 {
			cid = num(l[0])
		}
		if cx, ok := countries[cid]; ok {
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
	p.mu.Lock()
	defer p.mu.Unlock()
	for f, refs := range r.refs {
		for _, x := range refs {
			if _, ok := p.xids[x]; !ok {
				return nil, fmt.Errorf("%s/id: no record has external id %s (it was not pushed, or failed)", f, x)
			}
		}
	}
	if t.col("_res_xid") >= 0 {
		res := ""
		if r.resXID != "" {
			x, ok := p.xids[r.resXID]
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
			id, ok := p.states[r.country+"|"+r.state]
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

// sendAll loads records in batches over the workers. Updates read the
// values they replace first, for the log's pre-image.
func (p *pusher) sendAll(ctx context.Context, t *tableData, tr *TableReport, recs []*rec, update bool) error {
	var batches [][]*rec
	for start := 0; start < len(recs); start += p.opt.BatchSize {
		batches = append(batches, recs[start:min(start+p.opt.BatchSize, len(recs))])
	}
	return p.parallel(ctx, len(batches), func(ctx context.Context, i int) error {
		var pre map[int64]string
		if update {
			var err error
			if pre, err = p.preImages(ctx, t, tr, batches[i]); err != nil {
				return err
			}
		}
		// Write-ahead: every record of the batch is logged as pending,
		// with the values it replaces, before Odoo can take the write.
		pend := make([]audit.Entry, len(batches[i]))
		for j, r := range batches[i] {
			pend[j] = p.entry(t, r, audit.Pending, "sent; not yet answered")
			if update {
				pend[j].PreImage = pre[r.dbID]
			}
		}
		if err := p.log(ctx, pend); err != nil {
			return err
		}
		return p.loadBatch(ctx, t, tr, batches[i], pre)
	})
}

// preImages reads the current values of the fields a batch will write.
func (p *pusher) preImages(ctx context.Context, t *tableData, tr *TableReport, recs []*rec) (map[int64]string, error) {
	var fields []string
	for _, f := range loadFields(t) {
		name, _, _ := strings.Cut(f, "/")
		if name != "id" && name != "datas" && name != "taxes_id" {
			fields = append(fields, name)
		}
	}
	idl := make([]any, len(recs))
	for j, r := range recs {
		idl[j] = r.dbID
	}
	p.count(tr)
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

// loadBatch sends records with one load call: Odoo creates each record
// and its external id in one transaction (or updates the record the
// external id names), so a call whose answer is lost can be sent again
// without duplicating anything. A batch Odoo refuses is split in halves
// until the refused records are isolated; the others go through.
func (p *pusher) loadBatch(ctx context.Context, t *tableData, tr *TableReport, recs []*rec, pre map[int64]string) error {
	var ok []*rec
	var rows []any
	var entries []audit.Entry
	for _, r := range recs {
		row, err := p.row(t, r)
		if err != nil {
			entries = append(entries, p.fail(t, tr, r, err.Error()))
			continue
		}
		ok = append(ok, r)
		rows = append(rows, row)
	}
	if err := p.log(ctx, entries); err != nil {
		return err
	}
	if len(ok) == 0 {
		return nil
	}
	fields := loadFields(t)
	var v any
	var err error
	for attempt := 0; ; attempt++ {
		p.count(tr)
		v, err = p.c.Execute(ctx, t.obj.Model, "load", []any{anyList(fields), rows}, map[string]any{"context": loadContext})
		if err != nil || !serializationFailure(v) || attempt == maxSerializationRetries {
			break
		}
		// load turns each row's exception into a message, so Odoo's own
		// retry of a concurrent-update failure never happens: the whole
		// call was rolled back, send it again.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(50*(attempt+1)) * time.Millisecond):
		}
	}
	// A refused password, missing rights or a missing model or field is
	// not the records' fault: the run stops with what to do instead of
	// splitting the batch down to single records.
	if serr := loadStop(t.obj.Model, v, err); serr != nil {
		return serr
	}
	var reason string
	switch {
	case err == nil:
		res, _ := v.(map[string]any)
		got, isList := res["ids"].([]any)
		if isList && len(got) == len(ok) {
			return p.loaded(ctx, t, tr, ok, got, pre)
		}
		reason = loadMessages(res, ok)
		if isList {
			return fmt.Errorf("load answered %d ids for %d records", len(got), len(ok))
		}
	default:
		var f *Fault
		if !errors.As(err, &f) {
			return err
		}
		reason = f.Message
	}
	if len(ok) == 1 {
		return p.log(ctx, []audit.Entry{p.fail(t, tr, ok[0], reason)})
	}
	half := len(ok) / 2
	if err := p.loadBatch(ctx, t, tr, ok[:half], pre); err != nil {
		return err
	}
	return p.loadBatch(ctx, t, tr, ok[half:], pre)
}

// maxSerializationRetries bounds the resends of a load that lost a race
// with a concurrent one (two connections writing the same rows).
const maxSerializationRetries = 5

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

// loaded records what a load did.
func (p *pusher) loaded(ctx context.Context, t *tableData, tr *TableReport, recs []*rec, got []any, pre map[int64]string) error {
	entries := make([]audit.Entry, len(recs))
	p.mu.Lock()
	for i, r := range recs {
		r.dbID = num(got[i])
		p.xids[r.xid] = XIDTarget{Model: t.obj.Model, ID: r.dbID}
		switch {
		case pre == nil:
			tr.Create++
			entries[i] = p.entry(t, r, audit.Create, "")
		default:
			tr.Update++
			entries[i] = p.entry(t, r, audit.Update, "")
			entries[i].PreImage = pre[r.dbID]
		}
	}
	p.mu.Unlock()
	return p.log(ctx, entries)
}

// gone reports, per table, the records the log says Odoo holds that the
// table no longer has; with PropagateDeletes it unlinks them, in reverse
// load order so nothing still refers to them.
func (p *pusher) gone(ctx context.Context, tables []*tableData) error {
	byTable := map[string][]audit.GoneRecord{}
	for _, t := range tables {
		g, err := audit.Gone(ctx, p.db, "odoo", "odoo", t.obj.Table, "id")
		if err != nil {
			return err
		}
		byTable[t.obj.Table] = g
	}
	for i := len(tables) - 1; i >= 0; i-- {
		t := tables[i]
		g := byTable[t.obj.Table]
		if len(g) == 0 {
			continue
		}
		tr := p.tableReport(t.obj.Table)
		tr.Gone = len(g)
		for _, x := range g {
			p.rep.Gone = append(p.rep.Gone, GoneRecord{Table: t.obj.Table, XID: x.DestID, SourceKey: x.SourceKey, Deleted: p.opt.PropagateDeletes && !p.opt.DryRun})
		}
		if !p.opt.PropagateDeletes || p.opt.DryRun {
			continue
		}
		xs := make([]string, len(g))
		for j, x := range g {
			xs[j] = x.DestID
		}
		if err := p.lookup(ctx, xs); err != nil {
			return err
		}
		var ids []any
		var entries []audit.Entry
		for _, x := range g {
			e := audit.Entry{Object: t.obj.Model, Table: "odoo." + t.obj.Table, SourceKey: x.SourceKey, DestID: x.DestID, Action: audit.Delete}
			if target, ok := p.xids[x.DestID]; ok && target.Model == t.obj.Model {
				ids = append(ids, target.ID)
				e.DestDBID = target.ID
			} else {
				e.Reason = "already gone from Odoo"
			}
			entries = append(entries, e)
		}
		if len(ids) > 0 {
			tr.Calls++
			// As rollback does: a recurrent event's occurrences go with it.
			if err := unlinkRecords(ctx, p.c, t.obj.Model, ids); err != nil {
				return fmt.Errorf("odoo.%s: delete %d records gone from the table: %w", t.obj.Table, len(ids), err)
			}
		}
		tr.Delete += len(entries)
		if err := p.log(ctx, entries); err != nil {
			return err
		}
	}
	return nil
}

func (p *pusher) tableReport(table string) *TableReport {
	for i := range p.rep.Tables {
		if p.rep.Tables[i].Table == table {
			return &p.rep.Tables[i]
		}
	}
	p.rep.Tables = append(p.rep.Tables, TableReport{Table: table})
	return &p.rep.Tables[len(p.rep.Tables)-1]
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
	found, err := pr.c.resolveXIDs(ctx, xids)
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
			if (c.ref || c.name == "_res_xid") && row[i] != nil {
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

func (p *pusher) progress(format string, a ...any) {
	if p.opt.Progress != nil {
		p.opt.Progress(fmt.Sprintf(format, a...))
	}
}
