package odoo

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
)

// Second copies. A keyed model's records go by plain create (create.go),
// which Odoo does not make idempotent: no unique constraint holds the key
// field. When a create's answer is lost while Odoo is still working on it
// (the client timed out, the connection broke), the push reads the batch
// back by key, finds nothing yet and sends the create again; if the first
// call then commits after all, Odoo holds each record of the batch twice.
// A key the push has logged names one record (the id the log holds), so
// such copies can be told apart and removed: End looks them up once every
// record is written, and verify names any it finds (duplicateKeys).

// copiesPage is the keys a look-up for second copies sends in one call.
const copiesPage = 1000

// End removes the second copies of the push's keyed records, before the
// run is recorded finished. It looks up the keys of every create sent
// again after a lost answer; and when Odoo still holds more records with
// a key than the log says the model's tables hold (a push stopped and
// resumed in between, or a copy that landed after an earlier push's
// look-up), it scans all of them. Of the records that share a key the
// log holds, the one the log names stays and the others are unlinked,
// each logged as skipped with the reason. A key the log does not hold is
// left alone (not the push's own: verify lists it). Then it sets lead
// scoring back if the push paused it (scoring.go).
func (p *pusher) End(ctx context.Context, log func([]audit.Entry) error) error {
	for _, model := range p.keyedModels() {
		dups, err := p.copiesOf(ctx, model)
		if err != nil {
			return err
		}
		if len(dups) == 0 {
			continue
		}
		n, err := p.removeCopies(ctx, model, dups, log)
		if err != nil {
			return err
		}
		p.copies += n
		if n > 0 {
			p.say(fmt.Sprintf("%s: removed %d second copies of records that Odoo created after the push had sent their create again (a lost answer); see the audit log",
				model, n))
		}
	}
	// Every visit is written: lead scoring counts them all at once.
	return p.resumeScoring(ctx, log)
}

// say tells the user, when they listen.
func (p *pusher) say(msg string) {
	if p.opt.Progress != nil {
		p.opt.Progress(msg)
	}
}

// keyedModels are the plan's keyed models, each once, in load order.
func (p *pusher) keyedModels() []string {
	var out []string
	for _, t := range p.tables {
		if p.plan.keyed(t.obj.Model) && !slices.Contains(out, t.obj.Model) {
			out = append(out, t.obj.Model)
		}
	}
	return out
}

// copiesOf finds the keys of model that more than one record carries:
// those of the creates sent again, then, when the counts say there are
// more, all of them.
func (p *pusher) copiesOf(ctx context.Context, model string) (map[string][]int64, error) {
	p.mu.Lock()
	keys := slices.Clone(p.resent[model])
	p.mu.Unlock()
	dups := map[string][]int64{}
	for start := 0; start < len(keys); start += copiesPage {
		all, err := p.c.keyIDs(ctx, model, keys[start:min(start+copiesPage, len(keys))])
		if err != nil {
			return nil, err
		}
		for k, ids := range all {
			if len(ids) > 1 {
				dups[k] = ids
			}
		}
	}
	n, err := p.c.keyCount(ctx, model)
	if err != nil {
		return nil, err
	}
	held := 0
	for _, t := range p.tables {
		if t.obj.Model == model {
			h, err := audit.HeldCount(ctx, p.db, Destination, "odoo."+t.obj.Table)
			if err != nil {
				return nil, err
			}
			held += h
		}
	}
	for _, ids := range dups {
		n -= len(ids) - 1
	}
	if n <= held {
		return dups, nil
	}
	p.say(fmt.Sprintf("%s: Odoo holds %d records with a key, the log %d; looking for second copies among all of them", model, n, held))
	all, _, err := duplicateKeys(ctx, p.c, p.db, model)
	if err != nil {
		return nil, err
	}
	for k, ids := range all {
		dups[k] = ids
	}
	return dups, nil
}

// removeCopies unlinks, of each key in dups, the records other than the
// one the log holds, and logs each as skipped. It returns how many it
// removed.
func (p *pusher) removeCopies(ctx context.Context, model string, dups map[string][]int64, log func([]audit.Entry) error) (int, error) {
	keys := sortedKeys(dups)
	removed := 0
	for _, t := range p.tables {
		if t.obj.Model != model {
			continue
		}
		table := "odoo." + t.obj.Table
		for start := 0; start < len(keys); start += copiesPage {
			part := keys[start:min(start+copiesPage, len(keys))]
			logged, err := audit.LastHashesOf(ctx, p.db, Destination, table, part)
			if err != nil {
				return removed, err
			}
			var gone []any
			var entries []audit.Entry
			for _, k := range part {
				s, ok := logged[k]
				if !ok || !slices.Contains(dups[k], s.DBID) {
					continue
				}
				for _, id := range dups[k] {
					if id == s.DBID {
						continue
					}
					gone = append(gone, id)
					entries = append(entries, audit.Entry{Object: model, Table: table, DestID: k, DestDBID: id, Action: audit.Skip,
						Reason: fmt.Sprintf("a second copy of record %d, made when Odoo carried out a create after its answer was lost and the push had sent it again: removed", s.DBID)})
				}
			}
			if len(gone) == 0 {
				continue
			}
			if _, err := p.c.Execute(ctx, model, "unlink", []any{gone}, nil); err != nil {
				return removed, fmt.Errorf("remove %d second copies of %s records: %w", len(gone), model, err)
			}
			removed += len(gone)
			if err := log(entries); err != nil {
				return removed, err
			}
		}
	}
	return removed, nil
}

