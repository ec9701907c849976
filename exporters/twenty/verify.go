package twenty

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
)

// VerifyOptions configure Verify.
type VerifyOptions struct {
	Client *Client
	Mapper *Mapper
	// Sample asks for a side-by-side report of this many records,
	// spread over every object, for a person to review.
	Sample int
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
	RunID     int64                   `json:"run_id"`
	PushRun   int64                   `json:"push_run"`
	Target    string                  `json:"target"`
	Objects   []exporters.TableVerify `json:"objects"`
	Sample    []SideBySide            `json:"sample,omitempty"`
	ReadCalls int                     `json:"read_calls"`
}

// Differences counts missing, extra and mismatched records.
func (r VerifyReport) Differences() int {
	return exporters.VerifyReport{Tables: r.Objects}.Differences()
}

// Verify reads the pushed records back from Twenty by id (one list call
// per 200 ids) and compares them field by field with the rows of the
// current twenty.* tables, after normalizing what Twenty legitimately
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

// verify reads each table a page at a time, and the destination's records
// of that page only, so what it holds does not grow with the table: one
// page of rows and of records, the report's bounded lists
// (exporters.MaxFailureDetails ids a list; the counts cover all, the audit
// log holds every difference), and the extra ids found so far, kept in a
// warehouse table so a record found twice counts once.
func verify(ctx context.Context, db *sql.DB, opt VerifyOptions, plan Plan, names map[string]map[string]string, run *audit.Run, rep *VerifyReport) error {
	person, _ := plan.Object(PersonObject)
	personRead := false // the person table comes first in the plan: records linked to its rows are looked for
	for oi, o := range plan.Objects {
		// The sample spans every object: N records spread evenly, at
		// least one per object.
		quota := 0
		if opt.Sample > 0 {
			quota = opt.Sample / len(plan.Objects)
			if oi < opt.Sample%len(plan.Objects) {
				quota++
			}
			quota = max(quota, 1)
		}
		ov, err := verifyRows(ctx, db, opt, o, names[o.NameSingular], quota, run, rep)
		if err != nil {
			return err
		}
		if o.NameSingular == person.NameSingular {
			personRead = true
		}
		if err := verifyExtras(ctx, db, opt, plan, names, o, person, personRead, run, rep, &ov); err != nil {
			return err
		}
		rep.Objects = append(rep.Objects, ov)
	}
	return nil
}

// verifyRows compares every row of an object's table with its record in
// Twenty, a page at a time.
func verifyRows(ctx context.Context, db *sql.DB, opt VerifyOptions, o ObjectPlan, names map[string]string, quota int, run *audit.Run, rep *VerifyReport) (exporters.TableVerify, error) {
	ov := exporters.TableVerify{Object: o.NameSingular, Table: o.QualifiedTable()}
	pager, err := exporters.NewPager(ctx, db, "twenty", o.Table, "id", nil, verifyPageRows)
	if err != nil {
		return ov, err
	}
	defer pager.Close()
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
		var entries []audit.Entry
		fail := func(id, key, reason string) {
			entries = append(entries, audit.Entry{Object: o.NameSingular, Table: o.QualifiedTable(), SourceKey: key,
				DestID: id, Action: audit.Fail, Reason: "verify: " + reason})
		}
		for _, r := range pg.Rows {
			got, ok := found[r.ID]
			if ov.Expected < quota {
				rep.Sample = append(rep.Sample, sideBySide(o, r, got, ok))
			}
			ov.Expected++
			if !ok {
				ov.Missing++
				if len(ov.MissingIDs) < exporters.MaxFailureDetails {
					ov.MissingIDs = append(ov.MissingIDs, r.ID)
				}
				fail(r.ID, r.SourceKey, "missing at the destination")
				continue
			}
			ov.Found++
			diffs := compareRecord(r, got, o.NameSingular == "attachment")
			if len(diffs) == 0 {
				continue
			}
			ov.Mismatched++
			var fields []string
			for _, d := range diffs {
				fields = append(fields, d.Field)
				if len(ov.Differences) < opt.Examples {
					ov.Differences = append(ov.Differences, d)
				}
			}
			fail(r.ID, r.SourceKey, "fields differ: "+strings.Join(fields, ", "))
		}
		if err := run.Log(ctx, entries); err != nil {
			return ov, err
		}
	}
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
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return s
	}
	return "num:" + r.RatString()
}
