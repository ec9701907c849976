package twenty

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/axium2crm/axium2crm/exporters/audit"
)

// RollbackOptions configure Rollback.
type RollbackOptions struct {
	Client *Client
	// PushRun is the push run to undo.
	PushRun int64
	// Schema also removes the custom objects and fields the push created.
	Schema bool
	Args   string
	// Progress receives one line per step; nil is quiet.
	Progress func(string)
}

// RollbackCount is what a rollback did to one table.
type RollbackCount struct {
	Object    string `json:"object"`
	Table     string `json:"table"`
	Destroyed int    `json:"destroyed"`
	Restored  int    `json:"restored"`
	// AlreadyGone were no longer at the destination.
	AlreadyGone int `json:"already_gone"`
	// NoPreImage are updates logged without a pre-image: they cannot be
	// restored and are left as they are.
	NoPreImage int `json:"no_pre_image"`
}

// RollbackReport is the outcome of Rollback.
type RollbackReport struct {
	RunID   int64           `json:"run_id"`
	PushRun int64           `json:"push_run"`
	Resumed bool            `json:"resumed"`
	Tables  []RollbackCount `json:"tables"`
	// Schema lists the custom objects and fields removed (--schema).
	Schema []string `json:"schema,omitempty"`
	// SchemaLeft counts data-model changes kept because --schema was not given.
	SchemaLeft int `json:"schema_left,omitempty"`
	Calls      int `json:"calls"`
}

// Rollback undoes push run PushRun with audit.UndoPlan: it destroys (hard
// deletes) every record the push created, children first (reverse load
// order), and restores the pre-image of every record it updated; with
// Schema it then removes the custom fields and objects the push created.
// Each undo is logged (mode rollback, parent PushRun, actions delete and
// restore) once Twenty acknowledged it, so a rollback interrupted half-way
// is finished by running it again: what was undone is not in the plan.
func Rollback(ctx context.Context, db *sql.DB, opt RollbackOptions) (RollbackReport, error) {
	rep := RollbackReport{PushRun: opt.PushRun}
	if opt.Client == nil {
		return rep, errors.New("twenty rollback: no client")
	}
	progress := opt.Progress
	if progress == nil {
		progress = func(string) {}
	}
	var dest string
	err := db.QueryRowContext(ctx, "SELECT destination FROM meta.push_run WHERE run_id = ?", opt.PushRun).Scan(&dest)
	if errors.Is(err, sql.ErrNoRows) {
		return rep, fmt.Errorf("push run %d: no such run (see meta.push_run)", opt.PushRun)
	}
	if err != nil {
		return rep, err
	}
	if dest != Destination {
		return rep, fmt.Errorf("run %d went to %s, not Twenty", opt.PushRun, dest)
	}
	undo, err := audit.UndoPlan(ctx, db, opt.PushRun)
	if err != nil {
		return rep, err
	}
	plan, err := ReadPlan(ctx, db)
	if err != nil {
		return rep, err
	}
	// An interrupted rollback of the same push is carried on; one of
	// another push must be finished first.
	resume := false
	if u, err := audit.Unfinished(ctx, db, Destination, "rollback"); err != nil {
		return rep, err
	} else if u != nil {
		var parent sql.NullInt64
		if err := db.QueryRowContext(ctx, "SELECT parent_run FROM meta.push_run WHERE run_id = ?", u.RunID).Scan(&parent); err != nil {
			return rep, err
		}
		if parent.Int64 != opt.PushRun {
			return rep, fmt.Errorf("rollback run %d of push run %d is unfinished: run `axium2crm rollback twenty --push %d` first", u.RunID, parent.Int64, parent.Int64)
		}
		resume = true
	}
	run, err := audit.Start(ctx, db, audit.RunOptions{Destination: Destination, Mode: "rollback", Target: opt.Client.Target(),
		Args: opt.Args, ParentRun: opt.PushRun, Resume: resume})
	if err != nil {
		return rep, err
	}
	rep.RunID, rep.Resumed = run.ID, run.Resumed
	err = rollback(ctx, opt, plan, undo, run, &rep, progress)
	if ferr := run.Finish(ctx, err); ferr != nil && err == nil {
		err = ferr
	}
	return rep, err
}

