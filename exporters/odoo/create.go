package odoo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/axium2crm/axium2crm/exporters"
)

// Odoo's load creates a record and its external id in one transaction,
// which makes a lost answer safe to send again, but for a plain custom
// model it is 5-6 times slower than a batched create (BenchmarkOdooShapes:
// 959 perio records/s by load, 5,450 by create, against a real Odoo 17).
// A table whose model carries the key field createKey (the record's
// external id, repeated on the record: odoo.x_perio_record) is therefore
// written by create, then its external ids by one create on
// ir.model.data for the batch. Each record of the batch is logged pending
// before the first call, as for load; if the push stops between the two
// calls, settling finds the records by their key field and names them
// (Probe), so a resume neither loses nor doubles them and a rollback
// deletes them. Updates, and tables without the key field, go by load.

// createKey is the field that carries a record's external id on records
// the push writes with create.
const createKey = "x_axium_xid"

// createCol is one import column as a create value: the field and its
// type (the id column has no field).
type createCol struct{ field, ttype string }

// planCreate decides whether t's new records go by create: the table has
// the key field, and every import column is a value create takes as is or
// a many2one the push resolves.
func (p *pusher) planCreate(t *tableData) {
	if t.col(createKey) < 0 || t.col("_res_xid") >= 0 || t.col("_state_code") >= 0 || t.col("_file_path") >= 0 {
		return
	}
	types := map[string]string{}
	for _, f := range p.plan.Fields {
		if f.Model == t.obj.Model {
			types[f.Name] = f.Type
		}
	}
	if types[createKey] != "char" {
		return
	}
	var cols []createCol
	for _, i := range importColumns(t) {
		c := t.cols[i]
		if c.name == "id" {
			cols = append(cols, createCol{})
			continue
		}
		tt := types[c.field]
		switch tt {
		case "char", "text", "html", "selection", "date", "datetime", "integer", "float", "monetary", "boolean":
			if c.ref {
				return
			}
		case "many2one":
			if !c.ref {
				return
			}
		default:
			return
		}
		cols = append(cols, createCol{field: c.field, ttype: tt})
	}
	t.create = cols
}

// createVals is a record as create takes it: import text turned into
// typed values, references into database ids (resolved by now).
func (p *pusher) createVals(t *tableData, r *rec) (map[string]any, error) {
	v := map[string]any{}
	p.mu.Lock()
	defer p.mu.Unlock()
	for j, cc := range t.create {
		if cc.field == "" {
			continue
		}
		s := r.texts[j]
		if s == "" {
			v[cc.field] = false
			continue
		}
		var err error
		switch cc.ttype {
		case "many2one":
			x, ok := p.xids[s]
			if !ok {
				return nil, fmt.Errorf("%s/id: no record has external id %s (it was not pushed, or failed)", cc.field, s)
			}
			v[cc.field] = x.ID
		case "integer":
			v[cc.field], err = strconv.ParseInt(s, 10, 64)
		case "float", "monetary":
			v[cc.field], err = strconv.ParseFloat(s, 64)
		case "boolean":
			v[cc.field] = s == "true" || s == "1"
		default:
			v[cc.field] = s
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not a number", cc.field, s)
		}
	}
	return v, nil
}

