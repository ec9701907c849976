package odoo

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/axium2crm/axium2crm/exporters/audit"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// Schema evolution: a later export may bring a selection value, or a text
// longer than a char field's size, that the fields made before do not
// take. Odoo 17 refuses a record whose selection value is not an option,
// and keeps only the first size characters of a char value (silently), so
// both are settled before any record moves: an option is added to the
// existing field as an ir.model.fields.selection record (Odoo's own
// storage of a field's options; writing the field's selection text would
// also remove the options it does not list, and clear them on the records
// holding them), and a manual field is widened by writing its size. What
// Odoo does not let the push change (a field a module defines) is a
// conflict. The key field of a keyed model (create.go) made by a build
// that did not index it is given its index: the push, resume, rollback and
// verify find records by it. Each change is logged with what it replaced,
// so rollback --schema undoes only what the push did.

// Kinds of change to an existing field.
const (
	kindAddOptions = "add options"
	kindWiden      = "widen"
	kindIndex      = "index"
)

// Objects the audit log names for these changes.
const (
	selectionObject = "ir.model.fields.selection"
	fieldsObject    = "ir.model.fields"
)

// fieldChanges compares the planned fields that exist with the planned
// type (evolve) with Odoo's: the options their selection lacks, and the
// char fields whose size the data's values exceed. It returns the changes
// to make and the conflicts that forbid them.
func fieldChanges(ctx context.Context, c *Client, plan *Plan, evolve []PlanField, existing map[string]map[string]map[string]any) ([]SchemaAction, []string, error) {
	var selFields []any
	for _, f := range evolve {
		if f.Type == "selection" && len(f.Selection) > 0 {
			selFields = append(selFields, num(existing[f.Model][f.Name]["id"]))
		}
	}
	have := map[int64][][2]string{}
	maxSeq := map[int64]int64{}
	if len(selFields) > 0 {
		v, err := c.Execute(ctx, selectionObject, "search_read", []any{[]any{[]any{"field_id", "in", selFields}}},
			map[string]any{"fields": []any{"field_id", "value", "name", "sequence"}})
		if err != nil {
			return nil, nil, fmt.Errorf("read selection options: %w", err)
		}
		rows := records(v)
		sort.SliceStable(rows, func(i, j int) bool { return num(rows[i]["sequence"]) < num(rows[j]["sequence"]) })
		for _, r := range rows {
			fid := many2oneID(r["field_id"])
			have[fid] = append(have[fid], [2]string{str(r["value"]), str(r["name"])})
			maxSeq[fid] = max(maxSeq[fid], num(r["sequence"]))
		}
	}
	var changes []SchemaAction
	var conflicts []string
	for _, f := range evolve {
		e := existing[f.Model][f.Name]
		where := f.Model + "." + f.Name
		manual := str(e["state"]) == "manual"
		if f.Name == createKey && manual && e["index"] != true {
			changes = append(changes, SchemaAction{Kind: kindIndex, Model: f.Model, Name: f.Name,
				Detail: "indexed: the push finds its records by it", fieldID: num(e["id"])})
		}
		switch {
		case f.Type == "selection" && len(f.Selection) > 0:
			fid := num(e["id"])
			var added [][2]string
			for _, o := range f.Selection {
				if !hasOption(have[fid], o[0]) {
					added = append(added, o)
				}
			}
			if len(added) == 0 {
				continue
			}
			if !manual {
				conflicts = append(conflicts, fmt.Sprintf("%s: the data holds %s, which this field (defined by a module, not custom) lacks; Odoo lets no one add options to it",
					where, optionValues(added)))
				continue
			}
			changes = append(changes, SchemaAction{Kind: kindAddOptions, Model: f.Model, Name: f.Name,
				Detail:  fmt.Sprintf("adds %s to %s", optionList(added), optionValues(have[fid])),
				fieldID: fid, before: have[fid], added: added, nextSeq: maxSeq[fid] + 1})
		case f.Type == "char" && num(e["size"]) > 0:
			size := int(num(e["size"]))
			longest, err := plan.longest(ctx, f.Model, f.Name)
			if err != nil {
				return nil, nil, err
			}
			if longest <= size {
				continue
			}
			if !manual {
				conflicts = append(conflicts, fmt.Sprintf("%s holds %d characters (a module defines it), the data has values of %d: Odoo would keep only the first %d",
					where, size, longest, size))
				continue
			}
			changes = append(changes, SchemaAction{Kind: kindWiden, Model: f.Model, Name: f.Name,
				Detail:  fmt.Sprintf("size %d → %d: the data has values of up to %d characters", size, longest, longest),
				fieldID: num(e["id"]), oldSize: size, newSize: longest})
		}
	}
	return changes, conflicts, nil
}

