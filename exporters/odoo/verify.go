package odoo

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
)

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// TimeZone is the clinic's zone the push converted naive timestamps from.
	TimeZone *time.Location
	// Sample checks only a stratified sample of about this many records
	// (exporters.AllocateSample: every table, every record type in
	// proportion, at least one each), shown side by side for a person to
	// review.
	Sample int
	// Counts only compares each model's count of axium external ids with
	// its tables' rows.
	Counts bool
	// Examples is how many mismatched fields to keep per table (default 5).
	Examples int
	// BatchSize is the ids per read call (default: a page, 2,000).
	BatchSize int
	// Target and Args are recorded in the audit log (never a secret).
	Target, Args string
}

// FieldDiff is one field whose value in Odoo differs from the table's: an
// exporters.FieldDiff whose id is named xid (the --json shape).
type FieldDiff struct {
	XID         string `json:"xid"`
	SourceKey   string `json:"source_key"`
	Field       string `json:"field"`
	Source      string `json:"source"`
	Destination string `json:"destination"`
}

// TableVerify is what verify found for one odoo.* table.
type TableVerify struct {
	Table    string `json:"table"`
	Model    string `json:"model"`
	Expected int    `json:"expected"`
	Found    int    `json:"found"`
	Missing  int    `json:"missing"`
	// Extra are records bound to an axium external id (or key) of this
	// model that no table holds (added in Odoo, or left by an earlier
	// push), and second records carrying a key another record carries.
	Extra int `json:"extra"`
	// Mismatched counts records with at least one differing field.
	Mismatched  int         `json:"mismatched"`
	MissingXIDs []string    `json:"missing_xids,omitempty"`
	ExtraXIDs   []string    `json:"extra_xids,omitempty"`
	Differences []FieldDiff `json:"differences,omitempty"`
}

// SideBySide is one record of the --sample report.
type SideBySide struct {
	Table     string                `json:"table"`
	XID       string                `json:"xid"`
	SourceKey string                `json:"source_key"`
	Found     bool                  `json:"found"`
	Fields    []exporters.FieldPair `json:"fields"`
}

// VerifyReport is the outcome of Verify.
type VerifyReport struct {
	RunID   int64         `json:"run_id"`
	PushRun int64         `json:"push_run"`
	Target  string        `json:"target"`
	Tables  []TableVerify `json:"tables"`
	Sample  []SideBySide  `json:"sample,omitempty"`
	// Mode is exporters.VerifyFull, VerifyCounts or VerifySample.
	Mode string `json:"mode"`
	// Counts are, model by model (its tables named together), the rows
	// and Odoo's count of the model's axium external ids, taken before any
	// record is read, and the records compared.
	Counts    []exporters.ObjectCount `json:"counts"`
	ReadCalls int                     `json:"read_calls"`
}

// Differences counts missing, extra and mismatched records.
func (r *VerifyReport) Differences() int {
	n := 0
	for _, t := range r.Tables {
		n += t.Missing + t.Extra + t.Mismatched
	}
	return n
}

// ErrNothingPushed: verify needs a finished push to compare with.
var ErrNothingPushed = fmt.Errorf("odoo verify: %w to Odoo (meta.push_run has no finished push)", exporters.ErrNothingPushed)

// Verify first counts each pushed model's axium external ids in Odoo
// (one search_count a model) next to its tables' rows; with Counts that
// is all it does. Then it reads the pushed records back, every one or a
// stratified Sample, and compares them field by field with the current
// odoo.* tables. A page of a table (2,000 rows, in id order) costs one
// ir.model.data search_read that turns its external ids into database ids
// and one read of its records. The records bound to an axium id that no
// table holds are looked for (a paged ir.model.data search_read) only for
// the models whose count says there are some. What Odoo legitimately changes is
// normalized away (see sameValue). The run is logged in meta.push_run
// (mode verify), each difference as a fail entry.
func Verify(ctx context.Context, db *sql.DB, c *Client, opt VerifyOptions) (*VerifyReport, error) {
	if opt.Examples <= 0 {
		opt.Examples = 5
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = verifyPageRows
		if verifyByIDs {
			opt.BatchSize = max(1, verifyPageRows/4) // 500 a call in pages of 2,000
		}
	}
	rep := &VerifyReport{Target: opt.Target}
	err := db.QueryRowContext(ctx, query("last_push")).Scan(&rep.PushRun)
	if errors.Is(err, sql.ErrNoRows) {
		return rep, ErrNothingPushed
	}
	if err != nil {
		return rep, fmt.Errorf("read meta.push_run: %w", err)
	}
	plan, err := ReadPlan(ctx, db)
	if err != nil {
		return rep, err
	}
	v := &verifier{db: db, c: c, plan: plan, opt: opt, rep: rep, fields: map[string]map[string]fieldInfo{},
		looked: map[string]bool{}, otherOf: map[string][]string{}, codes: map[string]bool{},
		states: map[string]int64{}, stateCode: map[int64]string{}, goneModels: map[string]bool{}, first: map[string]string{},
		resolved: map[string]int{}, countOf: map[string]int{}}
	for _, o := range plan.Objects {
		t, err := describeTable(ctx, db, o)
		if err != nil {
			return rep, err
		}
		if opt.TimeZone == nil {
			for _, col := range t.cols {
				if strings.HasPrefix(col.dbType, "TIMESTAMP") && !strings.Contains(col.dbType, "TIME ZONE") {
					return rep, fmt.Errorf("odoo.%s column %s: %w", o.Table, col.name, ErrNoTimeZone)
				}
			}
		}
		v.tables = append(v.tables, t)
	}
	run, err := audit.Start(ctx, db, audit.RunOptions{Destination: "odoo", Mode: "verify", Target: opt.Target, Args: opt.Args, ParentRun: rep.PushRun})
	if err != nil {
		return rep, err
	}
	rep.RunID = run.ID
	v.run = run
	err = v.verify(ctx)
	if ferr := run.Finish(ctx, err); ferr != nil && err == nil {
		err = ferr
	}
	return rep, err
}

