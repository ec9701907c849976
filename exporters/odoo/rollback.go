package odoo

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
)

// RollbackOptions say which push to undo.
type RollbackOptions struct {
	// PushRun is the push run to undo.
	PushRun int64
	// Schema also removes the custom fields and models that push created.
	Schema bool
	// ServerMoved lets a rollback go to another address than its push's
	// (the same server, moved).
	ServerMoved bool
	// BatchSize is the records per unlink call (default 500).
	BatchSize int
	// Target and Args are recorded in the audit log.
	Target, Args string
	Progress     func(string)
	// ProgressEvery is how often Progress hears how far the rollback is
	// (exporters.DefaultProgressEvery when zero).
	ProgressEvery time.Duration
}

// RollbackTable counts one table's undo.
type RollbackTable struct {
	Table    string `json:"table"`
	Deleted  int    `json:"deleted"`
	Restored int    `json:"restored"`
	Missing  int    `json:"already_gone"`
	// NoPreImage counts updates logged without the values before them:
	// they are left as they are.
	NoPreImage int `json:"no_pre_image,omitempty"`
}

// RollbackReport is what a rollback did.
type RollbackReport struct {
	RunID   int64           `json:"run_id"`
	PushRun int64           `json:"push_run"`
	Resumed bool            `json:"resumed"`
	Tables  []RollbackTable `json:"tables"`
	Schema  []string        `json:"schema_removed,omitempty"`
}

// Rollback undoes push run PushRun through the rollback engine
// (exporters.Rollback): in reverse load order it writes back the
// pre-images of what the push updated, then unlinks what it created
// (their external ids go with them); with Schema it then removes the x_
// fields and custom models the push created and undoes the changes it
// made to fields it did not create. Every undo is logged in a rollback run
// whose parent is the push, after Odoo acknowledged it, so running it again
// after an interruption carries on where it stopped.
func Rollback(ctx context.Context, db *sql.DB, c *Client, opt RollbackOptions) (*RollbackReport, error) {
	if opt.BatchSize <= 0 {
		opt.BatchSize = 500
	}
	if opt.Target == "" && c != nil {
		opt.Target = c.Target()
	}
	rep := &RollbackReport{PushRun: opt.PushRun}
	plan, err := ReadPlan(ctx, db)
	if err != nil {
		return rep, err
	}
	objects := make([]exporters.Object, len(plan.Objects))
	for i, o := range plan.Objects {
		objects[i] = exporters.Object{Name: o.Model, Schema: "odoo", Table: o.Table}
	}
	// Lead scoring the push paused is set back in every rollback, once
	// the visits are gone; its data-model changes only with Schema.
	schema := func(ctx context.Context, undo map[string][]audit.Undo, log func([]audit.Entry) error) error {
		if err := rollbackScoring(ctx, c, undo[settingsTable], log); err != nil {
			return err
		}
		if !opt.Schema {
			return nil
		}
		return rollbackSchema(ctx, c, undo[schemaTable], log, rep)
	}
	out, err := exporters.Rollback(ctx, db, rollbackAdapter{c: c, plan: plan}, objects, exporters.RollbackRun{
		Destination: Destination, PushRun: opt.PushRun, Target: opt.Target, ServerMoved: opt.ServerMoved, Args: opt.Args, BatchSize: opt.BatchSize,
		Progress: opt.Progress, ProgressEvery: opt.ProgressEvery, SchemaTables: []string{schemaTable, settingsTable}, Schema: schema})
	rep.RunID, rep.Resumed = out.RunID, out.Resumed
	for _, t := range out.Tables {
		rep.Tables = append(rep.Tables, RollbackTable{Table: strings.TrimPrefix(t.Table, "odoo."), Deleted: t.Destroyed,
			Restored: t.Restored, Missing: t.AlreadyGone, NoPreImage: t.NoPreImage})
	}
	return rep, err
}

// rollbackAdapter is what a rollback does that is Odoo's own.
type rollbackAdapter struct {
	c    *Client
	plan *Plan
}

func (a rollbackAdapter) Probe(ctx context.Context, table string, xids []string) (map[string]int64, error) {
	return prober{c: a.c, plan: a.plan}.Probe(ctx, table, xids)
}

// Delete unlinks the records the external ids name (a recurrent event's
// occurrences go with it).
func (a rollbackAdapter) Delete(ctx context.Context, i int, xs []string) (map[string]bool, int, error) {
	return deleteXIDs(ctx, a.c, a.plan, a.plan.Objects[i].Model, xs)
}

// Restore writes each pre-image back with write (values differ by record).
func (a rollbackAdapter) Restore(ctx context.Context, i int, items []audit.Undo) (exporters.RestoreResult, error) {
	o := a.plan.Objects[i]
	res := exporters.RestoreResult{Restored: map[string]bool{}, Gone: map[string]bool{}}
	xs := make([]string, len(items))
	for j, u := range items {
		xs[j] = u.DestID
	}
	found, calls, err := resolveRecords(ctx, a.c, a.plan, o.Model, xs)
	res.Calls += calls
	if err != nil {
		return res, err
	}
	for _, u := range items {
		x, ok := found[u.DestID]
		if !ok || x.Model != o.Model {
			res.Gone[u.DestID] = true
			continue
		}
		vals, err := preImageVals(u.PreImage)
		if err != nil {
			return res, fmt.Errorf("odoo.%s %s: %w", o.Table, u.DestID, err)
		}
		res.Calls++
		if _, err := a.c.Execute(ctx, o.Model, "write", []any{[]any{x.ID}, vals}, map[string]any{"context": loadContext}); err != nil {
			return res, fmt.Errorf("odoo.%s: restore %s: %w", o.Table, u.DestID, err)
		}
		res.Restored[u.DestID] = true
	}
	return res, nil
}

// deleteXIDs unlinks the records of model the external ids name (a keyed
// model's: by their key first) and returns which were there.
func deleteXIDs(ctx context.Context, c *Client, plan *Plan, model string, xs []string) (map[string]bool, int, error) {
	lookup := xs
	if model == "res.users" {
		// A user is made with a partner of its own (_inherits), bound to
		// the external id <xid>_res_partner, and Odoo keeps that partner
		// when the user is deleted: the rollback deletes it after the
		// user, found by that external id (which outlives the user, so a
		// rollback interrupted in between finds it again).
		for _, x := range xs {
			lookup = append(lookup, x+userPartnerSuffix)
		}
	}
	found, calls, err := resolveRecords(ctx, c, plan, model, lookup)
	if err != nil {
		return nil, calls, err
	}
	deleted := map[string]bool{}
	var ids, partners []any
	for _, x := range xs {
		if target, ok := found[x]; ok && target.Model == model {
			ids = append(ids, target.ID)
			deleted[x] = true
		}
		if target, ok := found[x+userPartnerSuffix]; ok && model == "res.users" && target.Model == "res.partner" {
			partners = append(partners, target.ID)
			deleted[x] = true
		}
	}
	if len(ids) > 0 {
		calls++
		if err := unlinkRecords(ctx, c, model, ids); err != nil {
			return deleted, calls, err
		}
	}
	if len(partners) > 0 {
		calls++
		if err := unlinkRecords(ctx, c, "res.partner", partners); err != nil {
			return deleted, calls, fmt.Errorf("delete the partners of the users: %w", err)
		}
	}
	return deleted, calls, nil
}

// userPartnerSuffix ends the external id Odoo gives a user's own partner.
const userPartnerSuffix = "_res_partner"

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
			if id := refID(r["recurrence_id"]); id != 0 && !seen[id] {
				seen[id] = true
				recurrences = append(recurrences, id)
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
