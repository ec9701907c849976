package twenty

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
)

// VerifyOptions configure Verify.
type VerifyOptions struct {
	Client *Client
	Mapper *Mapper
	// Sample checks only a stratified sample of about this many records
	// (exporters.AllocateSample: every object, every record type in
	// proportion, at least one each), shown side by side for a person to
	// review.
	Sample int
	// Counts only compares each object's count with its table's rows.
	Counts bool
	// Examples is how many mismatches to keep per object (default 5).
	Examples int
	Args     string
}

// SideBySide is one record of the --sample report.
type SideBySide struct {
	Object    string                `json:"object"`
	ID        string                `json:"id"`
	SourceKey string                `json:"source_key"`
	Found     bool                  `json:"found"`
	Fields    []exporters.FieldPair `json:"fields"`
}

// VerifyReport is the outcome of Verify. Objects are the shared
// exporters.TableVerify: extra records are those the log says were pushed
// and those linked to a migrated person.
type VerifyReport struct {
	RunID   int64                   `json:"run_id"`
	PushRun int64                   `json:"push_run"`
	Target  string                  `json:"target"`
	Objects []exporters.TableVerify `json:"objects"`
	Sample  []SideBySide            `json:"sample,omitempty"`
	// Mode is exporters.VerifyFull, VerifyCounts or VerifySample.
	Mode string `json:"mode"`
	// Counts are each object's rows and Twenty's totalCount, taken
	// before any record is read, and the records compared.
	Counts    []exporters.ObjectCount `json:"counts"`
	ReadCalls int                     `json:"read_calls"`
}

// Differences counts missing, extra and mismatched records.
func (r VerifyReport) Differences() int {
	return exporters.VerifyReport{Tables: r.Objects}.Differences()
}

// Verify first counts each object in Twenty (the totalCount of one list
// call) next to its table's rows; with Counts that is all it does. Then it
// reads the pushed records back, every one or a stratified Sample, and
// compares them field by field with the rows of the current twenty.*
// tables. A full verify reads an object by list pages in id order, 200 a
// call, beside the table read in the same order, when that costs fewer
// calls than reading by id (one call per 200 ids, plus the calls that look
// for records linked to migrated people); a sample reads by id. Values are
// compared after normalizing what Twenty legitimately
// changes: phone formatting, e-mail case, the rich-text body's blocknote
// (only its markdown is compared), how a timestamp or a number is written,
// the order of multi-select values, empty versus absent. It also lists
// records at the destination the tables no longer have: those the log
// says were pushed, and those linked to a migrated person. The run is
// logged in meta.push_run (mode verify); each difference as a fail entry.
func Verify(ctx context.Context, db *sql.DB, opt VerifyOptions) (VerifyReport, error) {
	var rep VerifyReport
	if opt.Client == nil {
		return rep, errors.New("twenty verify: no client")
	}
	if opt.Mapper == nil {
		m, err := NewMapper("")
		if err != nil {
			return rep, err
		}
		opt.Mapper = m
	}
	if opt.Examples <= 0 {
		opt.Examples = 5
	}
	rep.Target = opt.Client.Target()
	err := db.QueryRowContext(ctx, query("last_push")).Scan(&rep.PushRun)
	if errors.Is(err, sql.ErrNoRows) {
		return rep, fmt.Errorf("twenty verify: %w to Twenty (meta.push_run has no finished push)", exporters.ErrNothingPushed)
	}
	if err != nil {
		return rep, fmt.Errorf("read meta.push_run: %w", err)
	}
	plan, err := ReadPlan(ctx, db)
	if err != nil {
		return rep, err
	}
	ws, err := opt.Client.Objects(ctx)
	rep.ReadCalls++
	if err != nil {
		return rep, err
	}
	// Members are never pushed; assignees compare as the push sent them.
	plan, _, n, err := useMembers(ctx, db, opt.Client, plan, opt.Mapper)
	rep.ReadCalls += n
	if err != nil {
		return rep, err
	}
	names := renames(plan, ws)
	run, err := audit.Start(ctx, db, audit.RunOptions{Destination: Destination, Mode: "verify", Target: rep.Target,
		Args: opt.Args, ParentRun: rep.PushRun})
	if err != nil {
		return rep, err
	}
	rep.RunID = run.ID
	err = verify(ctx, db, opt, plan, names, run, &rep)
	if ferr := run.Finish(ctx, err); ferr != nil && err == nil {
		err = ferr
	}
	return rep, err
}

