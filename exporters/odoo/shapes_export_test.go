package odoo

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// Replay is one table's records as Push sends them, for the shapes
// benchmark to send again in other write shapes: load rows without the
// external id (a replay makes new records, undone after), and the same
// records as create values.
type Replay struct {
	Table, Model string
	Fields       []string
	Rows         []any
	Vals         []any
	// Records counts what the rows make (a move's lines nested in its
	// row are records too).
	Records int
	// Nested: a row whose first column is empty continues the record
	// above it.
	Nested bool
	// Learned are create values with what the push adds once it has
	// learned from Odoo's first records: payments' journal items (the
	// journal and accounts), moves' journal, draft name and fiscal
	// position (nil for other tables).
	Learned []any
	// LearnedFields and LearnedRows are the load of moves with the same
	// values (nil for other tables).
	LearnedFields []string
	LearnedRows   []any
}

// ReplayOf renders up to limit rows of odoo.<table> (a table of the plan,
// pushed before: what the rows point at is resolved in Odoo).
func ReplayOf(ctx context.Context, db *sql.DB, c *Client, table string, tz *time.Location, limit int) (*Replay, error) {
	p, t, err := replayPusher(ctx, db, c, table, tz)
	if err != nil {
		return nil, err
	}
	// A sample spread over the table, not its first rows by id (the
	// first visits by id are all treatment plans, which Odoo's lead
	// scoring never counts).
	recs, err := p.readRecs(ctx, t, "hash(id)", limit)
	if err != nil {
		return nil, err
	}
	fields, rows, err := p.replayRows(ctx, t, recs)
	if err != nil {
		return nil, err
	}
	rp := &Replay{Table: table, Model: t.obj.Model, Fields: fields, Rows: rows, Records: len(rows)}
	types, err := p.fieldsOf(ctx, t.obj.Model)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		rp.Vals = append(rp.Vals, p.shapeVals(types, fields, r.([]any)))
	}
	if t.obj.Model == paymentModel {
		if rp.Learned, err = p.linedVals(ctx, rp.Vals); err != nil {
			return nil, err
		}
	}
	if t.obj.Model == moveModel {
		if err := p.learnedMoves(ctx, t, recs, rp); err != nil {
			return nil, err
		}
	}
	return rp, nil
}

// learnedMoves adds to a replay of moves the values the push sends once
// it has learned them from the moves the push made.
func (p *pusher) learnedMoves(ctx context.Context, t *tableData, recs []*rec, rp *Replay) error {
	v, err := p.c.Execute(ctx, moveModel, "search", []any{[]any{[]any{"move_type", "in", []any{"out_invoice", "out_refund"}}}},
		map[string]any{"limit": int64(100)})
	if err != nil {
		return err
	}
	var ids []int64
	for _, x := range v.([]any) {
		ids = append(ids, num(x))
	}
	if p.moves, err = p.readMoves(ctx, ids); err != nil {
		return err
	}
	p.moves.done = true
	extra := moveExtra(t, p.moves)
	if extra == nil {
		return fmt.Errorf("the moves get nothing learned")
	}
	for _, r := range recs {
		vals := extra.values(r)
		if vals == nil {
			return fmt.Errorf("move %s gets nothing learned", r.xid)
		}
		rp.LearnedRows = append(rp.LearnedRows, append(slices.Clone(rp.Rows[len(rp.LearnedRows)].([]any)), vals...))
		cv := maps.Clone(rp.Vals[len(rp.Learned)].(map[string]any))
		for j, f := range extra.fields {
			switch f {
			case "journal_id/.id":
				cv["journal_id"], err = strconv.ParseInt(vals[j].(string), 10, 64)
				if err != nil {
					return err
				}
			case "fiscal_position_id":
				cv[f] = false
			default:
				cv[f] = vals[j]
			}
		}
		rp.Learned = append(rp.Learned, cv)
	}
	rp.LearnedFields = append(slices.Clone(rp.Fields), extra.fields...)
	return nil
}

// linedVals are payments' create values with their journal items: the
// journal, currency and outstanding account of each payment type are the
// ones Odoo computed on a payment of that type it holds.
func (p *pusher) linedVals(ctx context.Context, vals []any) ([]any, error) {
	p.books = payBooks{checked: true, kinds: map[string]payKind{}}
	for _, kind := range []string{"inbound", "outbound"} {
		v, err := p.c.Execute(ctx, paymentModel, "search_read", []any{[]any{[]any{"payment_type", "=", kind}}},
			map[string]any{"fields": []any{"journal_id", "currency_id", "outstanding_account_id"}, "limit": int64(1)})
		if err != nil {
			return nil, err
		}
		for _, r := range records(v) {
			p.books.kinds[kind] = payKind{journal: refID(r["journal_id"]), currency: refID(r["currency_id"]), outstanding: refID(r["outstanding_account_id"])}
		}
	}
	var list []map[string]any
	for _, v := range vals {
		list = append(list, maps.Clone(v.(map[string]any)))
	}
	if err := p.paymentLines(ctx, list); err != nil {
		return nil, err
	}
	out := make([]any, len(list))
	for i, v := range list {
		out[i] = v
	}
	return out, nil
}

