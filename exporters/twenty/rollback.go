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

	"github.com/axium2crm/axium2crm/exporters"
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

// RollbackReport is the outcome of Rollback.
type RollbackReport struct {
	RunID   int64                     `json:"run_id"`
	PushRun int64                     `json:"push_run"`
	Resumed bool                      `json:"resumed"`
	Tables  []exporters.RollbackCount `json:"tables"`
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
	plan, err := ReadPlan(ctx, db)
	if err != nil {
		return rep, err
	}
	// The checks every destination makes, and the settling of a push that
	// never finished, before anything is undone.
	resume, err := exporters.PrepareRollback(ctx, db, Destination, opt.PushRun, prober{c: opt.Client, plan: plan}, progress)
	if err != nil {
		return rep, err
	}
	undo, err := audit.UndoPlan(ctx, db, opt.PushRun)
	if err != nil {
		return rep, err
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

func rollback(ctx context.Context, opt RollbackOptions, plan Plan, undo map[string][]audit.Undo, run *audit.Run, rep *RollbackReport, progress func(string)) (err error) {
	c := opt.Client
	objects := slices.Clone(plan.Objects)
	slices.Reverse(objects)
	// Tables the log holds but the plan no longer lists go first, by name.
	known := map[string]bool{SchemaObjectsTable: true, SchemaFieldsTable: true, SchemaOptionsTable: true}
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
	w := run.Writer(ctx)
	defer func() { err = errors.Join(err, w.Close()) }()
	for _, o := range objects {
		items := undo[o.QualifiedTable()]
		if len(items) == 0 {
			continue
		}
		cnt := exporters.RollbackCount{Object: o.NameSingular, Table: o.QualifiedTable()}
		progress(fmt.Sprintf("undoing %d %s", len(items), o.NamePlural))
		var creates, updates []audit.Undo
		for _, u := range items {
			switch {
			case u.Action == audit.Create:
				creates = append(creates, u)
			case u.Action == audit.Update && u.PreImage == "":
				cnt.NoPreImage++
			case u.Action == audit.Update:
				updates = append(updates, u)
			}
		}
		if err := destroyCreated(ctx, c, o, creates, opt.PushRun, w, rep, &cnt); err != nil {
			return err
		}
		if err := restoreUpdated(ctx, c, o, updates, opt.PushRun, w, rep, &cnt); err != nil {
			return err
		}
		rep.Tables = append(rep.Tables, cnt)
	}
	schema := append(slices.Clone(undo[SchemaFieldsTable]), undo[SchemaObjectsTable]...)
	schema = append(schema, undo[SchemaOptionsTable]...)
	if !opt.Schema {
		rep.SchemaLeft = len(schema)
		return nil
	}
	// The options it added to fields it did not create first, then what it
	// created.
	if err := removeOptions(ctx, c, undo[SchemaOptionsTable], opt.PushRun, w, rep); err != nil {
		return err
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
			if err := w.Log([]audit.Entry{{Object: u.Object, Table: u.Table, DestID: u.DestID, Action: audit.Delete, Reason: reason}}); err != nil {
				return err
			}
			rep.Schema = append(rep.Schema, strings.TrimSuffix(part.kind, "s")+" "+u.Object)
		}
	}
	return nil
}

// destroyCreated hard-deletes what the push created, MaxMutation records a
// call, and logs each record once Twenty answered for its call: a rollback
// interrupted anywhere resumes after the last call Twenty acknowledged.
func destroyCreated(ctx context.Context, c *Client, o ObjectPlan, items []audit.Undo, pushRun int64, w *audit.Writer, rep *RollbackReport, cnt *exporters.RollbackCount) error {
	for start := 0; start < len(items); start += MaxMutation {
		chunk := items[start:min(start+MaxMutation, len(items))]
		ids := make([]string, len(chunk))
		for i, u := range chunk {
			ids[i] = u.DestID
		}
		destroyed, calls, err := c.DestroyMany(ctx, o.NamePlural, ids)
		rep.Calls += calls
		if err != nil {
			return err
		}
		entries := make([]audit.Entry, 0, len(chunk))
		for _, u := range chunk {
			e := audit.Entry{Object: u.Object, Table: u.Table, SourceKey: u.SourceKey, DestID: u.DestID, Action: audit.Delete,
				Reason: fmt.Sprintf("rollback of push run %d: created by it", pushRun)}
			if destroyed[u.DestID] {
				cnt.Destroyed++
			} else {
				cnt.AlreadyGone++
				e.Reason += "; already gone"
			}
			entries = append(entries, e)
		}
		if err := w.Log(entries); err != nil {
			return err
		}
	}
	return nil
}

// restoreUpdated writes back the pre-images of what the push updated,
// MaxMutation records a call: Twenty has no update-many taking a value per
// record, so the restore is an upsert by id of the pre-images (one call)
// after reading which records still exist (one call), as an upsert would
// re-create a record deleted since. A record the upsert refuses is
// restored alone by PATCH, whose error names it.
func restoreUpdated(ctx context.Context, c *Client, o ObjectPlan, items []audit.Undo, pushRun int64, w *audit.Writer, rep *RollbackReport, cnt *exporters.RollbackCount) error {
	for start := 0; start < len(items); start += MaxMutation {
		chunk := items[start:min(start+MaxMutation, len(items))]
		ids := make([]string, len(chunk))
		for i, u := range chunk {
			ids[i] = u.DestID
		}
		exists, err := c.Existing(ctx, o.NamePlural, ids)
		rep.Calls++
		if err != nil {
			return err
		}
		var entries []audit.Entry
		var records []Record
		byID := map[string]audit.Undo{}
		for _, u := range chunk {
			e := audit.Entry{Object: u.Object, Table: u.Table, SourceKey: u.SourceKey, DestID: u.DestID, Action: audit.Restore}
			if !exists[u.DestID] {
				cnt.AlreadyGone++
				e.Reason = fmt.Sprintf("rollback of push run %d: gone from Twenty, nothing to restore", pushRun)
				entries = append(entries, e)
				continue
			}
			pre, err := decodePreImage(u)
			if err != nil {
				return errors.Join(err, w.Log(entries))
			}
			pre["id"] = u.DestID
			records = append(records, pre)
			byID[u.DestID] = u
		}
		restored := func(id string) {
			u := byID[id]
			cnt.Restored++
			entries = append(entries, audit.Entry{Object: u.Object, Table: u.Table, SourceKey: u.SourceKey, DestID: u.DestID,
				Action: audit.Restore, Reason: fmt.Sprintf("rollback of push run %d: pre-image restored", pushRun), PreImage: u.PreImage})
		}
		var res BatchResult
		if len(records) > 0 {
			res, err = c.Upsert(ctx, o.NamePlural, records)
			rep.Calls += res.Calls
			for _, id := range res.OK {
				restored(id)
			}
			if err != nil {
				return errors.Join(err, w.Log(entries))
			}
		}
		for _, rj := range res.Rejected {
			u := byID[rj.ID]
			pre, _ := decodePreImage(u)
			err := c.Patch(ctx, o.NamePlural, u.DestID, pre)
			rep.Calls++
			if err != nil {
				return errors.Join(fmt.Errorf("restore %s %s: %w", u.Table, u.DestID, err), w.Log(entries))
			}
			restored(rj.ID)
		}
		if err := w.Log(entries); err != nil {
			return err
		}
	}
	return nil
}

func decodePreImage(u audit.Undo) (Record, error) {
	var pre Record
	dec := json.NewDecoder(strings.NewReader(u.PreImage))
	dec.UseNumber()
	if err := dec.Decode(&pre); err != nil {
		return nil, fmt.Errorf("%s %s: pre-image: %w", u.Table, u.DestID, err)
	}
	return pre, nil
}

// removeOptions removes the options a push added to fields it did not
// create (one call per field, after one read of the workspace), keeping
// every other option as it is now, and logs each. An option or a field
// already gone is logged as such.
func removeOptions(ctx context.Context, c *Client, items []audit.Undo, pushRun int64, w *audit.Writer, rep *RollbackReport) error {
	if len(items) == 0 {
		return nil
	}
	ws, err := c.Objects(ctx)
	rep.Calls++
	if err != nil {
		return err
	}
	fields := map[string]FieldMeta{}
	for _, o := range ws {
		for _, f := range o.Fields {
			fields[f.ID] = f
		}
	}
	byField := map[string][]audit.Undo{}
	var order []string
	for _, u := range items {
		id, _, _ := strings.Cut(u.DestID, "/")
		if _, seen := byField[id]; !seen {
			order = append(order, id)
		}
		byField[id] = append(byField[id], u)
	}
	for _, id := range order {
		drop := map[string]bool{}
		for _, u := range byField[id] {
			_, v, _ := strings.Cut(u.DestID, "/")
			drop[v] = true
		}
		f, ok := fields[id]
		var kept []Option
		removed := map[string]bool{}
		for _, o := range f.Options {
			if drop[o.Value] {
				removed[o.Value] = true
			} else {
				kept = append(kept, o)
			}
		}
		if ok && len(removed) > 0 {
			if len(kept) == 0 {
				return fmt.Errorf("remove options of %s: it would have none left (Twenty requires one); remove the field by hand", byField[id][0].Object)
			}
			// Twenty clears the removed value on the records still holding it.
			err := c.SetOptions(ctx, id, kept)
			rep.Calls++
			if err != nil {
				return fmt.Errorf("remove options of %s: %w", byField[id][0].Object, err)
			}
		}
		var entries []audit.Entry
		for _, u := range byField[id] {
			_, v, _ := strings.Cut(u.DestID, "/")
			reason := fmt.Sprintf("rollback of push run %d: option added by it", pushRun)
			if !removed[v] {
				reason += "; already gone"
			} else {
				rep.Schema = append(rep.Schema, "option "+u.Object+" "+v)
			}
			entries = append(entries, audit.Entry{Object: u.Object, Table: u.Table, DestID: u.DestID, Action: audit.Delete, Reason: reason})
		}
		if err := w.Log(entries); err != nil {
			return err
		}
	}
	return nil
}