// writeCreate sends a batch of new records with one create, then their
// external ids with one create on ir.model.data. A batch Odoo refuses
// comes back *exporters.Refused for the engine to split.
func (p *pusher) writeCreate(ctx context.Context, t *tableData, recs []*rec, res *exporters.WriteResult) error {
	var ok []*rec
	var vals []map[string]any
	for _, r := range recs {
		v, err := p.createVals(t, r)
		if err != nil {
			res.Rejected = append(res.Rejected, exporters.Rejection{ID: r.xid, Reason: err.Error()})
			continue
		}
		ok = append(ok, r)
		vals = append(vals, v)
	}
	if len(ok) == 0 {
		return nil
	}
	keys := make([]string, len(ok))
	for j, r := range ok {
		keys[j] = r.xid
	}
	// An answer lost on the way back is settled by reading the records
	// back by their key field (one create is one transaction: all of them
	// or none), and the create sent again only when none is there.
	res.Calls++
	ids, err := createOnce(ctx, p.c, t.obj.Model, vals, map[string]any{"context": loadContext}, findByKey(p.c, t.obj.Model, keys))
	if err != nil {
		return writeFault(t.obj.Model, err)
	}
	names := make([]map[string]any, len(ok))
	for j, r := range ok {
		module, name, _ := strings.Cut(r.xid, ".")
		names[j] = map[string]any{"module": module, "name": name, "model": t.obj.Model, "res_id": ids[j], "noupdate": false}
	}
	res.Calls++
	if _, err := createOnce(ctx, p.c, "ir.model.data", names, nil, findXIDs(p.c, keys)); err != nil {
		// The records exist without their names: the run stops, and
		// settling names them (Probe) before a resume or rollback.
		return fmt.Errorf("name %d new %s records in ir.model.data: %w", len(ok), t.obj.Model, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.trimCache()
	for j, r := range ok {
		r.dbID = ids[j]
		p.xids[r.xid] = XIDTarget{Model: t.obj.Model, ID: r.dbID}
		res.Done[r.xid] = r.dbID
	}
	return nil
}

// nameByKey finds, among xids no external id names yet, the records of
// model that carry them in the key field (created by a push that stopped
// before naming them), names them in ir.model.data, and returns their
// database ids.
func nameByKey(ctx context.Context, c *Client, model string, xids []string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(xids) == 0 {
		return out, nil
	}
	v, err := c.Execute(ctx, model, "search_read", []any{[]any{[]any{createKey, "in", anyList(xids)}}},
		map[string]any{"fields": []any{createKey}, "order": "id"})
	if err != nil {
		return nil, fmt.Errorf("find %s records by %s: %w", model, createKey, err)
	}
	var names []map[string]any
	for _, r := range records(v) {
		x := str(r[createKey])
		if _, seen := out[x]; seen || x == "" {
			continue
		}
		out[x] = num(r["id"])
		module, name, _ := strings.Cut(x, ".")
		names = append(names, map[string]any{"module": module, "name": name, "model": model, "res_id": out[x], "noupdate": false})
	}
	if len(names) > 0 {
		keys := make([]string, len(names))
		for i, n := range names {
			keys[i] = str(n["module"]) + "." + str(n["name"])
		}
		if _, err := createOnce(ctx, c, "ir.model.data", names, nil, findXIDs(c, keys)); err != nil {
			return nil, fmt.Errorf("name %d %s records found by %s: %w", len(names), model, createKey, err)
		}
	}
	return out, nil
}

// hasField says whether the plan has field name on model.
func (p *Plan) hasField(model, name string) bool {
	for _, f := range p.Fields {
		if f.Model == model && f.Name == name {
			return true
		}
	}
	return false
}

// findByKey reads back, for each key in order, the record of model whose
// key field holds it (0 for none).
func findByKey(c *Client, model string, keys []string) findFunc {
	return func(ctx context.Context) ([]int64, error) {
		v, err := c.Execute(ctx, model, "search_read", []any{[]any{[]any{createKey, "in", anyList(keys)}}},
			map[string]any{"fields": []any{createKey}, "order": "id"})
		if err != nil {
			return nil, err
		}
		byKey := map[string]int64{}
		for _, r := range records(v) {
			if x := str(r[createKey]); byKey[x] == 0 {
				byKey[x] = num(r["id"])
			}
		}
		out := make([]int64, len(keys))
		for i, k := range keys {
			out[i] = byKey[k]
		}
		return out, nil
	}
}

// findXIDs reads back, for each external id in order, the database id of
// the record it names (0 when the name does not exist).
func findXIDs(c *Client, xids []string) findFunc {
	return func(ctx context.Context) ([]int64, error) {
		found, err := c.resolveXIDs(ctx, xids)
		if err != nil {
			return nil, err
		}
		out := make([]int64, len(xids))
		for i, x := range xids {
			out[i] = found[x].ID // non-zero: the name exists
		}
		return out, nil
	}
}

// writeFault is what a failed write of a batch of model means: a stop
// (a refused password, missing rights, a missing model or field: not the
// records' fault), a batch Odoo refused (*exporters.Refused, for the
// engine to split), or the error itself (the transport).
func writeFault(model string, err error) error {
	if serr := loadStop(model, nil, err); serr != nil {
		return serr
	}
	var f *Fault
	if errors.As(err, &f) {
		return &exporters.Refused{Reason: f.Message}
	}
	return err
}
