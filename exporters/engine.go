package exporters

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"
	"text/template"

	"github.com/axium2crm/axium2crm/exporters/audit"
	"github.com/axium2crm/axium2crm/exporters/mapping"
)

// What every destination's push, resume and rollback decide the same way
// lives here, once: the gate before any record moves, settling what an
// interrupted run left pending, and what a rollback must check before it
// undoes anything. A destination only says how to read its records
// (Prober).

//go:embed queries/*.sql
var queryFS embed.FS

var queries = template.Must(template.New("exporters").ParseFS(queryFS, "queries/*.sql"))

func query(name string) string {
	var b bytes.Buffer
	if err := queries.ExecuteTemplate(&b, name, nil); err != nil {
		panic(err) // the templates are embedded: a failure is a build defect
	}
	return b.String()
}

// GateError refuses a push whose models were not tested as they are now:
// a test failed, no test ran since the model's latest build, or the latest
// build failed. It Is ErrTestsFailed.
type GateError struct {
	Destination string
	// Problems name each model and what is wrong with it.
	Problems []string
}

func (e *GateError) Error() string {
	return fmt.Sprintf("the %s models are not ready to push (%s): run `axium2crm run` and `axium2crm test`, fix the data, or push with --force",
		e.Destination, strings.Join(e.Problems, "; "))
}

// Is lets callers test for ErrTestsFailed whatever the destination.
func (e *GateError) Is(target error) bool { return target == ErrTestsFailed }

// CheckGate is the gate every push passes before it calls the destination:
// a person confirmed the destination's map (mapping.Require), and the data
// tests of the destination's models ran after each model's latest build
// and passed. A dry run always passes: it is how the person reviews the
// map and the plan. Force skips the data-test part, never the map.
func CheckGate(ctx context.Context, db *sql.DB, destination string, dryRun, force bool) error {
	if dryRun {
		return nil
	}
	if _, err := mapping.Require(ctx, db, destination); err != nil {
		return err
	}
	if force {
		return nil
	}
	return CheckTests(ctx, db, destination)
}