// fieldInfo is what fields_get says of a field.
type fieldInfo struct {
	Type, Relation string
}

// verifyPageRows is how many rows of a table verify holds at a time; a
// test lowers it to show that paging changes nothing.
var verifyPageRows = exporters.DefaultPageRows

// verifier reads each table a page at a time and Odoo's records of that
// page only, so what it holds does not grow with the table: one page of
// rows and records with the external ids they name, the report's bounded
// lists (exporters.MaxFailureDetails ids a list; the counts cover all, the
// audit log holds every difference), and a few caches whose size does not
// depend on the tables (the model fields, the load directories, and the
// external ids of Odoo's own records the tables refer to, kept as ids).
type verifier struct {
	db     *sql.DB
	c      *Client
	plan   *Plan
	opt    VerifyOptions
	rep    *VerifyReport
	run    *audit.Run
	tables []*tableData // columns only: rows are read a page at a time
	dirs   map[int64]string
	fields map[string]map[string]fieldInfo
	// pageXIDs lists the axium external ids of "model,id" for the records
	// one page refers to: a record may have several, and references
	// compare by external id.
	pageXIDs map[string][]string
	// looked are the external ids of Odoo's own records (base.us,
	// base.group_user, mail.mt_note, ...) looked up so far, and otherOf
	// those found, by "model,id". They are what the tables refer to
	// outside the migration: a handful, whatever the size of the tables.
	looked  map[string]bool
	otherOf map[string][]string
	// codes are the state codes looked up so far.
	codes     map[string]bool
	states    map[string]int64 // "country xid|code" → res.country.state id
	stateCode map[int64]string
	// goneModels are pushed models Odoo no longer has (a custom model
	// removed): every row of theirs is missing, and nothing is extra.
	goneModels map[string]bool
	// first is each table's first external id, to attribute extras.
	first map[string]string
	// resolved counts, by model, the rows whose external id names a
	// record of the model: when Odoo counts no more, nothing is extra.
	resolved map[string]int
	// countOf is a model's index in rep.Counts.
	countOf map[string]int
}

// verifyByIDs makes a full verify read as it did before counts: external
// ids 1,000 a call, records 500 a call, and every axium external id read
// again to look for extras. A test compares calls with it.
var verifyByIDs = false

func dbKey(model string, id int64) string { return model + "," + strconv.FormatInt(id, 10) }

func (v *verifier) verify(ctx context.Context) error {
	var err error
	if v.dirs, err = exporters.SourceDirs(ctx, v.db); err != nil {
		return err
	}
	if !verifyByIDs {
		if err := v.count(ctx); err != nil {
			return err
		}
	}
	switch {
	case v.opt.Counts:
		v.rep.Mode = exporters.VerifyCounts
		return v.countsOnly(ctx)
	case v.opt.Sample > 0:
		v.rep.Mode = exporters.VerifySample
		return v.sample(ctx)
	}
	v.rep.Mode = exporters.VerifyFull
	for _, t := range v.tables {
		tv, err := v.verifyTable(ctx, t, "odoo", t.obj.Table, 0)
		if err != nil {
			return fmt.Errorf("odoo.%s: %w", t.obj.Table, err)
		}
		v.rep.Tables = append(v.rep.Tables, tv)
		if i, ok := v.countOf[t.obj.Model]; ok {
			v.rep.Counts[i].Checked += tv.Expected
		}
	}
	return v.extras(ctx)
}

// count takes each pushed model's count of axium external ids in Odoo,
// one call a model, and its tables' rows.
func (v *verifier) count(ctx context.Context) error {
	for _, t := range v.tables {
		rows, err := exporters.RowCount(ctx, v.db, "odoo", t.obj.Table)
		if err != nil {
			return err
		}
		i, ok := v.countOf[t.obj.Model]
		if !ok {
			// A keyed model's records are counted by their key.
			count := v.c.xidCount
			if v.plan.keyed(t.obj.Model) {
				count = v.c.keyCount
			}
			n, err := count(ctx, t.obj.Model)
			v.rep.ReadCalls++
			if err != nil {
				return err
			}
			i = len(v.rep.Counts)
			v.countOf[t.obj.Model] = i
			v.rep.Counts = append(v.rep.Counts, exporters.ObjectCount{Object: t.obj.Model, Destination: n})
		}
		c := &v.rep.Counts[i]
		if c.Table != "" {
			c.Table += ", "
		}
		c.Table += "odoo." + t.obj.Table
		c.Rows += rows
	}
	return nil
}

// countedBy says what makes a record of model count as the migration's.
func (v *verifier) countedBy(model string) string {
	if v.plan.keyed(model) {
		return "a " + createKey
	}
	return "an axium external id"
}