// NestedMovesOf renders up to limit moves of odoo.account_move with their
// lines of odoo.account_move_line nested as invoice_line_ids sub-records
// (one load row per line, the move's columns on its first row only).
func NestedMovesOf(ctx context.Context, db *sql.DB, c *Client, tz *time.Location, limit int) (*Replay, error) {
	p, mt, err := replayPusher(ctx, db, c, "account_move", tz)
	if err != nil {
		return nil, err
	}
	lt, err := describeTable(ctx, db, p.objectOf("account_move_line"))
	if err != nil {
		return nil, err
	}
	moves, err := p.readRecs(ctx, mt, "", limit)
	if err != nil {
		return nil, err
	}
	mf, mrows, err := p.replayRows(ctx, mt, moves)
	if err != nil {
		return nil, err
	}
	lines, err := p.readRecs(ctx, lt, `"move_id/id"`, 0)
	if err != nil {
		return nil, err
	}
	byMove := map[string][]*rec{}
	for _, l := range lines {
		m := l.refs["move_id"]
		if len(m) == 1 {
			byMove[m[0]] = append(byMove[m[0]], l)
		}
	}
	lf := loadFields(lt)
	keep := []int{}
	rp := &Replay{Table: "account_move+lines", Model: "account.move", Fields: mf, Nested: true}
	for j, f := range lf {
		if f != "id" && f != "move_id/id" {
			keep = append(keep, j)
			rp.Fields = append(rp.Fields, "invoice_line_ids/"+f)
		}
	}
	for k, mr := range mrows {
		rp.Records++
		ls := byMove[moves[k].xid]
		row := append([]any(nil), mr.([]any)...)
		if len(ls) == 0 {
			for range keep {
				row = append(row, "")
			}
			rp.Rows = append(rp.Rows, row)
			continue
		}
		for n, l := range ls {
			lr, err := p.row(lt, l)
			if err != nil {
				return nil, err
			}
			if n > 0 {
				row = make([]any, len(mr.([]any)))
				for i := range row {
					row[i] = ""
				}
			}
			for _, j := range keep {
				row = append(row, lr[j])
			}
			rp.Rows = append(rp.Rows, row)
			rp.Records++
		}
	}
	return rp, nil
}

func replayPusher(ctx context.Context, db *sql.DB, c *Client, table string, tz *time.Location) (*pusher, *tableData, error) {
	plan, err := ReadPlan(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	p := &pusher{db: db, c: c, opt: PushOptions{TimeZone: tz}, plan: plan, xids: map[string]XIDTarget{}, states: map[string]int64{},
		fields: map[string]map[string]any{}}
	if err := p.readDirs(ctx); err != nil {
		return nil, nil, err
	}
	t, err := describeTable(ctx, db, p.objectOf(table))
	if err != nil {
		return nil, nil, err
	}
	p.planRefs(t)
	return p, t, nil
}

func (p *pusher) objectOf(table string) Object {
	for _, o := range p.plan.Objects {
		if o.Table == table {
			return o
		}
	}
	return Object{Table: table}
}

// readRecs reads and builds up to limit rows (0: all) of a table, ordered
// by order (default id), and resolves what they point at.
func (p *pusher) readRecs(ctx context.Context, t *tableData, order string, limit int) ([]*rec, error) {
	q := "SELECT * FROM odoo." + warehouse.QuoteIdent(t.obj.Table) + " ORDER BY " + order + " id"
	if order != "" {
		q = "SELECT * FROM odoo." + warehouse.QuoteIdent(t.obj.Table) + " ORDER BY " + order + ", id"
	}
	if limit > 0 {
		q += " LIMIT " + strconv.Itoa(limit)
	}
	rows, err := p.db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var recs []*rec
	for rows.Next() {
		vals := make([]any, len(t.cols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		r, err := p.build(t, vals)
		if err != nil {
			return nil, err
		}
		if r.err != "" {
			continue
		}
		recs = append(recs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return recs, p.resolve(ctx, t, recs)
}

// replayRows renders records as load rows without their external id.
func (p *pusher) replayRows(_ context.Context, t *tableData, recs []*rec) ([]string, []any, error) {
	all := loadFields(t)
	var fields []string
	for _, f := range all {
		if f != "id" {
			fields = append(fields, f)
		}
	}
	var rows []any
	for _, r := range recs {
		row, err := p.row(t, r)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", r.xid, err)
		}
		out := make([]any, 0, len(fields))
		for j, f := range all {
			if f != "id" {
				out = append(out, row[j])
			}
		}
		rows = append(rows, out)
	}
	return fields, rows, nil
}

// shapeVals turns a load row into create values: references resolved to
// database ids, booleans and empty values typed; Odoo converts numbers and
// dates given as text.
func (p *pusher) shapeVals(types map[string]any, fields []string, row []any) map[string]any {
	vals := map[string]any{}
	for j, f := range fields {
		s, _ := row[j].(string)
		name, sub, _ := strings.Cut(f, "/")
		typ := ""
		if d, ok := types[name].(map[string]any); ok {
			typ, _ = d["type"].(string)
		}
		switch {
		case sub == "id":
			var ids []any
			for _, x := range strings.Split(s, ",") {
				if x = strings.TrimSpace(x); x != "" {
					ids = append(ids, p.xids[x].ID)
				}
			}
			switch {
			case typ == "many2one" && len(ids) > 0:
				vals[name] = ids[0]
			case typ == "many2one":
				vals[name] = false
			default:
				vals[name] = []any{[]any{6, 0, ids}}
			}
		case sub == ".id":
			n, _ := strconv.ParseInt(s, 10, 64)
			vals[name] = n
			if n == 0 {
				vals[name] = false
			}
		case s == "":
			vals[name] = false
		case typ == "boolean":
			vals[name] = s == "true" || s == "1"
		case typ == "integer" || typ == "many2one_reference":
			n, _ := strconv.ParseInt(s, 10, 64)
			vals[name] = n
		case typ == "float" || typ == "monetary":
			x, _ := strconv.ParseFloat(s, 64)
			vals[name] = x
		default:
			vals[name] = s
		}
	}
	return vals
}

// TableOf is the warehouse table whose batch a call's context belongs to.
func TableOf(ctx context.Context) string { return tableOf(ctx) }