// applyFieldChanges adds the options (one call for all) and widens the
// fields. A dry run changes nothing.
func applyFieldChanges(ctx context.Context, c *Client, changes []SchemaAction, dryRun bool, wal func([]audit.Entry) error) error {
	if dryRun || len(changes) == 0 {
		return nil
	}
	var vals []map[string]any
	for _, a := range changes {
		if a.Kind != kindAddOptions {
			continue
		}
		if err := wal(pendingOf(a)); err != nil {
			return err
		}
		// After the options there, in the plan's order.
		for i, o := range a.added {
			vals = append(vals, map[string]any{"field_id": a.fieldID, "value": o[0], "name": o[1], "sequence": a.nextSeq + int64(i)})
		}
	}
	if len(vals) > 0 {
		got, err := createSchema(ctx, c, selectionObject, vals, findOptions(c, vals))
		if err != nil {
			return fmt.Errorf("add selection options: %w", err)
		}
		for i := range changes {
			if changes[i].Kind == kindAddOptions {
				changes[i].options, got = got[:len(changes[i].added)], got[len(changes[i].added):]
				if err := wal(doneOf(changes[i])); err != nil {
					return err
				}
			}
		}
	}
	for _, a := range changes {
		var vals map[string]any
		switch a.Kind {
		case kindWiden:
			vals = map[string]any{"size": int64(a.newSize)}
		case kindIndex:
			// Odoo creates the btree index as it reloads the registry.
			vals = map[string]any{"index": true}
		default:
			continue
		}
		if err := wal(pendingOf(a)); err != nil {
			return err
		}
		if _, err := c.Execute(ctx, fieldsObject, "write", []any{[]any{a.fieldID}, vals}, nil); err != nil {
			return fmt.Errorf("%s %s.%s: %w", a.Kind, a.Model, a.Name, err)
		}
		if err := wal(doneOf(a)); err != nil {
			return err
		}
	}
	return nil
}

// doneOf is the log entries of a change the schema step made: a model or
// field created (its type as the pre-image, so rollback removes one2many
// fields first); each option added, created as an
// ir.model.fields.selection record, with the options the field had; a
// field widened, an update whose pre-image is its size. Access rules go
// with their model, an inherited field with its parent's: none of their
// own.
func doneOf(a SchemaAction) []audit.Entry {
	var out []audit.Entry
	switch a.Kind {
	case "model":
		out = append(out, audit.Entry{Object: "ir.model", Table: schemaTable, DestID: a.Model, Action: audit.Create, PreImage: a.Detail})
	case "field":
		out = append(out, audit.Entry{Object: fieldsObject, Table: schemaTable, DestID: a.Model + "." + a.Name, Action: audit.Create, PreImage: a.Detail})
	case kindAddOptions:
		before, _ := json.Marshal(a.before)
		for i, o := range a.added {
			e := audit.Entry{Object: selectionObject, Table: schemaTable, DestID: optionID(a.Model, a.Name, o[0]), Action: audit.Create,
				Reason: "option added to a field the push did not create", PreImage: string(before)}
			if i < len(a.options) {
				e.DestDBID = a.options[i]
			}
			out = append(out, e)
		}
	case kindWiden:
		pre, _ := json.Marshal(map[string]int{"size": a.oldSize})
		out = append(out, audit.Entry{Object: fieldsObject, Table: schemaTable, DestID: a.Model + "." + a.Name, Action: audit.Update,
			Reason: fmt.Sprintf("widened to %d characters", a.newSize), PreImage: string(pre)})
	case kindIndex:
		out = append(out, audit.Entry{Object: fieldsObject, Table: schemaTable, DestID: a.Model + "." + a.Name, Action: audit.Update,
			Reason: a.Detail, PreImage: `{"index":false}`})
	}
	return out
}

// attrList is a field's attributes as "size 12", "index false".
func attrList(m map[string]any) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s %v", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// optionID names an option in the log: model.field/value (a field name
// holds no "/").
func optionID(model, field, value string) string { return model + "." + field + "/" + value }