// countsOnly judges by the counts alone, model by model: fewer external
// ids in Odoo than rows are missing records, more are extra.
func (v *verifier) countsOnly(ctx context.Context) error {
	var entries []audit.Entry
	for _, c := range v.rep.Counts {
		ov := c.CountsOnly()
		v.rep.Tables = append(v.rep.Tables, TableVerify{Table: c.Table, Model: c.Object, Expected: ov.Expected, Found: ov.Found,
			Missing: ov.Missing, Extra: ov.Extra})
		if ov.Missing+ov.Extra > 0 {
			entries = append(entries, audit.Entry{Object: c.Object, Table: c.Table, Action: audit.Fail,
				Reason: fmt.Sprintf("verify: Odoo counts %d records of %s with %s, %s have %d rows", c.Destination, c.Object, v.countedBy(c.Object), c.Table, c.Rows)})
		}
	}
	return v.run.Log(ctx, entries)
}

// sample compares a stratified sample of every table's rows, each shown
// side by side; it looks for no extra record (the counts do).
func (v *verifier) sample(ctx context.Context) error {
	strata := make([][]exporters.Stratum, len(v.tables))
	for i, t := range v.tables {
		st, err := exporters.Strata(ctx, v.db, "odoo", t.obj.Table)
		if err != nil {
			return err
		}
		strata[i] = st
	}
	exporters.AllocateSample(v.opt.Sample, strata)
	for i, t := range v.tables {
		name, err := exporters.SampleTable(ctx, v.db, "odoo", t.obj.Table, "id", strata[i])
		if err == nil {
			var tv TableVerify
			tv, err = v.verifyTable(ctx, t, "temp", name, math.MaxInt)
			v.rep.Tables = append(v.rep.Tables, tv)
			v.rep.Counts[v.countOf[t.obj.Model]].Checked += tv.Expected
		}
		if derr := exporters.DropSample(v.db, name); err == nil {
			err = derr
		}
		if err != nil {
			return fmt.Errorf("odoo.%s: %w", t.obj.Table, err)
		}
	}
	return nil
}

// lookupPage finds the records a page of rows names by external id: its
// own (returned) and those its references name that are not the
// migration's (cached in looked and otherOf), and the states it names.
func (v *verifier) lookupPage(ctx context.Context, t *tableData, rows [][]any) (map[string]XIDTarget, error) {
	iID := t.col("id")
	own := make([]string, 0, len(rows))
	for _, row := range rows {
		if x := str(row[iID]); strings.HasPrefix(x, "axium.") {
			own = append(own, x) // the migration's external ids are module axium's
		}
	}
	targets := map[string]XIDTarget{}
	if len(own) > 0 {
		var found map[string]XIDTarget
		var err error
		if v.plan.keyed(t.obj.Model) {
			// By key, then by external id what the key did not find.
			found, err = v.c.keyPage(ctx, t.obj.Model, own)
			v.rep.ReadCalls++
			var rest []string
			for _, x := range own {
				if _, ok := found[x]; !ok && err == nil {
					rest = append(rest, x)
				}
			}
			if len(rest) > 0 {
				var named map[string]XIDTarget
				named, err = v.c.xidPage(ctx, rest)
				v.rep.ReadCalls++
				maps.Copy(found, named)
			}
		} else if verifyByIDs {
			// 1,000 a call in pages of 2,000, as resolveXIDs asks.
			found = map[string]XIDTarget{}
			chunk := max(1, verifyPageRows/2)
			for start := 0; start < len(own) && err == nil; start += chunk {
				var part map[string]XIDTarget
				part, err = v.c.xidPage(ctx, own[start:min(start+chunk, len(own))])
				v.rep.ReadCalls++
				maps.Copy(found, part)
			}
		} else {
			found, err = v.c.xidPage(ctx, own)
			v.rep.ReadCalls++
		}
		if err != nil {
			return nil, err
		}
		for x, target := range found {
			if !v.goneModels[target.Model] {
				targets[x] = target
				if target.Model == t.obj.Model {
					v.resolved[target.Model]++
				}
			}
		}
	}
	if err := v.resolveOtherRefs(ctx, t, rows); err != nil {
		return nil, err
	}
	return targets, nil
}

// resolveOtherRefs looks up the references of a page of rows to Odoo's
// own records (base.us, base.group_user, mail.mt_note, ...) and the
// states, those not looked up for an earlier page.
func (v *verifier) resolveOtherRefs(ctx context.Context, t *tableData, rows [][]any) error {
	want := map[string]bool{}
	codes := map[string]bool{}
	iState, iCountry := t.col("_state_code"), t.col("country_id/id")
	for _, row := range rows {
		for i, col := range t.cols {
			if !col.ref && col.name != "_res_xid" {
				continue
			}
			for _, x := range splitRefs(str(row[i])) {
				if !strings.HasPrefix(x, "axium.") && !v.looked[x] {
					want[x] = true
				}
			}
		}
		if iState >= 0 && str(row[iState]) != "" {
			if !v.codes[str(row[iState])] {
				codes[str(row[iState])] = true
			}
			country := "base.us"
			if iCountry >= 0 && str(row[iCountry]) != "" {
				country = str(row[iCountry])
			}
			if !v.looked[country] {
				want[country] = true
			}
		}
	}
	if len(want) > 0 {
		found, err := v.c.resolveXIDs(ctx, sortedKeys(want))
		v.rep.ReadCalls++
		if err != nil {
			return err
		}
		for x := range want {
			v.looked[x] = true
		}
		for x, t := range found {
			k := dbKey(t.Model, t.ID)
			v.otherOf[k] = append(v.otherOf[k], x)
		}
	}
	if len(codes) == 0 {
		return nil
	}
	res, err := v.c.Execute(ctx, "res.country.state", "search_read", []any{[]any{[]any{"code", "in", anyList(sortedKeys(codes))}}},
		map[string]any{"fields": []any{"code", "country_id"}})
	v.rep.ReadCalls++
	if err != nil {
		return fmt.Errorf("look up states: %w", err)
	}
	for c := range codes {
		v.codes[c] = true
	}
	for _, s := range records(res) {
		var cid int64
		if l, ok := s["country_id"].([]any); ok && len(l) > 0 {
			cid = num(l[0])
		}
		for _, cx := range v.otherOf[dbKey("res.country", cid)] {
			v.states[cx+"|"+str(s["code"])] = num(s["id"])
		}
		v.stateCode[num(s["id"])] = str(s["code"])
	}
	return nil
}

