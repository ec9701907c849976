package odoo

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// The schema step's creates (ir.model, ir.model.access, ir.model.fields,
// ir.model.fields.selection) are not idempotent: sent twice, a create makes
// two records, or is refused by one of Odoo's unique constraints ("Each
// model must have a unique name.", "Field names must be unique per model.",
// "Selections values must be unique per field"). So the client never sends
// a create again once it may have reached Odoo (nonIdempotent), and a lost
// answer used to stop the push before its run began, leaving what Odoo had
// made out of the audit log, where rollback --schema could not find it.
// createSchema settles such an answer from what Odoo holds instead.

// findFunc reads back what a create of vals would have made: for each of
// vals, in order, the id of the record that matches it, or 0.
type findFunc func(ctx context.Context) ([]int64, error)

// createSchema creates vals (one call) and returns their ids in order.
// When the answer is lost (a transport error once the call may have
// reached Odoo), find reads back what Odoo holds: if every record exists,
// the create happened and those are its ids; if none does, it did not
// happen, and it is sent again, at most the client's Retries times. A
// create sent again and refused (a unique constraint: the lost one
// happened after all, late) is read back the same way. Odoo makes the
// records of one create call in one transaction, so finding only some of
// them means they are not this push's: that is an error.
func createSchema(ctx context.Context, c *Client, model string, vals []map[string]any, find findFunc) ([]int64, error) {
	ids, _, err := createOnce(ctx, c, model, vals, nil, find)
	return ids, err
}

// createOnce is createSchema with the create call's keyword arguments
// (its context). The push's record creates use it too (create.go): their
// key field is what find reads back. A create still running on the server
// when the client gives up on it (the client waits 5 minutes; Odoo's
// prefork workers are killed after limit_time_real, 120 s by default,
// rolling their transaction back) is not read back as made; if it commits
// after all, once the create was sent again, the records are there twice.
// resent says the create was sent again after a lost answer: the caller
// then looks for such second copies when it can (pusher.End).
func createOnce(ctx context.Context, c *Client, model string, vals []map[string]any, kwargs map[string]any, find findFunc) (made []int64, resent bool, err error) {
	list := make([]any, len(vals))
	for i, v := range vals {
		list[i] = v
	}
	lost := false
	wait := c.cfg.Backoff
	for again := 0; ; again++ {
		v, err := c.Execute(ctx, model, "create", []any{list}, kwargs)
		if err == nil {
			got := ids(v)
			if len(got) != len(vals) {
				return nil, resent, fmt.Errorf("%s.create: Odoo answered %d ids for %d records", model, len(got), len(vals))
			}
			return got, resent, nil
		}
		var te *TransportError
		var f *Fault
		var stop *StopError
		switch {
		case errors.As(err, &te) && te.Sent && !te.Throttled:
			lost = true
		case lost && errors.As(err, &f) && !errors.As(err, &stop):
			// Possibly refused because the lost create happened.
		default:
			return nil, resent, err
		}
		found, ferr := find(ctx)
		if ferr != nil {
			return nil, resent, fmt.Errorf("%w (an answer was lost; reading back what Odoo holds failed: %v)", err, ferr)
		}
		n := 0
		for _, id := range found {
			if id != 0 {
				n++
			}
		}
		switch {
		case len(found) == len(vals) && n == len(vals):
			return found, resent, nil
		case n > 0:
			return nil, resent, fmt.Errorf("%w (an answer was lost, and Odoo holds %d of the %d records the create makes)", err, n, len(vals))
		case again >= c.cfg.Retries || f != nil:
			// Refused, and not because of the lost create: Odoo holds none
			// of it.
			return nil, resent, err
		}
		select {
		case <-ctx.Done():
			return nil, resent, ctx.Err()
		case <-time.After(jitter(wait)):
		}
		wait *= 2
		resent = true
	}
}

// findModels finds custom models by technical name.
func findModels(c *Client, models []string) findFunc {
	return func(ctx context.Context) ([]int64, error) {
		v, err := c.Execute(ctx, "ir.model", "search_read", []any{[]any{[]any{"model", "in", anyList(models)}}},
			map[string]any{"fields": []any{"model", "state"}})
		if err != nil {
			return nil, err
		}
		byName := map[string]int64{}
		for _, r := range records(v) {
			if str(r["state"]) == "manual" {
				byName[str(r["model"])] = num(r["id"])
			}
		}
		out := make([]int64, len(models))
		for i, m := range models {
			out[i] = byName[m]
		}
		return out, nil
	}
}

// findAccess finds an access rule of a model for a group.
func findAccess(c *Client, modelID, group int64) findFunc {
	return func(ctx context.Context) ([]int64, error) {
		v, err := c.Execute(ctx, "ir.model.access", "search", []any{[]any{[]any{"model_id", "=", modelID}, []any{"group_id", "=", group}}}, nil)
		if err != nil {
			return nil, err
		}
		if l := ids(v); len(l) > 0 {
			return l[:1], nil
		}
		return []int64{0}, nil
	}
}

// findFields finds custom fields by model and name, with the planned type
// and comodel.
func findFields(c *Client, fields []PlanField) findFunc {
	return func(ctx context.Context) ([]int64, error) {
		models, names := map[string]bool{}, map[string]bool{}
		for _, f := range fields {
			models[f.Model], names[f.Name] = true, true
		}
		v, err := c.Execute(ctx, fieldsObject, "search_read",
			[]any{[]any{[]any{"model", "in", anyList(sortedKeys(models))}, []any{"name", "in", anyList(sortedKeys(names))}}},
			map[string]any{"fields": []any{"model", "name", "ttype", "relation", "state"}})
		if err != nil {
			return nil, err
		}
		have := map[[2]string]map[string]any{}
		for _, r := range records(v) {
			have[[2]string{str(r["model"]), str(r["name"])}] = r
		}
		out := make([]int64, len(fields))
		for i, f := range fields {
			r, ok := have[[2]string{f.Model, f.Name}]
			if ok && str(r["state"]) == "manual" && str(r["ttype"]) == f.Type && (f.Relation == "" || str(r["relation"]) == f.Relation) {
				out[i] = num(r["id"])
			}
		}
		return out, nil
	}
}

// findOptions finds selection options by field and value (Odoo's unique
// key for them).
func findOptions(c *Client, vals []map[string]any) findFunc {
	return func(ctx context.Context) ([]int64, error) {
		seen := map[int64]bool{}
		var fids []any
		for _, v := range vals {
			if id := num(v["field_id"]); !seen[id] {
				seen[id] = true
				fids = append(fids, id)
			}
		}
		v, err := c.Execute(ctx, selectionObject, "search_read", []any{[]any{[]any{"field_id", "in", fids}}},
			map[string]any{"fields": []any{"field_id", "value"}})
		if err != nil {
			return nil, err
		}
		have := map[string]int64{}
		for _, r := range records(v) {
			have[fmt.Sprint(many2oneID(r["field_id"]), "/", str(r["value"]))] = num(r["id"])
		}
		out := make([]int64, len(vals))
		for i, v := range vals {
			out[i] = have[fmt.Sprint(num(v["field_id"]), "/", str(v["value"]))]
		}
		return out, nil
	}
}

// mapSlice applies fn to each of s.
func mapSlice[T, U any](s []T, fn func(T) U) []U {
	out := make([]U, len(s))
	for i, x := range s {
		out[i] = fn(x)
	}
	return out
}