// keyIDs finds, in one call, every record of a keyed model whose key
// field holds one of keys: by key, their ids in id order.
func (c *Client) keyIDs(ctx context.Context, model string, keys []string) (map[string][]int64, error) {
	out := map[string][]int64{}
	if len(keys) == 0 {
		return out, nil
	}
	v, err := c.Execute(ctx, model, "search_read", []any{[]any{[]any{createKey, "in", anyList(keys)}}},
		map[string]any{"fields": []any{createKey}, "order": "id", "context": map[string]any{"active_test": false}})
	if keyAbsent(err) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find %s records by %s: %w", model, createKey, err)
	}
	for _, r := range records(v) {
		if x := str(r[createKey]); x != "" {
			out[x] = append(out[x], num(r["id"]))
		}
	}
	return out, nil
}

// duplicateKeys reads every record of model that carries a key, a page
// at a time in id order, and returns the keys more than one record
// carries, each with its ids in id order. The keys read are held in a
// temporary table of the warehouse, not in memory: a model of millions
// of records is scanned in the memory of one page.
func duplicateKeys(ctx context.Context, c *Client, db *sql.DB, model string) (dups map[string][]int64, calls int, err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, calls, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE odoo_key_scan (k VARCHAR, id BIGINT)"); err != nil {
		return nil, calls, fmt.Errorf("scan %s for duplicate keys: %w", model, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS odoo_key_scan") //nolint:errcheck // a temporary table
	type kv struct {
		K  string `json:"k"`
		ID int64  `json:"id"`
	}
	calls, err = keyedPages(ctx, c, model, exporters.DefaultPageRows, func(recs []map[string]any) error {
		page := make([]kv, 0, len(recs))
		for _, r := range recs {
			page = append(page, kv{K: str(r[createKey]), ID: num(r["id"])})
		}
		j, err := json.Marshal(page)
		if err != nil {
			return err
		}
		_, err = conn.ExecContext(ctx, `INSERT INTO odoo_key_scan
			SELECT e.k, e.id FROM (SELECT unnest(from_json(CAST(? AS JSON), '[{"k":"VARCHAR","id":"BIGINT"}]')) AS e)`, string(j))
		return err
	})
	if keyAbsent(err) {
		return nil, calls, nil
	}
	if err != nil {
		return nil, calls, fmt.Errorf("scan %s for duplicate keys: %w", model, err)
	}
	rows, err := conn.QueryContext(ctx, "SELECT k, id FROM odoo_key_scan WHERE k IN (SELECT k FROM odoo_key_scan GROUP BY k HAVING count(*) > 1) ORDER BY k, id")
	if err != nil {
		return nil, calls, fmt.Errorf("scan %s for duplicate keys: %w", model, err)
	}
	defer rows.Close()
	out := map[string][]int64{}
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			return nil, calls, err
		}
		out[k] = append(out[k], id)
	}
	return out, calls, rows.Err()
}

// keyedPages reads every record of model that carries a key, size
// records a call in id order, and hands each non-empty page (id and key)
// to fn. It returns the calls made.
func keyedPages(ctx context.Context, c *Client, model string, size int, fn func(recs []map[string]any) error) (int, error) {
	calls := 0
	for after := int64(0); ; {
		res, err := c.Execute(ctx, model, "search_read", []any{[]any{[]any{createKey, "!=", false}, []any{"id", ">", after}}},
			map[string]any{"fields": []any{createKey}, "limit": int64(size), "order": "id",
				"context": map[string]any{"active_test": false}})
		calls++
		if err != nil {
			return calls, fmt.Errorf("read the %s records with a %s: %w", model, createKey, err)
		}
		recs := records(res)
		if len(recs) > 0 {
			after = num(recs[len(recs)-1]["id"])
			if err := fn(recs); err != nil {
				return calls, err
			}
		}
		if len(recs) < size {
			return calls, nil
		}
	}
}