// namePage looks up the axium external ids of the records a page's Odoo
// records refer to (many2one, many2many, res_id), for refName.
func (v *verifier) namePage(ctx context.Context, t *tableData, rows [][]any, checks []check, got map[int64]map[string]any) error {
	ids := map[string]map[int64]bool{}
	add := func(model string, id int64) {
		if model == "" || id == 0 {
			return
		}
		if ids[model] == nil {
			ids[model] = map[int64]bool{}
		}
		ids[model][id] = true
	}
	for _, ch := range checks {
		for _, rec := range got {
			switch {
			case ch.name == "res_id":
				continue // the model is the row's: below
			case ch.info.Type == "many2one":
				if l, ok := rec[ch.field].([]any); ok && len(l) > 0 {
					add(ch.info.Relation, num(l[0]))
				}
			case ch.info.Type == "many2many" || ch.info.Type == "one2many":
				l, _ := rec[ch.field].([]any)
				for _, id := range l {
					add(ch.info.Relation, num(id))
				}
			}
		}
	}
	if i := t.col("_res_xid"); i >= 0 {
		targets := map[string]bool{}
		for _, row := range rows {
			targets[v.resModel(t, row)] = true
		}
		for _, rec := range got {
			for m := range targets {
				add(m, num(rec["res_id"]))
			}
		}
	}
	v.pageXIDs = map[string][]string{}
	for _, model := range sortedKeys(ids) {
		l := make([]int64, 0, len(ids[model]))
		for id := range ids[model] {
			l = append(l, id)
		}
		slices.Sort(l)
		for start := 0; start < len(l); start += 1000 {
			chunk := l[start:min(start+1000, len(l))]
			if v.plan.keyed(model) {
				// A keyed model's records are named by their key; those
				// without one (none, after a push) by ir.model.data below.
				var err error
				if chunk, err = v.keyNames(ctx, model, chunk); err != nil {
					return err
				}
				if len(chunk) == 0 {
					continue
				}
			}
			res, err := v.c.Execute(ctx, "ir.model.data", "search_read",
				[]any{[]any{[]any{"module", "=", "axium"}, []any{"model", "=", model}, []any{"res_id", "in", anyList64(chunk)}}},
				map[string]any{"fields": []any{"name", "model", "res_id"}, "order": "id"})
			v.rep.ReadCalls++
			if err != nil {
				return fmt.Errorf("look up the external ids of %d %s records: %w", len(chunk), model, err)
			}
			for _, r := range records(res) {
				k := dbKey(str(r["model"]), num(r["res_id"]))
				v.pageXIDs[k] = append(v.pageXIDs[k], "axium."+str(r["name"]))
			}
		}
	}
	return nil
}

// keyNames records, for namePage, the key of each of ids (records of the
// keyed model) and returns the ids that carry none.
func (v *verifier) keyNames(ctx context.Context, model string, ids []int64) ([]int64, error) {
	res, err := v.c.Execute(ctx, model, "search_read",
		[]any{[]any{[]any{"id", "in", anyList64(ids)}}},
		map[string]any{"fields": []any{createKey}, "context": map[string]any{"active_test": false}})
	v.rep.ReadCalls++
	if err != nil {
		return nil, fmt.Errorf("read the %s of %d %s records: %w", createKey, len(ids), model, err)
	}
	named := map[int64]bool{}
	for _, r := range records(res) {
		if k := str(r[createKey]); k != "" {
			id := num(r["id"])
			named[id] = true
			key := dbKey(model, id)
			v.pageXIDs[key] = append(v.pageXIDs[key], k)
		}
	}
	var rest []int64
	for _, id := range ids {
		if !named[id] {
			rest = append(rest, id)
		}
	}
	return rest, nil
}

// resModel is the model a row's res_id names.
func (v *verifier) resModel(t *tableData, row []any) string {
	model := ""
	for _, mc := range []string{"res_model", "model"} {
		if i := t.col(mc); i >= 0 {
			model = str(row[i])
		}
	}
	return model
}

