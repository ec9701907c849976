package odoo

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
)

// RollbackOptions say which push to undo.
type RollbackOptions struct {
	// PushRun is the push run to undo.
	PushRun int64
	// Schema also removes the custom fields and models that push created.
	Schema bool
	// BatchSize is the records per unlink call (default 500).
	BatchSize int
	// Target and Args are recorded in the audit log.
	Target, Args string
	Progress     func(string)
}

// RollbackTable counts one table's undo.
type RollbackTable struct {
	Table    string `json:"table"`
	Deleted  int    `json:"deleted"`
	Restored int    `json:"restored"`
	Missing  int    `json:"already_gone"`
}

// RollbackReport is what a rollback did.
type RollbackReport struct {
	RunID   int64           `json:"run_id"`
	PushRun int64           `json:"push_run"`
	Resumed bool            `json:"resumed"`
	Tables  []RollbackTable `json:"tables"`
	Schema  []string        `json:"schema_removed,omitempty"`
}

// Rollback undoes push run PushRun: it unlinks what the push created, in
// reverse load order (their external ids go with them), and writes back
// the pre-images of what it updated. Every undo is logged in a rollback
// run whose parent is the push, after Odoo acknowledged it, so running it
// again after an interruption carries on where it stopped.
func Rollback(ctx context.Context, db *sql.DB, c *Client, opt RollbackOptions) (*RollbackReport, error) {
	if opt.BatchSize <= 0 {
		opt.BatchSize = 500
	}
	rep := &RollbackReport{PushRun: opt.PushRun}
	plan, err := ReadPlan(ctx, db)
	if err != nil {
		return rep, err
	}
	// The checks every destination makes, and the settling of a push that
	// never finished, before anything is undone.
	resume, err := exporters.PrepareRollback(ctx, db, Destination, opt.PushRun, prober{c: c, plan: plan}, opt.Progress)
	if err != nil {
		return rep, err
	}
	undo, err := audit.UndoPlan(ctx, db, opt.PushRun)
	if err != nil {
		return rep, err
	}
	run, err := audit.Start(ctx, db, audit.RunOptions{Destination: Destination, Mode: "rollback", ParentRun: opt.PushRun,
		Resume: resume, Target: opt.Target, Args: opt.Args})
	if err != nil {
		return rep, err
	}
	rep.RunID, rep.Resumed = run.ID, run.Resumed
	err = rollback(ctx, c, run, plan, undo, opt, rep)
	if ferr := run.Finish(ctx, err); ferr != nil && err == nil {
		err = ferr
	}
	return rep, err
}

func rollback(ctx context.Context, c *Client, run *audit.Run, plan *Plan, undo map[string][]audit.Undo, opt RollbackOptions, rep *RollbackReport) error {
	progress := func(format string, a ...any) {
		if opt.Progress != nil {
			opt.Progress(fmt.Sprintf(format, a...))
		}
	}
	log := func(entries []audit.Entry) error { return run.Log(context.WithoutCancel(ctx), entries) }
	objects := append([]Object(nil), plan.Objects...)
	sort.SliceStable(objects, func(i, j int) bool { return objects[i].LoadOrder > objects[j].LoadOrder })
	for _, o := range objects {
		table := "odoo." + o.Table
		items := undo[table]
		if len(items) == 0 {
			continue
		}
		tr := RollbackTable{Table: o.Table}
		var xids []string
		for _, u := range items {
			xids = append(xids, u.DestID)
		}
		found, err := c.resolveXIDs(ctx, xids)
		if err != nil {
			return err
		}
		var creates, updates []audit.Undo
		for _, u := range items {
			if u.Action == audit.Create {
				creates = append(creates, u)
			} else {
				updates = append(updates, u)
			}
		}
		// Restore first: an updated record may point at one this push created.
		for _, u := range updates {
			x, ok := found[u.DestID]
			e := audit.Entry{Object: o.Model, Table: table, SourceKey: u.SourceKey, DestID: u.DestID, Action: audit.Restore}
			if !ok {
				tr.Missing++
				e.Reason = "gone from Odoo: nothing to restore"
			} else {
				vals, err := preImageVals(u.PreImage)
				if err != nil {
					return fmt.Errorf("%s %s: %w", table, u.DestID, err)
				}
				if _, err := c.Execute(ctx, o.Model, "write", []any{[]any{x.ID}, vals}, map[string]any{"context": loadContext}); err != nil {
					return fmt.Errorf("%s: restore %s: %w", table, u.DestID, err)
				}
				e.DestDBID = x.ID
				tr.Restored++
			}
			if err := log([]audit.Entry{e}); err != nil {
				return err
			}
		}
		for start := 0; start < len(creates); start += opt.BatchSize {
			batch := creates[start:min(start+opt.BatchSize, len(creates))]
			var ids []any
			entries := make([]audit.Entry, 0, len(batch))
			for _, u := range batch {
				e := audit.Entry{Object: o.Model, Table: table, SourceKey: u.SourceKey, DestID: u.DestID, Action: audit.Delete}
				if x, ok := found[u.DestID]; ok && x.Model == o.Model {
					ids = append(ids, x.ID)
					e.DestDBID = x.ID
					tr.Deleted++
				} else {
					e.Reason = "already gone from Odoo"
					tr.Missing++
				}
				entries = append(entries, e)
			}
			if len(ids) > 0 {
				if err := unlinkRecords(ctx, c, o.Model, ids); err != nil {
					return fmt.Errorf("%s: delete %d records: %w", table, len(ids), err)
				}
			}
			if err := log(entries); err != nil {
				return err
			}
		}
		progress("%s: %d deleted, %d restored, %d already gone", o.Table, tr.Deleted, tr.Restored, tr.Missing)
		rep.Tables = append(rep.Tables, tr)
	}
	if !opt.Schema {
		return nil
	}
	return rollbackSchema(ctx, c, undo[schemaTable], log, rep)
}

