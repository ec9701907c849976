package twenty

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

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
	// ServerMoved lets a rollback go to another address than its push's
	// (the same server, moved).
	ServerMoved bool
	Args        string
	// Progress receives one line per step, and how far the rollback is
	// every ProgressEvery (exporters.DefaultProgressEvery when zero); nil
	// is quiet.
	Progress      func(string)
	ProgressEvery time.Duration
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

// Rollback undoes push run PushRun through the rollback engine
// (exporters.Rollback): it restores the pre-image of every record the push
// updated and destroys (hard deletes) every record it created, children
// first (reverse load order); with Schema it then removes the custom
// fields and objects the push created and the options it added. Each undo
// is logged (mode rollback, parent PushRun, actions delete and restore)
// once Twenty acknowledged it, so a rollback interrupted half-way is
// finished by running it again.
func Rollback(ctx context.Context, db *sql.DB, opt RollbackOptions) (RollbackReport, error) {
	rep := RollbackReport{PushRun: opt.PushRun}
	if opt.Client == nil {
		return rep, errors.New("twenty rollback: no client")
	}
	plan, err := ReadPlan(ctx, db)
	if err != nil {
		return rep, err
	}
	objects := make([]exporters.Object, len(plan.Objects))
	for i, o := range plan.Objects {
		objects[i] = exporters.Object{Name: o.NameSingular, Schema: "twenty", Table: o.Table}
	}
	var schema func(context.Context, map[string][]audit.Undo, func([]audit.Entry) error) error
	if opt.Schema {
		schema = func(ctx context.Context, undo map[string][]audit.Undo, log func([]audit.Entry) error) error {
			return rollbackSchema(ctx, opt.Client, undo, opt.PushRun, log, &rep)
		}
	}
	out, err := exporters.Rollback(ctx, db, rollbackAdapter{c: opt.Client, plan: plan}, objects, exporters.RollbackRun{
		Destination: Destination, PushRun: opt.PushRun, Target: opt.Client.Target(), ServerMoved: opt.ServerMoved, Args: opt.Args, BatchSize: MaxMutation,
		Progress: opt.Progress, ProgressEvery: opt.ProgressEvery, SchemaTables: schemaTables, Schema: schema})
	rep.RunID, rep.Resumed, rep.Tables, rep.SchemaLeft = out.RunID, out.Resumed, out.Tables, out.SchemaLeft
	rep.Calls += out.Calls
	return rep, err
}

// rollbackSchema removes the options the push added to fields it did not
// create, then the fields and objects it created (fields first).
func rollbackSchema(ctx context.Context, c *Client, undo map[string][]audit.Undo, pushRun int64, log func([]audit.Entry) error, rep *RollbackReport) error {
	if err := removeOptions(ctx, c, undo[SchemaOptionsTable], pushRun, log, rep); err != nil {
		return err
	}
	for _, part := range []struct {
		kind  string
		items []audit.Undo
	}{{"fields", undo[SchemaFieldsTable]}, {"objects", undo[SchemaObjectsTable]}} {
		for _, u := range part.items {
			if u.Action != audit.Create {
				continue
			}
			found, err := c.DeleteMetadata(ctx, part.kind, u.DestID)
			rep.Calls += 2
			if err != nil {
				return fmt.Errorf("remove %s: %w", u.Object, err)
			}
			reason := fmt.Sprintf("rollback of push run %d: created by it", pushRun)
			if !found {
				reason += "; already gone"
			}
			if err := log([]audit.Entry{{Object: u.Object, Table: u.Table, DestID: u.DestID, Action: audit.Delete, Reason: reason}}); err != nil {
				return err
			}
			rep.Schema = append(rep.Schema, strings.TrimSuffix(part.kind, "s")+" "+u.Object)
		}
	}
	return nil
}

// rollbackAdapter is what a rollback does that is Twenty's own.
type rollbackAdapter struct {
	c    *Client
	plan Plan
}

func (a rollbackAdapter) Probe(ctx context.Context, table string, ids []string) (map[string]int64, error) {
	return prober{c: a.c, plan: a.plan}.Probe(ctx, table, ids)
}

func (a rollbackAdapter) SchemaTables() []string { return schemaTables }

func (a rollbackAdapter) SettleSchema(ctx context.Context, pending []audit.Unsettled) ([]audit.Entry, error) {
	return settleSchema(ctx, a.c, pending)
}

// Delete destroys (hard deletes) records, MaxMutation a call.
func (a rollbackAdapter) Delete(ctx context.Context, i int, ids []string) (map[string]bool, int, error) {
	return a.c.DestroyMany(ctx, a.plan.Objects[i].NamePlural, ids)
}

// Restore writes back pre-images: Twenty has no update-many taking a
// value per record, so the restore is an upsert by id of the pre-images
// (one call) after reading which records still exist (one call), as an
// upsert would re-create a record deleted since. A record the upsert
// refuses is restored alone by PATCH, whose error names it.
func (a rollbackAdapter) Restore(ctx context.Context, i int, items []audit.Undo) (exporters.RestoreResult, error) {
	o := a.plan.Objects[i]
	res := exporters.RestoreResult{Restored: map[string]bool{}, Gone: map[string]bool{}}
	ids := make([]string, len(items))
	for j, u := range items {
		ids[j] = u.DestID
	}
	exists, err := a.c.Existing(ctx, o.NamePlural, ids)
	res.Calls++
	if err != nil {
		return res, err
	}
	var records []Record
	byID := map[string]audit.Undo{}
	for _, u := range items {
		if !exists[u.DestID] {
			res.Gone[u.DestID] = true
			continue
		}
		pre, err := decodePreImage(u)
		if err != nil {
			return res, err
		}
		pre["id"] = u.DestID
		records = append(records, pre)
		byID[u.DestID] = u
	}
	if len(records) == 0 {
		return res, nil
	}
	up, err := a.c.Upsert(ctx, o.NamePlural, records)
	res.Calls += up.Calls
	for _, id := range up.OK {
		res.Restored[id] = true
	}
	if err != nil {
		return res, err
	}
	for _, rj := range up.Rejected {
		u := byID[rj.ID]
		pre, _ := decodePreImage(u)
		err := a.c.Patch(ctx, o.NamePlural, u.DestID, pre)
		res.Calls++
		if err != nil {
			return res, fmt.Errorf("restore %s %s: %w", u.Table, u.DestID, err)
		}
		res.Restored[rj.ID] = true
	}
	return res, nil
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
func removeOptions(ctx context.Context, c *Client, items []audit.Undo, pushRun int64, log func([]audit.Entry) error, rep *RollbackReport) error {
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
		if err := log(entries); err != nil {
			return err
		}
	}
	return nil
}