func splitRefs(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func (v *verifier) fieldsOf(ctx context.Context, model string) (map[string]fieldInfo, error) {
	if f, ok := v.fields[model]; ok {
		return f, nil
	}
	res, err := v.c.Execute(ctx, model, "fields_get", []any{}, map[string]any{"attributes": []any{"type", "relation"}})
	v.rep.ReadCalls++
	if err != nil {
		return nil, err
	}
	out := map[string]fieldInfo{}
	m, _ := res.(map[string]any)
	for name, d := range m {
		dm, _ := d.(map[string]any)
		out[name] = fieldInfo{Type: str(dm["type"]), Relation: str(dm["relation"])}
	}
	v.fields[model] = out
	return out, nil
}

// check is one comparison a table's rows need: a column, or a value the
// exporter resolved itself (res_id, the state, the attachment's file).
type check struct {
	name  string // as reported: the column name
	field string // the Odoo field read
	col   int
	info  fieldInfo
	known bool // the field exists in Odoo
}

func (v *verifier) checks(ctx context.Context, t *tableData) ([]check, []string, error) {
	fields, err := v.fieldsOf(ctx, t.obj.Model)
	if err != nil {
		return nil, nil, err
	}
	var out []check
	add := func(name, field string, col int) {
		fi, ok := fields[field]
		out = append(out, check{name: name, field: field, col: col, info: fi, known: ok})
	}
	for _, i := range importColumns(t) {
		if c := t.cols[i]; c.name != "id" {
			add(c.name, c.field, i)
		}
	}
	if i := t.col("_res_xid"); i >= 0 {
		add("res_id", "res_id", i)
	}
	if i := t.col("_state_code"); i >= 0 {
		add("state_id", "state_id", i)
	}
	if i := t.col("_file_size"); i >= 0 {
		add("file_size", "file_size", i)
	}
	if i := t.col("_file_path"); i >= 0 {
		add("checksum", "checksum", i)
	}
	var read []string
	for _, ch := range out {
		if ch.known {
			read = append(read, ch.field)
		}
	}
	if slices.Contains(read, "start") && fields["allday"].Type != "" && !slices.Contains(read, "allday") {
		read = append(read, "allday")
	}
	return out, read, nil
}

// verifyTable compares the rows of schema.table (a table, or a sample of
// it) with Odoo's records; the first quota rows are also shown side by
// side.
func (v *verifier) verifyTable(ctx context.Context, t *tableData, schema, table string, quota int) (TableVerify, error) {
	tv := TableVerify{Table: "odoo." + t.obj.Table, Model: t.obj.Model}
	checks, read, err := v.checks(ctx, t)
	var f *Fault
	if errors.As(err, &f) && f.Code == 2 && strings.Contains(f.Message, "doesn't exist") {
		// The model itself is gone (a custom model removed): so is every row.
		checks, read, err = nil, nil, nil
		v.fields[t.obj.Model] = map[string]fieldInfo{}
		v.goneModels[t.obj.Model] = true
	}
	if err != nil {
		return tv, err
	}
	pager, err := exporters.NewOrderedPager(ctx, v.db, schema, table, "id", verifyPageRows)
	if err != nil {
		return tv, err
	}
	defer pager.Close()
	for {
		var rows [][]any
		_, ok, err := pager.Next(ctx, func(_ []*sql.ColumnType, vals []any) error {
			rows = append(rows, slices.Clone(vals)) // the pager reuses vals
			return nil
		})
		if err != nil {
			return tv, err
		}
		if !ok {
			return tv, nil
		}
		if err := v.verifyPage(ctx, t, rows, checks, read, quota, &tv); err != nil {
			return tv, err
		}
	}
}

// verifyPage compares one page of a table's rows with Odoo's records.
func (v *verifier) verifyPage(ctx context.Context, t *tableData, rows [][]any, checks []check, read []string, quota int, tv *TableVerify) error {
	iID, iKey := t.col("id"), t.col("_source_key")
	if _, ok := v.first[t.obj.Table]; !ok {
		for _, row := range rows {
			if x := str(row[iID]); x != "" {
				v.first[t.obj.Table] = x
				break
			}
		}
	}
	xids, err := v.lookupPage(ctx, t, rows)
	if err != nil {
		return err
	}
	// Read every record the page names, in batches.
	var dbIDs []any
	for _, row := range rows {
		if x, ok := xids[str(row[iID])]; ok && x.Model == t.obj.Model {
			dbIDs = append(dbIDs, x.ID)
		}
	}
	got := map[int64]map[string]any{}
	for start := 0; start < len(dbIDs); start += v.opt.BatchSize {
		batch := dbIDs[start:min(start+v.opt.BatchSize, len(dbIDs))]
		res, err := v.c.Execute(ctx, t.obj.Model, "read", []any{batch, anyList(read)}, map[string]any{"context": map[string]any{"active_test": false}})
		v.rep.ReadCalls++
		if err != nil {
			return fmt.Errorf("read %d records: %w", len(batch), err)
		}
		for _, r := range records(res) {
			got[num(r["id"])] = r
		}
	}
	if err := v.namePage(ctx, t, rows, checks, got); err != nil {
		return err
	}
	var entries []audit.Entry
	fail := func(xid, key string, id int64, reason string) {
		entries = append(entries, audit.Entry{Object: t.obj.Model, Table: tv.Table, SourceKey: key, DestID: xid, DestDBID: id,
			Action: audit.Fail, Reason: "verify: " + reason})
	}
	for _, row := range rows {
		n := tv.Expected
		tv.Expected++
		xid := str(row[iID])
		key := ""
		if iKey >= 0 {
			key, _ = text(row[iKey], "", nil)
		}
		x, ok := xids[xid]
		rec := got[x.ID]
		found := ok && x.Model == t.obj.Model && rec != nil
		var pairs []exporters.FieldPair
		if found || n < quota {
			for _, ch := range checks {
				src, dst, same, err := v.compare(t, row, ch, rec)
				if err != nil {
					return fmt.Errorf("%s %s: %w", xid, ch.name, err)
				}
				pairs = append(pairs, exporters.FieldPair{Field: ch.name, Source: src, Destination: dst, Same: found && same})
			}
		}
		if n < quota {
			v.rep.Sample = append(v.rep.Sample, SideBySide{Table: tv.Table, XID: xid, SourceKey: key, Found: found, Fields: pairs})
		}
		if !found {
			tv.Missing++
			if len(tv.MissingXIDs) < exporters.MaxFailureDetails {
				tv.MissingXIDs = append(tv.MissingXIDs, xid)
			}
			reason := "missing in Odoo"
			if ok && x.Model != t.obj.Model {
				reason = fmt.Sprintf("the external id names a %s record, not a %s", x.Model, t.obj.Model)
			}
			fail(xid, key, 0, reason)
			continue
		}
		tv.Found++
		var differ []string
		for _, p := range pairs {
			if p.Same {
				continue
			}
			differ = append(differ, p.Field)
			if len(tv.Differences) < v.opt.Examples {
				tv.Differences = append(tv.Differences, FieldDiff{XID: xid, SourceKey: key, Field: p.Field, Source: p.Source, Destination: p.Destination})
			}
		}
		if len(differ) > 0 {
			tv.Mismatched++
			fail(xid, key, x.ID, "fields differ: "+strings.Join(differ, ", "))
		}
	}
	return v.run.Log(ctx, entries)
}

// extras lists the records bound to an axium external id of a pushed
// model that no table holds, reading ir.model.data a page at a time and
// asking the tables about each page. The external ids Odoo gives a
// delegated parent (<xid>_product_template, <xid>_account_move) belong to
// the child's row and are not extra. Each table lists the first
// exporters.MaxFailureDetails extras found, sorted; its count covers all.
func (v *verifier) extras(ctx context.Context) error {
	byModel := map[string][]int{}
	for i, tv := range v.rep.Tables {
		byModel[tv.Model] = append(byModel[tv.Model], i)
	}
	more := func(m string) bool { // Odoo counts more than the rows resolved
		i, ok := v.countOf[m]
		return verifyByIDs || ok && v.rep.Counts[i].Destination > v.resolved[m] && !v.goneModels[m]
	}
	for _, m := range sortedKeys(byModel) {
		if v.plan.keyed(m) && !v.goneModels[m] && more(m) {
			if err := v.keyExtras(ctx, m, byModel[m]); err != nil {
				return err
			}
			if err := v.keyCopies(ctx, m, byModel[m]); err != nil {
				return err
			}
		}
	}
	domain := []any{[]any{"module", "=", "axium"}}
	if !verifyByIDs {
		var models []any
		for _, m := range sortedKeys(byModel) {
			if more(m) && !v.plan.keyed(m) {
				models = append(models, m)
			}
		}
		if len(models) == 0 {
			return nil
		}
		domain = append(domain, []any{"model", "in", models})
	}
	// Pages follow the last id read (a keyset), not an offset: PostgreSQL
	// reads and drops every row before an offset, which makes paging
	// through millions of external ids cost the square of their number.
	var after int64
	for {
		res, err := v.c.Execute(ctx, "ir.model.data", "search_read", []any{append(slices.Clip(domain), []any{"id", ">", after})},
			map[string]any{"fields": []any{"name", "model", "res_id"}, "limit": int64(verifyPageRows), "order": "id"})
		v.rep.ReadCalls++
		if err != nil {
			return fmt.Errorf("read the axium external ids: %w", err)
		}
		recs := records(res)
		page := map[string]XIDTarget{}
		var ask []string
		for _, r := range recs {
			after = max(after, num(r["id"]))
			x := "axium." + str(r["name"])
			t := XIDTarget{Model: str(r["model"]), ID: num(r["res_id"])}
			if _, pushed := byModel[t.Model]; !pushed || v.goneModels[t.Model] || v.plan.keyed(t.Model) {
				continue // a keyed model's: by key, above
			}
			page[x] = t
			ask = append(ask, x)
			if child, ok := strings.CutSuffix(x, "_"+strings.ReplaceAll(t.Model, ".", "_")); ok {
				ask = append(ask, child)
			}
		}
		inTable, err := v.inTables(ctx, ask)
		if err != nil {
			return err
		}
		candidates := map[string][]string{}
		for _, x := range sortedKeys(page) {
			t := page[x]
			if inTable[x] {
				continue
			}
			if child, ok := strings.CutSuffix(x, "_"+strings.ReplaceAll(t.Model, ".", "_")); ok && inTable[child] {
				continue
			}
			candidates[t.Model] = append(candidates[t.Model], x)
		}
		if err := v.logExtras(ctx, byModel, page, candidates); err != nil {
			return err
		}
		if len(recs) < verifyPageRows {
			break
		}
	}
	for i := range v.rep.Tables {
		sort.Strings(v.rep.Tables[i].ExtraXIDs)
	}
	return nil
}

// keyExtras lists the records of a keyed model whose key no table holds,
// reading the model's keyed records a page at a time in id order.
func (v *verifier) keyExtras(ctx context.Context, model string, tables []int) error {
	calls, err := keyedPages(ctx, v.c, model, verifyPageRows, func(recs []map[string]any) error {
		page := map[string]int64{}
		var ask []string
		for _, r := range recs {
			x := str(r[createKey])
			page[x] = num(r["id"])
			ask = append(ask, x)
		}
		inTable, err := v.inTables(ctx, ask)
		if err != nil {
			return err
		}
		var entries []audit.Entry
		for _, x := range sortedKeys(page) {
			if !inTable[x] {
				entries = append(entries, v.extra(model, tables, x, page[x], v.countedBy(model)))
			}
		}
		return v.run.Log(ctx, entries)
	})
	v.rep.ReadCalls += calls
	return err
}

// keyCopies lists the records of a keyed model that carry a key another
// record carries too (a create Odoo carried out after its answer was
// lost and the push had sent it again: copies.go), when Odoo counts more
// keyed records than the rows resolved and the extras found explain.
// Each record after the first of a key is an extra.
func (v *verifier) keyCopies(ctx context.Context, model string, tables []int) error {
	extra := 0
	for _, i := range tables {
		extra += v.rep.Tables[i].Extra
	}
	i, ok := v.countOf[model]
	if !ok || v.rep.Counts[i].Destination <= v.resolved[model]+extra {
		return nil // not counted (verifyByIDs), or nothing unexplained
	}
	dups, calls, err := duplicateKeys(ctx, v.c, v.db, model)
	v.rep.ReadCalls += calls
	if err != nil {
		return err
	}
	var entries []audit.Entry
	for _, k := range sortedKeys(dups) {
		ids := dups[k]
		for _, id := range ids[1:] {
			e := v.extra(model, tables, k, id, v.countedBy(model))
			e.Reason = fmt.Sprintf("verify: in Odoo twice, records %d and %d carry the same %s %s (push again to remove the second copy)", ids[0], id, createKey, k)
			entries = append(entries, e)
		}
	}
	return v.run.Log(ctx, entries)
}

// extra counts a record of model that no table holds against one of the
// model's tables, and returns its entry for the log.
func (v *verifier) extra(model string, tables []int, xid string, id int64, by string) audit.Entry {
	tv := &v.rep.Tables[v.tableOfExtra(tables, xid)]
	tv.Extra++
	if len(tv.ExtraXIDs) < exporters.MaxFailureDetails {
		tv.ExtraXIDs = append(tv.ExtraXIDs, xid)
	}
	return audit.Entry{Object: model, Table: tv.Table, DestID: xid, DestDBID: id, Action: audit.Fail,
		Reason: "verify: in Odoo with " + by + ", but not in " + tv.Table}
}

// inTables says which of xids (one page) any table holds.
func (v *verifier) inTables(ctx context.Context, xids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(xids) == 0 {
		return out, nil
	}
	for _, t := range v.tables {
		in, err := exporters.Present(ctx, v.db, "odoo", t.obj.Table, "id", xids)
		if err != nil {
			return nil, err
		}
		for x := range in {
			out[x] = true
		}
	}
	return out, nil
}

// logExtras counts and logs the candidates of one page that Odoo holds:
// a dangling external id (its record deleted under it) names nothing.
func (v *verifier) logExtras(ctx context.Context, byModel map[string][]int, page map[string]XIDTarget, candidates map[string][]string) error {
	var entries []audit.Entry
	for _, model := range sortedKeys(candidates) {
		xs := candidates[model]
		idl := make([]any, len(xs))
		for i, x := range xs {
			idl[i] = page[x].ID
		}
		res, err := v.c.Execute(ctx, model, "read", []any{idl, []any{"id"}}, map[string]any{"context": map[string]any{"active_test": false}})
		v.rep.ReadCalls++
		if err != nil {
			return fmt.Errorf("read %d records of %s bound to axium external ids: %w", len(xs), model, err)
		}
		exists := map[int64]bool{}
		for _, r := range records(res) {
			exists[num(r["id"])] = true
		}
		for _, x := range xs {
			if !exists[page[x].ID] {
				continue
			}
			entries = append(entries, v.extra(model, byModel[model], x, page[x].ID, v.countedBy(model)))
		}
	}
	return v.run.Log(ctx, entries)
}

// tableOfExtra attributes an extra record to one of its model's tables:
// the one whose external ids share its object prefix (patient_, guarantor_).
func (v *verifier) tableOfExtra(candidates []int, xid string) int {
	prefix, _, _ := strings.Cut(strings.TrimPrefix(xid, "axium."), "_")
	for _, i := range candidates {
		if first, ok := v.first[v.tables[i].obj.Table]; ok {
			p, _, _ := strings.Cut(strings.TrimPrefix(first, "axium."), "_")
			if p == prefix {
				return i
			}
		}
	}
	return candidates[0]
}

// compare renders a row's value and Odoo's as compared, and says whether
// they are the same after normalization.
func (v *verifier) compare(t *tableData, row []any, ch check, rec map[string]any) (src, dst string, same bool, err error) {
	col := t.cols[ch.col]
	got, had := rec[ch.field]
	if !ch.known {
		got = nil
	}
	switch ch.name {
	case "res_id":
		want := str(row[ch.col])
		dst = v.refName(v.resModel(t, row), num(got))
		return want, dst, want == dst || (want == "" && num(got) == 0), nil
	case "state_id":
		want := str(row[ch.col])
		dst = ""
		if l, ok := got.([]any); ok && len(l) > 0 {
			dst = v.stateCode[num(l[0])]
			if dst == "" {
				dst = fmt.Sprint(l[1])
			}
		}
		return want, dst, strings.EqualFold(want, dst), nil
	case "file_size":
		want := ""
		if row[ch.col] != nil {
			want = fmt.Sprint(row[ch.col])
		}
		dst = fmt.Sprint(num(got))
		if want == "" {
			return want, dst, true, nil // no file: nothing to compare
		}
		return want, dst, want == dst, nil
	case "checksum":
		want, err := v.fileSHA1(t, row)
		if err != nil {
			return "", "", false, err
		}
		dst = str(got)
		return want, dst, want == "" || want == dst, nil
	}
	s, err := importText(row[ch.col], col.dbType, time.UTC, v.opt.TimeZone)
	if err != nil {
		return "", "", false, err
	}
	if !ch.known {
		return s, "(no such field in Odoo)", false, nil
	}
	if !had {
		return s, "(not read)", false, nil
	}
	if derived(t.obj.Model, ch.field, rec) {
		// Odoo computes it from other fields: shown, not compared.
		return s, v.show(ch.info, got), true, nil
	}
	return v.sameValue(t.obj.Model, ch, s, got)
}

// derived: fields Odoo recomputes from others, so the value sent is not
// what is stored. An all-day event's start and stop are set from its
// start_date and stop_date.
func derived(model, field string, rec map[string]any) bool {
	return model == "calendar.event" && rec["allday"] == true && (field == "start" || field == "stop" || field == "duration")
}

// sameValue compares the import text a column sent with what Odoo reads
// back, by the field's type: char trimmed; html as its text (Odoo
// sanitizes it); numbers as numbers; empty as False; datetimes as UTC
// text; references as external ids; many2many as sets.
func (v *verifier) sameValue(model string, ch check, want string, got any) (string, string, bool, error) {
	fi := ch.info
	switch fi.Type {
	case "many2one":
		dst := ""
		if l, ok := got.([]any); ok && len(l) > 0 {
			dst = v.refName(fi.Relation, num(l[0]), want)
		}
		return want, dst, want == dst, nil
	case "many2many", "one2many":
		wantSet := splitRefs(want)
		var have []string
		l, _ := got.([]any)
		for _, id := range l {
			have = append(have, v.refName(fi.Relation, num(id), wantSet...))
		}
		sort.Strings(wantSet)
		sort.Strings(have)
		same := slices.Equal(wantSet, have)
		if !same && model == "res.users" && ch.field == "groups_id" {
			// Odoo adds the implied groups and the user type's own.
			same = true
			for _, w := range wantSet {
				same = same && slices.Contains(have, w)
			}
		}
		return strings.Join(wantSet, ","), strings.Join(have, ","), same, nil
	}
	dst := v.show(fi, got)
	switch fi.Type {
	case "char", "selection", "date", "datetime", "text":
		w := want
		if fi.Type == "char" || fi.Type == "text" {
			w, dst = strings.TrimSpace(strings.ReplaceAll(w, "\r\n", "\n")), strings.TrimSpace(strings.ReplaceAll(dst, "\r\n", "\n"))
		}
		if fi.Type == "datetime" && len(w) == 10 {
			w += " 00:00:00" // a date in a datetime column is midnight
		}
		return want, dst, w == dst, nil
	case "html":
		return want, dst, htmlText(want) == htmlText(dst), nil
	case "boolean":
		w := want == "true" || want == "1"
		return strconv.FormatBool(w), dst, strconv.FormatBool(w) == dst, nil
	case "integer", "float", "monetary":
		a, errA := parseNumber(want)
		b, errB := parseNumber(dst)
		return want, dst, errA == nil && errB == nil && math.Abs(a-b) < 5e-7*math.Max(1, math.Abs(a)), nil
	}
	return want, dst, want == dst, nil
}

// show renders a value Odoo read as text; False is empty.
func (v *verifier) show(fi fieldInfo, got any) string {
	switch x := got.(type) {
	case nil:
		return ""
	case bool:
		if fi.Type == "boolean" {
			return strconv.FormatBool(x)
		}
		if !x {
			return ""
		}
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		if len(x) == 2 {
			if _, ok := x[1].(string); ok && fi.Type == "many2one" {
				return v.refName(fi.Relation, num(x[0]))
			}
		}
	}
	b, _ := json.Marshal(got)
	return string(b)
}

// refName names a record by external id: one of prefer if it has that
// one, else its first, else model#id.
func (v *verifier) refName(model string, id int64, prefer ...string) string {
	if id == 0 {
		return ""
	}
	k := dbKey(model, id)
	xs := append(slices.Clone(v.pageXIDs[k]), v.otherOf[k]...)
	for _, x := range xs {
		if slices.Contains(prefer, x) {
			return x
		}
	}
	if len(xs) > 0 {
		return xs[0]
	}
	return fmt.Sprintf("%s#%d", model, id)
}

func parseNumber(s string) (float64, error) {
	if s = strings.TrimSpace(s); s == "" {
		return 0, nil
	}
	return strconv.ParseFloat(s, 64)
}

var (
	htmlBreak = regexp.MustCompile(`(?i)<br\s*/?>|</p>|</div>|</li>`)
	htmlTag   = regexp.MustCompile(`<[^>]*>`)
	spaceRun  = regexp.MustCompile(`\s+`)
)

// htmlText is the text an html value shows: Odoo's sanitizer wraps plain
// text in <p>, escapes it and may rewrite markup, none of which changes
// the text. A regular expression is enough here: the value is only
// compared, never rendered.
func htmlText(s string) string {
	s = htmlBreak.ReplaceAllString(s, " ")
	s = htmlTag.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	return strings.TrimSpace(spaceRun.ReplaceAllString(s, " "))
}

// fileSHA1 is Odoo's checksum (SHA-1) of the attachment file the row
// names, read from the export directory; "" when the row has no file.
func (v *verifier) fileSHA1(t *tableData, row []any) (string, error) {
	rel := str(row[t.col("_file_path")])
	if rel == "" {
		return "", nil
	}
	var batch int64
	if i := t.col("_batch_id"); i >= 0 {
		batch, _ = strconv.ParseInt(fmt.Sprint(row[i]), 10, 64)
	}
	dir, ok := v.dirs[batch]
	if !ok {
		return "", fmt.Errorf("attachment %s: load batch %d is not in meta.load_batch", rel, batch)
	}
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return "", fmt.Errorf("attachment file: %w", err)
	}
	defer f.Close()
	h := sha1.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("attachment file: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