// CheckTests returns a *GateError unless every model of the destination's
// schema was built successfully by its latest run and the data tests of
// the tested ones ran after that build and passed.
func CheckTests(ctx context.Context, db *sql.DB, destination string) error {
	rows, err := db.QueryContext(ctx, query("gate"), destination)
	if err != nil {
		return fmt.Errorf("read model runs and data test results: %w", err)
	}
	defer rows.Close()
	ge := &GateError{Destination: destination}
	models, tested := 0, 0
	for rows.Next() {
		var model, status, failing string
		var built, testRun int64
		var sameFingerprint bool
		if err := rows.Scan(&model, &status, &built, &testRun, &sameFingerprint, &failing); err != nil {
			return err
		}
		models++
		switch {
		case status != "success":
			ge.Problems = append(ge.Problems, fmt.Sprintf("%s: its latest build (run %d) is %s", model, built, status))
		case testRun == 0:
			// A model without data tests has no outcome to check.
		case testRun < built || !sameFingerprint:
			ge.Problems = append(ge.Problems, fmt.Sprintf("%s: rebuilt by run %d after its data tests last ran (run %d)", model, built, testRun))
		case failing != "":
			tested++
			ge.Problems = append(ge.Problems, fmt.Sprintf("%s: %s", model, failing))
		default:
			tested++
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	switch {
	case models == 0:
		ge.Problems = append(ge.Problems, "no model was ever built")
	case tested == 0 && len(ge.Problems) == 0:
		ge.Problems = append(ge.Problems, "no data test ran since the models were built")
	}
	if len(ge.Problems) > 0 {
		return ge
	}
	return nil
}

// Prober reads which of a table's records the destination holds.
type Prober interface {
	// Probe returns, of ids (destination ids of the warehouse table
	// table), those the destination holds, with their database id where
	// it has one (0 otherwise). It must not write.
	Probe(ctx context.Context, table string, ids []string) (map[string]int64, error)
}

// SchemaSettler is a Prober that also settles the destination's own
// pending data-model changes (logged under their names before they were
// sent) by reading its data model.
type SchemaSettler interface {
	SchemaTables() []string
	SettleSchema(ctx context.Context, pending []audit.Unsettled) ([]audit.Entry, error)
}

// Settlement is what settling an interrupted run found.
type Settlement struct {
	// Entries settle every pending entry: create or update where the
	// destination holds the record, skip where the write never landed.
	Entries []audit.Entry
	// Landed and Lost count them.
	Landed, Lost int
}

// Settle reads the destination for every pending entry of run runID that
// no entry settled (the run stopped between a write and its answer) and
// returns the entries that settle them:
//   - the record is there and had no pre-image: the run created it, with
//     the payload the pending entry hashed;
//   - the record is there and the pending entry kept its pre-image: the
//     run updated a record that was there before; the update keeps that
//     pre-image (the values before the run, whatever landed since) and no
//     payload hash, so the next push sends it again;
//   - the record is not there: the write never landed (skip).
//
// With log set the entries are written to the run's log; a dry run leaves
// the log alone and uses the entries as the plan's view of the log.
func Settle(ctx context.Context, db *sql.DB, runID int64, p Prober, log bool) (Settlement, error) {
	var s Settlement
	pending, err := audit.UnsettledOf(ctx, db, runID)
	if err != nil || len(pending) == 0 {
		return s, err
	}
	// The destination's data-model changes are settled by the destination
	// (by name: their ids come with the answer the interruption lost).
	if ss, ok := p.(SchemaSettler); ok {
		schema := map[string]bool{}
		for _, t := range ss.SchemaTables() {
			schema[t] = true
		}
		var mine, rest []audit.Unsettled
		for _, u := range pending {
			if schema[u.Table] {
				mine = append(mine, u)
			} else {
				rest = append(rest, u)
			}
		}
		if len(mine) > 0 {
			entries, err := ss.SettleSchema(ctx, mine)
			if err != nil {
				return s, fmt.Errorf("settle run %d: %w", runID, err)
			}
			// Each pending change either landed (a create) or did not.
			landed := 0
			for _, e := range entries {
				if e.Action == audit.Create {
					landed++
				}
			}
			s.Landed += landed
			s.Lost += len(mine) - landed
			s.Entries = append(s.Entries, entries...)
		}
		pending = rest
	}
	byTable := map[string][]audit.Unsettled{}
	var tables []string
	for _, u := range pending {
		if _, ok := byTable[u.Table]; !ok {
			tables = append(tables, u.Table)
		}
		byTable[u.Table] = append(byTable[u.Table], u)
	}
	for _, table := range tables {
		items := byTable[table]
		ids := make([]string, len(items))
		for i, u := range items {
			ids[i] = u.DestID
		}
		found, err := p.Probe(ctx, table, ids)
		if err != nil {
			return s, fmt.Errorf("settle run %d: read %s at the destination: %w", runID, table, err)
		}
		for _, u := range items {
			e := audit.Entry{Object: u.Object, Table: u.Table, SourceKey: u.SourceKey, DestID: u.DestID, DestDBID: u.DBID}
			dbID, there := found[u.DestID]
			if dbID != 0 {
				e.DestDBID = dbID
			}
			switch {
			case there && u.PreImage == "":
				e.Action, e.PayloadHash = audit.Create, u.PayloadHash
				e.Reason = "settled after an interruption: the write landed, its answer was lost"
				s.Landed++
			case there:
				e.Action, e.PreImage = audit.Update, u.PreImage
				e.Reason = "settled after an interruption: the update may have landed; the pre-image is the value before the run, and the next push sends it again"
				s.Landed++
			default:
				e.Action = audit.Skip
				e.Reason = "settled after an interruption: the write never landed"
				s.Lost++
			}
			s.Entries = append(s.Entries, e)
		}
	}
	if log {
		run, err := audit.Open(ctx, db, runID)
		if err != nil {
			return s, err
		}
		if err := run.Log(context.WithoutCancel(ctx), s.Entries); err != nil {
			return s, err
		}
	}
	return s, nil
}

// Overlay is the log as a dry run sees it after settling the unfinished
// push in memory: the settled records by table and destination id.
type Overlay map[string]map[string]audit.Sent

// NewOverlay keeps the settlement's creates and updates.
func NewOverlay(s Settlement) Overlay {
	o := Overlay{}
	for _, e := range s.Entries {
		if e.Action != audit.Create && e.Action != audit.Update {
			continue
		}
		if o[e.Table] == nil {
			o[e.Table] = map[string]audit.Sent{}
		}
		o[e.Table][e.DestID] = audit.Sent{PayloadHash: e.PayloadHash, DBID: e.DestDBID}
	}
	return o
}

// Apply adds the overlay's records of table to what audit.LastHashes read.
func (o Overlay) Apply(table string, last map[string]audit.Sent) {
	for id, s := range o[table] {
		last[id] = s
	}
}

// SettleForPush settles the destination's unfinished push before a push
// classifies anything: a resume logs what it finds, a dry run keeps it in
// the returned overlay so its plan matches what the resume will do. A
// push that starts fresh has nothing to settle (an unfinished push refuses
// it). progress hears one line when there was something to settle.
func SettleForPush(ctx context.Context, db *sql.DB, destination string, dryRun bool, resumeRun int64, p Prober, progress func(string)) (Overlay, error) {
	runID := resumeRun
	if dryRun {
		u, err := audit.Unfinished(ctx, db, destination, "push")
		if err != nil || u == nil {
			return nil, err
		}
		runID = u.RunID
	}
	if runID == 0 {
		return nil, nil
	}
	s, err := Settle(ctx, db, runID, p, !dryRun)
	if err != nil {
		return nil, err
	}
	if len(s.Entries) > 0 && progress != nil {
		progress(fmt.Sprintf("settled push run %d: %d interrupted writes landed, %d never did", runID, s.Landed, s.Lost))
	}
	return NewOverlay(s), nil
}

// NewerPushError refuses to roll back a push while a later push wrote
// some of the same records: undoing the older first would put back values
// under the newer push's. Roll the newer pushes back first, newest first.
type NewerPushError struct {
	Destination string
	PushRun     int64
	Newer       []audit.NewerPush
}

func (e *NewerPushError) Error() string {
	var parts []string
	for _, n := range e.Newer {
		parts = append(parts, fmt.Sprintf("push run %d (%d records)", n.RunID, n.Records))
	}
	return fmt.Sprintf("push run %d to %s cannot be rolled back first: later pushes wrote some of its records and were not rolled back: %s; roll those back first, newest first (axium2crm rollback %s --push %d)",
		e.PushRun, e.Destination, strings.Join(parts, ", "), e.Destination, e.Newer[0].RunID)
}

// PrepareRollback is what every rollback does before it undoes anything:
// the run must be a push of this destination; an unfinished rollback of
// another push refuses it (*audit.UnfinishedError), one of the same push
// is carried on (resume); a later push that wrote the same records refuses
// it (*NewerPushError); and a push that never finished is settled first,
// by reading the destination for its pending writes, and closed (it will
// not be resumed once rolled back). It returns whether the rollback
// resumes an interrupted one.
func PrepareRollback(ctx context.Context, db *sql.DB, destination string, pushRun int64, p Prober, progress func(string)) (resume bool, err error) {
	var dest, mode, status string
	err = db.QueryRowContext(ctx, "SELECT destination, mode, status FROM meta.push_run WHERE run_id = ?", pushRun).Scan(&dest, &mode, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("push run %d: no such run (see meta.push_run)", pushRun)
	}
	if err != nil {
		return false, err
	}
	if dest != destination {
		return false, fmt.Errorf("run %d went to %s, not %s: %w", pushRun, dest, destination, ErrNotThisDestination)
	}
	if mode != "push" {
		return false, fmt.Errorf("run %d is a %s run, not a push", pushRun, mode)
	}
	if u, err := audit.Unfinished(ctx, db, destination, "rollback"); err != nil {
		return false, err
	} else if u != nil {
		if u.ParentRun != pushRun {
			return false, u
		}
		resume = true
	}
	newer, err := audit.NewerPushes(ctx, db, destination, pushRun)
	if err != nil {
		return false, err
	}
	if len(newer) > 0 {
		return false, &NewerPushError{Destination: destination, PushRun: pushRun, Newer: newer}
	}
	if status == audit.StatusFinished || status == audit.StatusRolledBack {
		return resume, nil
	}
	// An unfinished push: what it sent whose answer never came is only
	// known to the destination.
	s, err := Settle(ctx, db, pushRun, p, true)
	if err != nil {
		return false, err
	}
	if progress != nil {
		progress(fmt.Sprintf("push run %d never finished: settled %d interrupted writes (%d landed, %d never did) before undoing it",
			pushRun, len(s.Entries), s.Landed, s.Lost))
	}
	run, err := audit.Open(ctx, db, pushRun)
	if err != nil {
		return false, err
	}
	return resume, run.Close(ctx, audit.StatusRolledBack, "settled and rolled back; nothing to resume")
}
