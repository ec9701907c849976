package odoo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/axium2crm/axium2crm/exporters/audit"
)

// The schema step is write-ahead logged as records are: each change is
// logged pending under the name the log keeps for it (the model, the
// model.field, the option model.field/value) before it is sent, and
// created or updated once Odoo answered. A push stopped in between is
// settled from Odoo's data model (settleSchema): the change landed (a
// manual model or field by that name, an option with that value, a field
// of the new size) or it did not. The pending entry carries the done
// entry's pre-image, so a landed change is undone by rollback --schema
// exactly as an answered one.

// pendingOf is the pending entries logged before change a is sent.
func pendingOf(a SchemaAction) []audit.Entry {
	out := doneOf(a)
	for i := range out {
		out[i].Action, out[i].DestDBID = audit.Pending, 0
		out[i].Reason = "data-model change sent; settled from Odoo's data model if its answer is lost"
	}
	return out
}

// fieldEntries are the entries of creating fields (pending before the
// create, created after).
func fieldEntries(fields []PlanField, action string) []audit.Entry {
	var out []audit.Entry
	for _, f := range fields {
		a := SchemaAction{Kind: "field", Model: f.Model, Name: f.Name, Detail: f.Type}
		if action == audit.Pending {
			out = append(out, pendingOf(a)...)
		} else {
			out = append(out, doneOf(a)...)
		}
	}
	return out
}

// settleSchema settles the schema step's pending entries of an
// interrupted run by reading Odoo's data model.
func settleSchema(ctx context.Context, c *Client, pending []audit.Unsettled) ([]audit.Entry, error) {
	var out []audit.Entry
	for _, u := range pending {
		landed, dbID, err := schemaLanded(ctx, c, u)
		if err != nil {
			return nil, fmt.Errorf("settle %s %s: %w", u.Object, u.DestID, err)
		}
		e := audit.Entry{Object: u.Object, Table: u.Table, DestID: u.DestID, Action: audit.Skip,
			Reason: "settled after an interruption: the change never landed"}
		if landed {
			e.Action, e.DestDBID, e.PreImage = audit.Create, dbID, u.PreImage
			e.Reason = "settled after an interruption: the change landed, its answer was lost"
			if isFieldUpdate(u) {
				e.Action = audit.Update
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// isFieldUpdate tells a pending change to a field's attributes (its
// pre-image the attributes before: a widening's size, an index) from a
// pending field create (its pre-image the field's type).
func isFieldUpdate(u audit.Unsettled) bool {
	return u.Object == fieldsObject && strings.HasPrefix(u.PreImage, "{")
}

// schemaLanded reads whether the change a pending entry names is in Odoo.
func schemaLanded(ctx context.Context, c *Client, u audit.Unsettled) (bool, int64, error) {
	switch u.Object {
	case "ir.model":
		got, err := findModels(c, []string{u.DestID})(ctx)
		if err != nil {
			return false, 0, err
		}
		return got[0] != 0, got[0], nil
	case fieldsObject:
		i := strings.LastIndex(u.DestID, ".")
		if i < 0 {
			return false, 0, fmt.Errorf("not a model.field name")
		}
		v, err := c.Execute(ctx, fieldsObject, "search_read", []any{[]any{[]any{"model", "=", u.DestID[:i]}, []any{"name", "=", u.DestID[i+1:]}}},
			map[string]any{"fields": []any{"state", "size", "index"}})
		if err != nil {
			return false, 0, err
		}
		rs := records(v)
		if len(rs) == 0 {
			return false, 0, nil
		}
		if !isFieldUpdate(u) {
			return str(rs[0]["state"]) == "manual", num(rs[0]["id"]), nil
		}
		var pre map[string]any
		if err := json.Unmarshal([]byte(u.PreImage), &pre); err != nil {
			return false, 0, err
		}
		// Landed when an attribute no longer has its value before.
		for k, v := range pre {
			if fmt.Sprint(rs[0][k]) != fmt.Sprint(v) {
				return true, num(rs[0]["id"]), nil
			}
		}
		return false, num(rs[0]["id"]), nil
	case selectionObject:
		field, value, ok := strings.Cut(u.DestID, "/")
		i := strings.LastIndex(field, ".")
		if !ok || i < 0 {
			return false, 0, fmt.Errorf("not a model.field/value name")
		}
		v, err := c.Execute(ctx, selectionObject, "search",
			[]any{[]any{[]any{"field_id.model", "=", field[:i]}, []any{"field_id.name", "=", field[i+1:]}, []any{"value", "=", value}}}, nil)
		if err != nil {
			return false, 0, err
		}
		if l := ids(v); len(l) > 0 {
			return true, l[0], nil
		}
		return false, 0, nil
	}
	return false, 0, fmt.Errorf("no data-model change of that kind")
}

// SchemaTables and SettleSchema settle an interrupted run's data-model
// changes (exporters.SchemaSettler), for a resumed push and a rollback.
func (p *pusher) SchemaTables() []string { return []string{schemaTable} }

func (p *pusher) SettleSchema(ctx context.Context, pending []audit.Unsettled) ([]audit.Entry, error) {
	return settleSchema(ctx, p.c, pending)
}

func (a rollbackAdapter) SchemaTables() []string { return []string{schemaTable} }

func (a rollbackAdapter) SettleSchema(ctx context.Context, pending []audit.Unsettled) ([]audit.Entry, error) {
	return settleSchema(ctx, a.c, pending)
}
