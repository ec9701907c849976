package odoo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/axium2crm/axium2crm/exporters"
)

// Odoo's load creates a record and its external id in one transaction,
// which makes a lost answer safe to send again, but for a plain custom
// model it is 5-6 times slower than a batched create (BenchmarkOdooShapes:
// 959 perio records/s by load, 5,450 by create, against a real Odoo 17),
// and naming each created record in ir.model.data afterwards costs about
// as much as the create again. A model that carries the key field
// createKey (the record's external id, repeated on the record:
// odoo.x_perio_record) is therefore keyed: its records are known by that
// field, not by an ir.model.data name, and a table of it writes its new
// records by one create a batch and nothing else. Each record of the
// batch is logged pending before the call, as for load; a lost answer, or
// a push killed before it logged the answer, is settled by reading the
// records back by their key (one create is one transaction: all of them
// or none), so a resume neither loses nor doubles them and a rollback
// deletes them. Every look-up of a keyed model's records (the push's
// reads, settling, rollback, verify) reads the key field first, then
// ir.model.data for what the key did not find (records named before:
// imported from the CSV files, which carry both). Updates go by load with
// the database id (".id"); tables without the key field go by load.

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

// planRefs finds t's references to keyed models (tableData.byID).
func (p *pusher) planRefs(t *tableData) {
	cols := importColumns(t)
	t.byID = make([]string, len(cols))
	for j, i := range cols {
		if c := t.cols[i]; c.ref {
			if rel := p.plan.relation(t.obj.Model, c.field); rel != "" && p.plan.keyed(rel) {
				t.byID[j] = rel
			}
		}
	}
}

// createVals is a record as create takes it: import text turned into
// typed values, references into database ids (resolved by now).
func (p *pusher) createVals(t *tableData, r *rec) (map[string]any, error) {
	v := map[string]any{}
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
			x, ok := r.targets[s]
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

// writeCreate sends a batch of new records of a keyed model with one
// create. A batch Odoo refuses comes back *exporters.Refused for the
// engine to split.
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
	if t.obj.Model == paymentModel {
		var err error
		if ok, vals, err = p.paymentsFirst(ctx, t, ok, vals, res); err != nil {
			return err
		}
		if err := p.paymentLines(ctx, vals); err != nil {
			return err
		}
	}
	_, err := p.sendCreate(ctx, t, ok, vals, res)
	return err
}

// sendCreate creates records of a keyed model with one create and
// records them done.
func (p *pusher) sendCreate(ctx context.Context, t *tableData, ok []*rec, vals []map[string]any, res *exporters.WriteResult) ([]int64, error) {
	if len(ok) == 0 {
		return nil, nil
	}
	keys := make([]string, len(ok))
	for j, r := range ok {
		keys[j] = r.xid
	}
	// An answer lost on the way back is settled by reading the records
	// back by their key field (one create is one transaction: all of them
	// or none), and the create sent again only when none is there.
	var ids []int64
	var resent bool
	var err error
	for attempt := 0; ; attempt++ {
		res.Calls++
		var again bool
		ids, again, err = createOnce(ctx, p.c, t.obj.Model, vals, map[string]any{"context": loadContext}, findByKey(p.c, t.obj.Model, keys))
		resent = resent || again
		// Odoo retries a create that lost a race with another transaction
		// (two connections, lead scoring) a few times itself, then fails
		// it with nothing written: send it again, as a refused load.
		if err == nil || !serializationFault(err) || attempt == maxSerializationRetries {
			break
		}
		if err := collisionPause(ctx, attempt); err != nil {
			return nil, err
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if resent {
		// The first call may still commit: End looks for second copies.
		p.resent[t.obj.Model] = append(p.resent[t.obj.Model], keys...)
	}
	if err != nil {
		return nil, writeFault(t.obj.Model, err)
	}
	p.trimCache()
	for j, r := range ok {
		r.dbID = ids[j]
		p.xids[r.xid] = XIDTarget{Model: t.obj.Model, ID: r.dbID}
		res.Done[r.xid] = r.dbID
	}
	return ids, nil
}

// resolveRecords finds the records of model that xids name: for a keyed
// model by the key field, then by external id for those the key did not
// find; for any other model by external id. A name may be bound to a
// record of another model: the caller checks. It returns the calls made.
func resolveRecords(ctx context.Context, c *Client, plan *Plan, model string, xids []string) (map[string]XIDTarget, int, error) {
	calls := (len(xids) + 999) / 1000
	if !plan.keyed(model) {
		found, err := c.resolveXIDs(ctx, xids)
		return found, calls, err
	}
	found := map[string]XIDTarget{}
	for start := 0; start < len(xids); start += 1000 {
		part, err := c.keyPage(ctx, model, xids[start:min(start+1000, len(xids))])
		if err != nil {
			return nil, calls, err
		}
		maps.Copy(found, part)
	}
	var rest []string
	for _, x := range xids {
		if _, ok := found[x]; !ok {
			rest = append(rest, x)
		}
	}
	if len(rest) == 0 {
		return found, calls, nil
	}
	named, err := c.resolveXIDs(ctx, rest)
	calls += (len(rest) + 999) / 1000
	if err != nil {
		return nil, calls, err
	}
	maps.Copy(found, named)
	return found, calls, nil
}

// keyPage finds, in one call, the records of a keyed model whose key
// field holds one of keys (the first made, should a key be on two).
func (c *Client) keyPage(ctx context.Context, model string, keys []string) (map[string]XIDTarget, error) {
	all, err := c.keyIDs(ctx, model, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]XIDTarget, len(all))
	for k, ids := range all {
		out[k] = XIDTarget{Model: model, ID: ids[0]}
	}
	return out, nil
}

// keyAbsent says whether err is Odoo's answer that the model, or its key
// field, does not exist (a dry run before the schema step, a model
// removed): then no record carries a key.
func keyAbsent(err error) bool {
	var f *Fault
	return errors.As(err, &f) && (strings.Contains(f.Message, "doesn't exist") || strings.Contains(f.Message, "Invalid field") && strings.Contains(f.Message, createKey))
}

// keyCount counts the records of a keyed model that carry a key.
func (c *Client) keyCount(ctx context.Context, model string) (int, error) {
	v, err := c.Execute(ctx, model, "search_count", []any{[]any{[]any{createKey, "!=", false}}},
		map[string]any{"context": map[string]any{"active_test": false}})
	if keyAbsent(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("count the %s records with a %s: %w", model, createKey, err)
	}
	return int(num(v)), nil
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

// relation is the model field name of model points at, "" when the
// plan does not list it.
func (p *Plan) relation(model, name string) string {
	for _, f := range p.Fields {
		if f.Model == model && f.Name == name {
			return f.Relation
		}
	}
	return ""
}

// keyed says whether model's records are known by the key field.
func (p *Plan) keyed(model string) bool { return p.hasField(model, createKey) }

// findByKey reads back, for each key in order, the record of model whose
// key field holds it (0 for none).
func findByKey(c *Client, model string, keys []string) findFunc {
	return func(ctx context.Context) ([]int64, error) {
		found, err := c.keyPage(ctx, model, keys)
		if err != nil {
			return nil, err
		}
		out := make([]int64, len(keys))
		for i, k := range keys {
			out[i] = found[k].ID
		}
		return out, nil
	}
}

// serializationFault: a call Odoo failed with PostgreSQL's
// concurrent-update error once its own retries were spent.
func serializationFault(err error) bool {
	var f *Fault
	return errors.As(err, &f) && strings.Contains(f.Message, "could not serialize access")
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