func rollback(ctx context.Context, opt RollbackOptions, plan Plan, undo map[string][]audit.Undo, run *audit.Run, rep *RollbackReport, progress func(string)) error {
	c := opt.Client
	objects := slices.Clone(plan.Objects)
	slices.Reverse(objects)
	// Tables the log holds but the plan no longer lists go first, by name.
	known := map[string]bool{SchemaObjectsTable: true, SchemaFieldsTable: true}
	for _, o := range objects {
		known[o.QualifiedTable()] = true
	}
	var unknown []string
	for t := range undo {
		if !known[t] {
			unknown = append(unknown, t)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("push run %d wrote tables twenty.object_plan no longer lists (%s): rebuild the models of that push first",
			opt.PushRun, strings.Join(unknown, ", "))
	}
	for _, o := range objects {
		items := undo[o.QualifiedTable()]
		if len(items) == 0 {
			continue
		}
		cnt := RollbackCount{Object: o.NameSingular, Table: o.QualifiedTable()}
		progress(fmt.Sprintf("undoing %d %s", len(items), o.NamePlural))
		for _, u := range items {
			e := audit.Entry{Object: u.Object, Table: u.Table, SourceKey: u.SourceKey, DestID: u.DestID}
			switch u.Action {
			case audit.Create:
				found, err := c.Destroy(ctx, o.NamePlural, u.DestID)
				rep.Calls++
				if err != nil {
					return err
				}
				e.Action, e.Reason = audit.Delete, fmt.Sprintf("rollback of push run %d: created by it", opt.PushRun)
				if found {
					cnt.Destroyed++
				} else {
					cnt.AlreadyGone++
					e.Reason += "; already gone"
				}
			case audit.Update:
				if u.PreImage == "" {
					cnt.NoPreImage++
					continue
				}
				var pre Record
				dec := json.NewDecoder(strings.NewReader(u.PreImage))
				dec.UseNumber()
				if err := dec.Decode(&pre); err != nil {
					return fmt.Errorf("%s %s: pre-image: %w", u.Table, u.DestID, err)
				}
				err := c.Patch(ctx, o.NamePlural, u.DestID, pre)
				rep.Calls++
				if ae, isAPI := clientError(err); isAPI && ae.Status == 404 {
					cnt.AlreadyGone++
					e.Action, e.Reason = audit.Restore, fmt.Sprintf("rollback of push run %d: gone from Twenty, nothing to restore", opt.PushRun)
					break
				}
				if err != nil {
					return err
				}
				cnt.Restored++
				e.Action, e.Reason, e.PreImage = audit.Restore, fmt.Sprintf("rollback of push run %d: pre-image restored", opt.PushRun), u.PreImage
			default:
				continue
			}
			// Logged one by one: a rollback interrupted anywhere resumes
			// exactly after the last record Twenty acknowledged.
			if err := run.Log(ctx, []audit.Entry{e}); err != nil {
				return err
			}
		}
		rep.Tables = append(rep.Tables, cnt)
	}
	schema := append(slices.Clone(undo[SchemaFieldsTable]), undo[SchemaObjectsTable]...)
	if !opt.Schema {
		rep.SchemaLeft = len(schema)
		return nil
	}
	// Fields before objects, the last created first.
	fields, objs := undo[SchemaFieldsTable], undo[SchemaObjectsTable]
	for _, part := range []struct {
		kind  string
		items []audit.Undo
	}{{"fields", fields}, {"objects", objs}} {
		for _, u := range part.items {
			if u.Action != audit.Create {
				continue
			}
			found, err := c.DeleteMetadata(ctx, part.kind, u.DestID)
			rep.Calls += 2
			if err != nil {
				return fmt.Errorf("remove %s: %w", u.Object, err)
			}
			reason := fmt.Sprintf("rollback of push run %d: created by it", opt.PushRun)
			if !found {
				reason += "; already gone"
			}
			if err := run.Log(ctx, []audit.Entry{{Object: u.Object, Table: u.Table, DestID: u.DestID, Action: audit.Delete, Reason: reason}}); err != nil {
				return err
			}
			rep.Schema = append(rep.Schema, strings.TrimSuffix(part.kind, "s")+" "+u.Object)
		}
	}
	return nil
}