// undoFieldChanges undoes, of a push's schema entries, the changes to
// fields it did not create: it removes the options it added and gives the
// fields it widened their size back. It logs each undo and returns the
// other entries (models and fields the push created). An option or a field
// already gone is logged as such.
func undoFieldChanges(ctx context.Context, c *Client, items []audit.Undo, log func([]audit.Entry) error, rep *RollbackReport) ([]audit.Undo, error) {
	var rest []audit.Undo
	for _, u := range items {
		isOption := u.Object == selectionObject && u.Action == audit.Create
		isUpdate := u.Object == fieldsObject && u.Action == audit.Update
		if !isOption && !isUpdate {
			rest = append(rest, u)
			continue
		}
		field, value, _ := strings.Cut(u.DestID, "/")
		i := strings.LastIndex(field, ".")
		if i < 0 {
			return nil, fmt.Errorf("schema entry %s: not model.field", u.DestID)
		}
		v, err := c.Execute(ctx, fieldsObject, "search", []any{[]any{[]any{"model", "=", field[:i]}, []any{"name", "=", field[i+1:]}}}, nil)
		if err != nil {
			return nil, fmt.Errorf("find field %s: %w", field, err)
		}
		fids, _ := v.([]any)
		e := audit.Entry{Object: u.Object, Table: schemaTable, DestID: u.DestID, Reason: "already gone from Odoo"}
		switch {
		case isOption:
			e.Action = audit.Delete
			if len(fids) == 0 {
				break
			}
			v, err := c.Execute(ctx, selectionObject, "search", []any{[]any{[]any{"field_id", "=", fids[0]}, []any{"value", "=", value}}}, nil)
			if err != nil {
				return nil, fmt.Errorf("find option %s: %w", u.DestID, err)
			}
			if l, _ := v.([]any); len(l) > 0 {
				// Odoo clears the value on the records still holding it.
				if _, err := c.Execute(ctx, selectionObject, "unlink", []any{l}, nil); err != nil {
					return nil, fmt.Errorf("remove option %s: %w", u.DestID, err)
				}
				e.Reason = "added by the push"
				rep.Schema = append(rep.Schema, u.DestID)
			}
		case isUpdate:
			e.Action = audit.Restore
			if len(fids) == 0 {
				break
			}
			// The pre-image is what the push changed: a size, an index.
			var pre map[string]any
			if err := json.Unmarshal([]byte(u.PreImage), &pre); err != nil {
				return nil, fmt.Errorf("schema entry %s: pre-image: %w", u.DestID, err)
			}
			for k, v := range pre {
				if f, ok := v.(float64); ok {
					pre[k] = int64(f) // a size
				}
			}
			if _, err := c.Execute(ctx, fieldsObject, "write", []any{[]any{fids[0]}, pre}, nil); err != nil {
				return nil, fmt.Errorf("give %s back %s: %w", field, u.PreImage, err)
			}
			e.Reason, e.PreImage = attrList(pre)+" restored", u.PreImage
			rep.Schema = append(rep.Schema, fmt.Sprintf("%s (%s)", field, attrList(pre)))
		}
		if err := log([]audit.Entry{e}); err != nil {
			return nil, err
		}
	}
	return rest, nil
}

// longest is the length in characters of the longest value the tables of
// model hold in column name; 0 when none has that column, or the plan was
// not read from a warehouse.
func (p *Plan) longest(ctx context.Context, model, name string) (int, error) {
	if p.db == nil {
		return 0, nil
	}
	n := 0
	for _, o := range p.Objects {
		if o.Model != model {
			continue
		}
		var has bool
		if err := p.db.QueryRowContext(ctx, query("has_column"), o.Table, name).Scan(&has); err != nil {
			return 0, fmt.Errorf("odoo.%s: %w", o.Table, err)
		}
		if !has {
			continue
		}
		var m sql.NullInt64
		q := "SELECT max(length(CAST(" + warehouse.QuoteIdent(name) + " AS VARCHAR))) FROM odoo." + warehouse.QuoteIdent(o.Table)
		if err := p.db.QueryRowContext(ctx, q).Scan(&m); err != nil {
			return 0, fmt.Errorf("odoo.%s: longest %s: %w", o.Table, name, err)
		}
		n = max(n, int(m.Int64))
	}
	return n, nil
}

func hasOption(opts [][2]string, value string) bool {
	for _, o := range opts {
		if o[0] == value {
			return true
		}
	}
	return false
}

// optionValues lists option values: "f, m".
func optionValues(opts [][2]string) string {
	if len(opts) == 0 {
		return "no option"
	}
	v := make([]string, len(opts))
	for i, o := range opts {
		v[i] = o[0]
	}
	return strings.Join(v, ", ")
}

// optionList lists options with their labels: "x (Non-binary)".
func optionList(opts [][2]string) string {
	v := make([]string, len(opts))
	for i, o := range opts {
		v[i] = fmt.Sprintf("%s (%s)", o[0], o[1])
	}
	return strings.Join(v, ", ")
}

// many2oneID is the id of a many2one as read() answers it: [id, name].
func many2oneID(v any) int64 {
	if l, ok := v.([]any); ok && len(l) > 0 {
		return num(l[0])
	}
	return num(v)
}