// rollbackSchema undoes the options the push added and the sizes it
// widened on fields it did not create, then removes the x_ fields (one2many
// first) and the custom models it created.
func rollbackSchema(ctx context.Context, c *Client, items []audit.Undo, log func([]audit.Entry) error, rep *RollbackReport) error {
	items, err := undoFieldChanges(ctx, c, items, log, rep)
	if err != nil {
		return err
	}
	sort.SliceStable(items, func(i, j int) bool {
		rank := func(u audit.Undo) int {
			switch {
			case u.Object == "ir.model":
				return 2
			case strings.Contains(u.PreImage, "one2many"):
				return 0
			}
			return 1
		}
		return rank(items[i]) < rank(items[j])
	})
	// The field's type is the entry's reason; one2many go first so their
	// inverse many2one can go.
	for _, u := range items {
		var domain []any
		if u.Object == "ir.model" {
			domain = []any{[]any{"model", "=", u.DestID}}
		} else {
			i := strings.LastIndex(u.DestID, ".")
			domain = []any{[]any{"model", "=", u.DestID[:i]}, []any{"name", "=", u.DestID[i+1:]}}
		}
		v, err := c.Execute(ctx, u.Object, "search", []any{domain}, nil)
		if err != nil {
			return fmt.Errorf("find %s %s: %w", u.Object, u.DestID, err)
		}
		e := audit.Entry{Object: u.Object, Table: schemaTable, DestID: u.DestID, Action: audit.Delete}
		if l, _ := v.([]any); len(l) > 0 {
			if _, err := c.Execute(ctx, u.Object, "unlink", []any{l}, nil); err != nil {
				return fmt.Errorf("remove %s %s: %w", u.Object, u.DestID, err)
			}
			rep.Schema = append(rep.Schema, u.DestID)
		} else {
			e.Reason = "already gone from Odoo"
		}
		if err := log([]audit.Entry{e}); err != nil {
			return err
		}
	}
	return nil
}

// preImageVals turns a read() answer back into write() values: many2one
// [id, name] → id, x2many ids → a set command.
func preImageVals(pre string) (map[string]any, error) {
	if pre == "" {
		return nil, errors.New("the update has no pre-image: cannot restore it")
	}
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(pre))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("pre-image: %w", err)
	}
	delete(m, "id")
	for k, v := range m {
		m[k] = normalizeJSON(v)
		if l, ok := m[k].([]any); ok {
			if len(l) == 2 {
				if _, isName := l[1].(string); isName {
					m[k] = l[0]
					continue
				}
			}
			m[k] = []any{[]any{int64(6), int64(0), l}}
		}
	}
	return m, nil
}

// unlinkRecords deletes records and what Odoo made from them that is not
// bound to an external id: a recurrent calendar.event's recurrence and
// the occurrences Odoo generated (found left behind on a real Odoo 17).
func unlinkRecords(ctx context.Context, c *Client, model string, ids []any) error {
	var recurrences []any
	if model == "calendar.event" {
		v, err := c.Execute(ctx, model, "read", []any{ids, []any{"recurrence_id"}}, nil)
		if err != nil {
			return err
		}
		seen := map[int64]bool{}
		for _, r := range records(v) {
			if l, ok := r["recurrence_id"].([]any); ok && len(l) > 0 && !seen[num(l[0])] {
				seen[num(l[0])] = true
				recurrences = append(recurrences, num(l[0]))
			}
		}
	}
	if _, err := c.Execute(ctx, model, "unlink", []any{ids}, nil); err != nil {
		return err
	}
	if len(recurrences) == 0 {
		return nil
	}
	v, err := c.Execute(ctx, "calendar.event", "search", []any{[]any{[]any{"recurrence_id", "in", recurrences}}},
		map[string]any{"context": map[string]any{"active_test": false}})
	if err != nil {
		return err
	}
	if l, _ := v.([]any); len(l) > 0 {
		if _, err := c.Execute(ctx, "calendar.event", "unlink", []any{l}, nil); err != nil {
			return err
		}
	}
	v, err = c.Execute(ctx, "calendar.recurrence", "search", []any{[]any{[]any{"id", "in", recurrences}}}, nil)
	if err != nil {
		return err
	}
	if l, _ := v.([]any); len(l) > 0 {
		_, err = c.Execute(ctx, "calendar.recurrence", "unlink", []any{l}, nil)
	}
	return err
}