// verifyPageRows is how many rows of a table verify holds at a time; a
// test lowers it to show that paging changes nothing.
var verifyPageRows = exporters.DefaultPageRows

// verifyByIDs makes a full verify read by id batches whatever the
// counts say: the way verify read before list pages, kept for objects
// whose list would cost more, and for a test to compare calls with.
var verifyByIDs = false

// verify counts every object first, then compares records: all of them,
// or a sample. It reads each table a page at a time, and the destination's
// records of that page only (by id, or by list pages in the same id
// order), so what it holds does not grow with the table: one page of rows
// and of records, the report's bounded lists (exporters.MaxFailureDetails
// ids a list; the counts cover all, the audit log holds every
// difference), and the extra ids found so far, kept in a warehouse table
// so a record found twice counts once.
func verify(ctx context.Context, db *sql.DB, opt VerifyOptions, plan Plan, names map[string]map[string]string, run *audit.Run, rep *VerifyReport) error {
	rep.Counts = make([]exporters.ObjectCount, len(plan.Objects))
	for i, o := range plan.Objects {
		rows, err := exporters.RowCount(ctx, db, "twenty", o.Table)
		if err != nil {
			return err
		}
		n, err := opt.Client.Total(ctx, o.NamePlural)
		rep.ReadCalls++
		if err != nil {
			return err
		}
		rep.Counts[i] = exporters.ObjectCount{Table: o.QualifiedTable(), Object: o.NameSingular, Rows: rows, Destination: n}
	}
	switch {
	case opt.Counts:
		rep.Mode = exporters.VerifyCounts
		return verifyCounts(ctx, run, rep)
	case opt.Sample > 0:
		rep.Mode = exporters.VerifySample
		return verifySample(ctx, db, opt, plan, names, run, rep)
	}
	rep.Mode = exporters.VerifyFull
	person, _ := plan.Object(PersonObject)
	personRows := 0
	personRead := false // the person table comes first in the plan: records linked to its rows are looked for
	for i, o := range plan.Objects {
		if o.NameSingular == person.NameSingular {
			personRows = rep.Counts[i].Rows
		}
		var links []string
		if personRead || o.NameSingular == person.NameSingular {
			links = personLinks(plan, names, o, person)
		}
		var ov exporters.TableVerify
		var err error
		if c := rep.Counts[i]; !verifyByIDs && listCalls(c) <= idCalls(c, len(links), personRows) {
			ov, err = verifyList(ctx, db, opt, o, names[o.NameSingular], links, person, run, rep)
		} else {
			ov, err = verifyRows(ctx, db, opt, o, "twenty", o.Table, names[o.NameSingular], 0, run, rep)
			if o.NameSingular == person.NameSingular {
				personRead = true
			}
			if err == nil {
				err = verifyExtras(ctx, db, opt, plan, names, o, person, personRead, run, rep, &ov)
			}
		}
		if err != nil {
			return err
		}
		if o.NameSingular == person.NameSingular {
			personRead = true
		}
		rep.Counts[i].Checked = ov.Expected
		rep.Objects = append(rep.Objects, ov)
	}
	return nil
}

// listCalls is what reading an object by list pages costs: every record
// Twenty holds of it, MaxBatch a call.
func listCalls(c exporters.ObjectCount) int { return max(1, ceilDiv(c.Destination, MaxBatch)) }

// idCalls is what reading it by id costs: its rows, MaxBatch ids a call
// (pages of verifyPageRows rows), and for each relation to a person the
// calls that list the records linked to every migrated person, MaxBatch
// people a call and MaxBatch records a page (about the table again).
func idCalls(c exporters.ObjectCount, links, people int) int {
	n := (c.Rows/verifyPageRows)*ceilDiv(verifyPageRows, MaxBatch) + ceilDiv(c.Rows%verifyPageRows, MaxBatch)
	return n + links*(ceilDiv(people, MaxBatch)+ceilDiv(c.Rows, MaxBatch))
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// personLinks are the keys of an object's relations to a person (as
// Twenty names them): a record Twenty holds that no row has is extra when
// one of them names a migrated person.
func personLinks(plan Plan, names map[string]map[string]string, o, person ObjectPlan) []string {
	var out []string
	for _, f := range plan.FieldsOf(o.NameSingular) {
		if f.Type != "RELATION" || f.RelationTarget != person.NameSingular {
			continue
		}
		key := f.RelationName() + "Id"
		if n, ok := names[o.NameSingular][key]; ok {
			key = n
		}
		out = append(out, key)
	}
	return out
}

// verifyCounts judges by the counts alone: fewer records in Twenty than
// rows are missing, more are extra (records added in Twenty count too).
func verifyCounts(ctx context.Context, run *audit.Run, rep *VerifyReport) error {
	var entries []audit.Entry
	for _, c := range rep.Counts {
		ov := c.CountsOnly()
		rep.Objects = append(rep.Objects, ov)
		if ov.Missing+ov.Extra > 0 {
			entries = append(entries, audit.Entry{Object: c.Object, Table: c.Table, Action: audit.Fail,
				Reason: fmt.Sprintf("verify: Twenty counts %d records, %s has %d rows", c.Destination, c.Table, c.Rows)})
		}
	}
	return run.Log(ctx, entries)
}

// verifySample compares a stratified sample of every object's rows (by
// id, MaxBatch a call), each shown side by side.
func verifySample(ctx context.Context, db *sql.DB, opt VerifyOptions, plan Plan, names map[string]map[string]string, run *audit.Run, rep *VerifyReport) error {
	strata := make([][]exporters.Stratum, len(plan.Objects))
	for i, o := range plan.Objects {
		st, err := exporters.Strata(ctx, db, "twenty", o.Table)
		if err != nil {
			return err
		}
		strata[i] = st
	}
	exporters.AllocateSample(opt.Sample, strata)
	for i, o := range plan.Objects {
		name, err := exporters.SampleTable(ctx, db, "twenty", o.Table, "id", strata[i])
		if err == nil {
			var ov exporters.TableVerify
			ov, err = verifyRows(ctx, db, opt, o, "temp", name, names[o.NameSingular], math.MaxInt, run, rep)
			rep.Counts[i].Checked = ov.Expected
			rep.Objects = append(rep.Objects, ov)
		}
		if derr := exporters.DropSample(db, name); err == nil {
			err = derr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// tally compares rows with their records and keeps the object's counts,
// examples and fail entries.
type tally struct {
	o        ObjectPlan
	ov       *exporters.TableVerify
	examples int
	entries  []audit.Entry
}

func (t *tally) fail(id, key, reason string) {
	t.entries = append(t.entries, audit.Entry{Object: t.o.NameSingular, Table: t.o.QualifiedTable(), SourceKey: key,
		DestID: id, Action: audit.Fail, Reason: "verify: " + reason})
}

func (t *tally) row(r Row, got Record, ok bool) {
	ov := t.ov
	ov.Expected++
	if !ok {
		ov.Missing++
		if len(ov.MissingIDs) < exporters.MaxFailureDetails {
			ov.MissingIDs = append(ov.MissingIDs, r.ID)
		}
		t.fail(r.ID, r.SourceKey, "missing at the destination")
		return
	}
	ov.Found++
	diffs := compareRecord(r, got, t.o.NameSingular == "attachment")
	if len(diffs) == 0 {
		return
	}
	ov.Mismatched++
	var fields []string
	for _, d := range diffs {
		fields = append(fields, d.Field)
		if len(ov.Differences) < t.examples {
			ov.Differences = append(ov.Differences, d)
		}
	}
	t.fail(r.ID, r.SourceKey, "fields differ: "+strings.Join(fields, ", "))
}

func (t *tally) flush(ctx context.Context, run *audit.Run) error {
	err := run.Log(ctx, t.entries)
	t.entries = t.entries[:0]
	return err
}

// verifyRows compares every row of schema.table (an object's table, or a
// sample of it) with its record in Twenty, a page at a time, reading the
// records by id; the first quota rows are also shown side by side.
func verifyRows(ctx context.Context, db *sql.DB, opt VerifyOptions, o ObjectPlan, schema, table string, names map[string]string, quota int, run *audit.Run, rep *VerifyReport) (exporters.TableVerify, error) {
	ov := exporters.TableVerify{Object: o.NameSingular, Table: o.QualifiedTable()}
	pager, err := exporters.NewOrderedPager(ctx, db, schema, table, "id", verifyPageRows)
	if err != nil {
		return ov, err
	}
	defer pager.Close()
	t := &tally{o: o, ov: &ov, examples: opt.Examples}
	for {
		pg, ok, err := opt.Mapper.ReadPage(ctx, pager, o.Table, nil)
		if err != nil {
			return ov, err
		}
		if !ok {
			return ov, nil
		}
		ids := make([]string, len(pg.Rows))
		for i, r := range pg.Rows {
			rename(r.Payload, names)
			ids[i] = r.ID
		}
		found, calls, err := opt.Client.Records(ctx, o.NamePlural, ids)
		rep.ReadCalls += calls
		if err != nil {
			return ov, err
		}
		for _, r := range pg.Rows {
			got, ok := found[r.ID]
			if ov.Expected < quota {
				rep.Sample = append(rep.Sample, sideBySide(o, r, got, ok))
			}
			t.row(r, got, ok)
		}
		if err := t.flush(ctx, run); err != nil {
			return ov, err
		}
	}
}

// verifyList compares an object's table with Twenty's records of it read
// by list pages: both sides in id order, merged by id. A row no record
// matches is missing; a record no row matches is extra when the log says
// it was pushed to this table or one of links names a migrated person,
// as verifyExtras finds them.
func verifyList(ctx context.Context, db *sql.DB, opt VerifyOptions, o ObjectPlan, names map[string]string, links []string,
	person ObjectPlan, run *audit.Run, rep *VerifyReport) (exporters.TableVerify, error) {
	ov := exporters.TableVerify{Object: o.NameSingular, Table: o.QualifiedTable()}
	pager, err := exporters.NewOrderedPager(ctx, db, "twenty", o.Table, "id", verifyPageRows)
	if err != nil {
		return ov, err
	}
	defer pager.Close()
	t := &tally{o: o, ov: &ov, examples: opt.Examples}
	var rows []Row
	var recs []Record
	var unmatched []Record
	rowsDone, recsDone := false, false
	cursor, last := "", ""
	for {
		if len(rows) == 0 && !rowsDone {
			pg, ok, err := opt.Mapper.ReadPage(ctx, pager, o.Table, nil)
			if err != nil {
				return ov, err
			}
			rowsDone = !ok
			for _, r := range pg.Rows {
				rename(r.Payload, names)
			}
			rows = pg.Rows
			if err := t.flush(ctx, run); err != nil {
				return ov, err
			}
			continue
		}
		if len(recs) == 0 && !recsDone {
			p, err := opt.Client.ListPage(ctx, o.NamePlural, cursor)
			rep.ReadCalls++
			if err != nil {
				return ov, err
			}
			for _, r := range p.Records {
				id := recordID(r)
				if id <= last {
					return ov, fmt.Errorf("twenty verify: %s listed %q after %q: the list is not in id order", o.NamePlural, id, last)
				}
				last = id
			}
			recs, cursor, recsDone = p.Records, p.Cursor, !p.More
			continue
		}
		if len(rows) == 0 && len(recs) == 0 {
			break
		}
		switch {
		case len(recs) == 0 || (len(rows) > 0 && rows[0].ID < recordID(recs[0])):
			t.row(rows[0], nil, false) // a row without an id comes first, and is missing
			rows = rows[1:]
		case len(rows) == 0 || recordID(recs[0]) < rows[0].ID:
			unmatched = append(unmatched, recs[0])
			recs = recs[1:]
			if len(unmatched) >= verifyPageRows {
				if err := listExtras(ctx, db, o, links, person, unmatched, run, &ov); err != nil {
					return ov, err
				}
				unmatched = unmatched[:0]
			}
		default:
			t.row(rows[0], recs[0], true)
			rows, recs = rows[1:], recs[1:]
		}
	}
	if err := t.flush(ctx, run); err != nil {
		return ov, err
	}
	return ov, listExtras(ctx, db, o, links, person, unmatched, run, &ov)
}

// listExtras counts and logs the records of one page that no row has and
// that belong to the migration: logged as pushed to the table, or linked
// to a migrated person.
func listExtras(ctx context.Context, db *sql.DB, o ObjectPlan, links []string, person ObjectPlan, recs []Record, run *audit.Run, ov *exporters.TableVerify) error {
	if len(recs) == 0 {
		return nil
	}
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = recordID(r)
	}
	logged, err := exporters.Logged(ctx, db, Destination, "twenty", o.Table, ids)
	if err != nil {
		return err
	}
	var people []string
	for _, r := range recs {
		for _, k := range links {
			if p, ok := r[k].(string); ok && p != "" {
				people = append(people, p)
			}
		}
	}
	migrated, err := exporters.Present(ctx, db, "twenty", person.Table, "id", people)
	if err != nil {
		return err
	}
	var entries []audit.Entry
	for _, r := range recs {
		id := recordID(r)
		extra := logged[id]
		for _, k := range links {
			p, _ := r[k].(string)
			extra = extra || migrated[p]
		}
		if !extra {
			continue
		}
		ov.Extra++
		if len(ov.ExtraIDs) < exporters.MaxFailureDetails {
			ov.ExtraIDs = append(ov.ExtraIDs, id)
		}
		entries = append(entries, audit.Entry{Object: o.NameSingular, Table: o.QualifiedTable(), DestID: id, Action: audit.Fail,
			Reason: "verify: at the destination but not in " + o.QualifiedTable()})
	}
	return run.Log(ctx, entries)
}

// verifyExtras finds the records at the destination that the object's
// table does not have: those the log says were pushed and Twenty still
// holds, and those linked to a migrated person (added in Twenty after the
// push, or left by an earlier push). Both are read a page at a time.
func verifyExtras(ctx context.Context, db *sql.DB, opt VerifyOptions, plan Plan, names map[string]map[string]string,
	o, person ObjectPlan, personRead bool, run *audit.Run, rep *VerifyReport, ov *exporters.TableVerify) error {
	extra, err := exporters.NewIDSet(ctx, db)
	if err != nil {
		return err
	}
	defer extra.Close()
	for after := ""; ; {
		gone, err := audit.GonePage(ctx, db, Destination, "twenty", o.Table, "id", after, verifyPageRows)
		if err != nil {
			return err
		}
		if len(gone) == 0 {
			break
		}
		ids := make([]string, len(gone))
		for i, g := range gone {
			ids[i] = g.DestID
		}
		found, calls, err := opt.Client.Records(ctx, o.NamePlural, ids)
		rep.ReadCalls += calls
		if err != nil {
			return err
		}
		var held []string
		for _, id := range ids {
			if _, ok := found[id]; ok {
				held = append(held, id)
			}
		}
		if err := extra.Add(ctx, held); err != nil {
			return err
		}
		after = ids[len(ids)-1]
	}
	for _, f := range plan.FieldsOf(o.NameSingular) {
		if f.Type != "RELATION" || f.RelationTarget != person.NameSingular || !personRead {
			continue
		}
		key := f.RelationName() + "Id"
		if n, ok := names[o.NameSingular][key]; ok {
			key = n
		}
		for after := ""; ; {
			personIDs, err := exporters.KeyPage(ctx, db, "twenty", person.Table, "id", after, verifyPageRows)
			if err != nil {
				return err
			}
			if len(personIDs) == 0 {
				break
			}
			for start := 0; start < len(personIDs); start += MaxBatch {
				chunk := personIDs[start:min(start+MaxBatch, len(personIDs))]
				list, _ := json.Marshal(chunk)
				// What one call returns is bounded by the records a person
				// has, not by the size of the table.
				recs, calls, err := opt.Client.List(ctx, o.NamePlural, key+"[in]:"+string(list))
				rep.ReadCalls += calls
				if err != nil {
					return err
				}
				ids := make([]string, len(recs))
				for i, r := range recs {
					ids[i] = recordID(r)
				}
				inTable, err := exporters.Present(ctx, db, "twenty", o.Table, "id", ids)
				if err != nil {
					return err
				}
				var linked []string
				for _, id := range ids {
					if !inTable[id] {
						linked = append(linked, id)
					}
				}
				if err := extra.Add(ctx, linked); err != nil {
					return err
				}
			}
			after = personIDs[len(personIDs)-1]
		}
	}
	n, err := extra.Count(ctx)
	if err != nil {
		return err
	}
	ov.Extra = n
	for after := ""; ; {
		ids, err := extra.Page(ctx, after, verifyPageRows)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		entries := make([]audit.Entry, len(ids))
		for i, id := range ids {
			if len(ov.ExtraIDs) < exporters.MaxFailureDetails {
				ov.ExtraIDs = append(ov.ExtraIDs, id)
			}
			entries[i] = audit.Entry{Object: o.NameSingular, Table: o.QualifiedTable(), DestID: id, Action: audit.Fail,
				Reason: "verify: at the destination but not in " + o.QualifiedTable()}
		}
		if err := run.Log(ctx, entries); err != nil {
			return err
		}
		after = ids[len(ids)-1]
	}
}

// compareRecord lists the payload fields whose destination value differs
// after normalization.
func compareRecord(r Row, got Record, attachment bool) []exporters.FieldDiff {
	var out []exporters.FieldDiff
	keys := make([]string, 0, len(r.Payload))
	for k := range r.Payload {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "id" || (attachment && slices.Contains(uploadFields, k)) || (serverFilled[k] && r.Payload[k] == nil) {
			continue
		}
		want, have := normalize(k, r.Payload[k]), normalize(k, got[k])
		if !reflect.DeepEqual(want, have) {
			out = append(out, exporters.FieldDiff{ID: r.ID, SourceKey: r.SourceKey, Field: k, Source: show(r.Payload[k]), Destination: show(got[k])})
		}
	}
	return out
}

// serverFilled are fields Twenty fills itself when the payload leaves
// them empty: no source value, nothing to compare.
var serverFilled = map[string]bool{"createdAt": true, "updatedAt": true, "position": true}

func sideBySide(o ObjectPlan, r Row, got Record, found bool) SideBySide {
	s := SideBySide{Object: o.NameSingular, ID: r.ID, SourceKey: r.SourceKey, Found: found}
	keys := make([]string, 0, len(r.Payload))
	for k := range r.Payload {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "id" || (serverFilled[k] && r.Payload[k] == nil) {
			continue
		}
		same := found && reflect.DeepEqual(normalize(k, r.Payload[k]), normalize(k, got[k]))
		s.Fields = append(s.Fields, exporters.FieldPair{Field: k, Source: show(r.Payload[k]), Destination: show(got[k]), Same: same})
	}
	return s
}

func show(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

var nonDigits = regexp.MustCompile(`\D`)
var spaces = regexp.MustCompile(`\s+`)

// normalize puts a value in the form verify compares: what Twenty may
// legitimately change about a value without changing it is erased.
func normalize(key string, v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		s := strings.TrimSpace(x)
		switch key {
		case "primaryPhoneNumber", "primaryPhoneCallingCode", "number", "callingCode":
			s = nonDigits.ReplaceAllString(s, "")
		case "primaryEmail":
			s = strings.ToLower(s)
		case "markdown":
			s = spaces.ReplaceAllString(s, " ")
		case "primaryPhoneCountryCode", "countryCode", "currencyCode":
			s = strings.ToUpper(s)
		case "amountMicros":
			return number(s)
		}
		if s == "" {
			return nil
		}
		if len(s) >= 20 && s[4] == '-' && s[10] == 'T' {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return "time:" + t.UTC().Format(time.RFC3339Nano)
			}
		}
		return s
	case json.Number:
		return number(string(x))
	case float64:
		return number(fmt.Sprint(x))
	case int, int32, int64:
		return number(fmt.Sprint(x))
	case bool:
		return x
	case []any:
		out := make([]any, 0, len(x))
		allStrings := true
		for _, e := range x {
			n := normalize(key, e)
			if n == nil {
				continue
			}
			if _, ok := n.(string); !ok {
				allStrings = false
			}
			if key == "additionalEmails" {
				if s, ok := n.(string); ok {
					n = strings.ToLower(s)
				}
			}
			out = append(out, n)
		}
		if len(out) == 0 {
			return nil
		}
		if allStrings {
			sort.Slice(out, func(i, j int) bool { return out[i].(string) < out[j].(string) })
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if k == "blocknote" {
				continue // derived by Twenty from the markdown
			}
			if n := normalize(k, e); n != nil {
				out[k] = n
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return fmt.Sprint(v)
}

func number(s string) any {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		// An integer's RatString, without the big.Rat.
		return "num:" + strconv.FormatInt(n, 10)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return s
	}
	return "num:" + r.RatString()
}
