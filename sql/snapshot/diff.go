package snapshot

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// DiffOptions choose what Diff reports.
type DiffOptions struct {
	// Models limits the diff to these models (all when empty).
	Models []string
	// Details asks for the added/removed keys and field-level changes.
	Details bool
	// Limit caps the detail rows per model (default 50).
	Limit int
}

// TableDiff is one model's difference between two snapshots.
type TableDiff struct {
	Model     string `json:"model"`
	Table     string `json:"table"`
	OldRows   int64  `json:"old_rows"`
	NewRows   int64  `json:"new_rows"`
	Added     int64  `json:"added"`
	Removed   int64  `json:"removed"`
	Changed   int64  `json:"changed"`
	Unchanged int64  `json:"unchanged"`
	// Identical is set when both snapshots share one copy: nothing to compare.
	Identical bool `json:"identical"`
	// OnlyIn names the snapshot holding the table when the other lacks it.
	OnlyIn int64 `json:"only_in,omitempty"`
	// ColumnsAdded and ColumnsRemoved are schema changes (not compared).
	ColumnsAdded   []string `json:"columns_added,omitempty"`
	ColumnsRemoved []string `json:"columns_removed,omitempty"`
	// FieldCounts says how many changed rows changed each field.
	FieldCounts map[string]int64 `json:"field_counts,omitempty"`
	// Rows are added/removed keys; Fields the field-level changes (Details).
	Rows   []RowChange   `json:"rows,omitempty"`
	Fields []FieldChange `json:"fields,omitempty"`
}

// RowChange is a key present in only one snapshot.
type RowChange struct {
	Key  string `json:"key"`
	Kind string `json:"kind"` // added, removed
}

// FieldChange is one field of one changed row.
type FieldChange struct {
	Key   string  `json:"key"`
	Field string  `json:"field"`
	Old   *string `json:"old"`
	New   *string `json:"new"`
}

// DiffReport compares two snapshots.
type DiffReport struct {
	Old     int64       `json:"old"`
	New     int64       `json:"new"`
	Tables  []TableDiff `json:"tables"`
	Seconds float64     `json:"seconds"`
}

// Changed reports whether anything differs.
func (r *DiffReport) Changed() bool {
	for _, t := range r.Tables {
		if t.Added+t.Removed+t.Changed > 0 || t.OnlyIn != 0 || len(t.ColumnsAdded)+len(t.ColumnsRemoved) > 0 {
			return true
		}
	}
	return false
}

// Diff compares snapshot oldID with newID, model by model, in set-based SQL:
// rows are matched by the model's key, compared by a hash of their columns
// (provenance excluded), and only changed rows are unpivoted field by field.
func Diff(ctx context.Context, db *sql.DB, oldID, newID int64, opt DiffOptions) (*DiffReport, error) {
	start := time.Now()
	if opt.Limit <= 0 {
		opt.Limit = 50
	}
	a, err := Get(ctx, db, oldID)
	if err != nil {
		return nil, err
	}
	b, err := Get(ctx, db, newID)
	if err != nil {
		return nil, err
	}
	byModel := func(s *Snapshot) map[string]Kept {
		m := map[string]Kept{}
		for _, k := range s.Tables {
			m[k.Model] = k
		}
		return m
	}
	am, bm := byModel(a), byModel(b)
	var names []string
	for n := range am {
		names = append(names, n)
	}
	for n := range bm {
		if _, ok := am[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	if len(opt.Models) > 0 {
		for _, want := range opt.Models {
			if !slices.Contains(names, want) {
				return nil, fmt.Errorf("diff: model %q is in neither snapshot %d nor %d", want, oldID, newID)
			}
		}
		names = slices.DeleteFunc(names, func(n string) bool { return !slices.Contains(opt.Models, n) })
	}
	rep := &DiffReport{Old: oldID, New: newID}
	for _, n := range names {
		ka, inA := am[n]
		kb, inB := bm[n]
		td := TableDiff{Model: n}
		switch {
		case !inA:
			td.Table, td.NewRows, td.Added, td.OnlyIn = kb.Schema+"."+kb.Table, kb.Rows, kb.Rows, newID
		case !inB:
			td.Table, td.OldRows, td.Removed, td.OnlyIn = ka.Schema+"."+ka.Table, ka.Rows, ka.Rows, oldID
		default:
			td.Table, td.OldRows, td.NewRows = kb.Schema+"."+kb.Table, ka.Rows, kb.Rows
			if ka.Storage == kb.Storage {
				td.Identical, td.Unchanged = true, kb.Rows
			} else if err := compare(ctx, db, ka, kb, opt, &td); err != nil {
				return nil, fmt.Errorf("diff %s: %w", n, err)
			}
		}
		rep.Tables = append(rep.Tables, td)
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// pair is the template data of the diff queries.
type pair struct {
	Old, New string
	Key      []string
	Cols     []string
}

func q(s string) string { return warehouse.QuoteIdent(s) }

func (p pair) KeyNames() string { return joinMap(p.Key, q) }
func (p pair) ColNames() string { return joinMap(p.Cols, q) }
func (p pair) KeyList(alias string) string {
	return joinMap(p.Key, func(c string) string { return alias + "." + q(c) })
}
func (p pair) ColList(alias string) string {
	if len(p.Cols) == 0 {
		return "NULL"
	}
	return joinMap(p.Cols, func(c string) string { return alias + "." + q(c) })
}
func (p pair) ColsAsText(alias string) string {
	return joinMap(p.Cols, func(c string) string { return alias + "." + q(c) + "::VARCHAR AS " + q(c) })
}
func (p pair) KeyConcat(alias string) string {
	return "concat_ws('|', " + joinMap(p.Key, func(c string) string { return alias + "." + q(c) + "::VARCHAR" }) + ")"
}
func (p pair) FieldCountList() string {
	return joinMap(p.Cols, func(c string) string {
		return "count(*) FILTER (WHERE o." + q(c) + " IS DISTINCT FROM n." + q(c) + ") AS " + q(c)
	})
}

func joinMap(ss []string, f func(string) string) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	return strings.Join(out, ", ")
}

func compare(ctx context.Context, db *sql.DB, a, b Kept, opt DiffOptions, td *TableDiff) error {
	ca, err := warehouse.Columns(ctx, db, "snap", a.Storage)
	if err != nil {
		return err
	}
	cb, err := warehouse.Columns(ctx, db, "snap", b.Storage)
	if err != nil {
		return err
	}
	key := b.Key
	if len(key) == 0 || !slices.Equal(a.Key, b.Key) {
		// Without a shared key every column identifies the row: a change
		// shows as one row removed and one added.
		key = nil
		for _, c := range cb {
			if slices.Contains(ca, c) && !slices.Contains(Provenance, c) {
				key = append(key, c)
			}
		}
	}
	for _, k := range key {
		if !slices.Contains(ca, k) || !slices.Contains(cb, k) {
			return fmt.Errorf("key column %q is missing from one snapshot", k)
		}
	}
	p := pair{Old: a.Relation(), New: b.Relation(), Key: key}
	for _, c := range cb {
		switch {
		case !slices.Contains(ca, c):
			td.ColumnsAdded = append(td.ColumnsAdded, c)
		case slices.Contains(key, c) || slices.Contains(Provenance, c):
		default:
			p.Cols = append(p.Cols, c)
		}
	}
	for _, c := range ca {
		if !slices.Contains(cb, c) {
			td.ColumnsRemoved = append(td.ColumnsRemoved, c)
		}
	}
	s, err := render("diff_counts", p)
	if err != nil {
		return err
	}
	if err := db.QueryRowContext(ctx, s).Scan(&td.Added, &td.Removed, &td.Changed, &td.Unchanged); err != nil {
		return err
	}
	if td.Changed > 0 && len(p.Cols) > 0 {
		s, err := render("field_counts", p)
		if err != nil {
			return err
		}
		vals := make([]int64, len(p.Cols))
		ptrs := make([]any, len(p.Cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := db.QueryRowContext(ctx, s).Scan(ptrs...); err != nil {
			return err
		}
		td.FieldCounts = map[string]int64{}
		for i, c := range p.Cols {
			if vals[i] > 0 {
				td.FieldCounts[c] = vals[i]
			}
		}
	}
	if !opt.Details {
		return nil
	}
	if td.Added+td.Removed > 0 {
		s, err := render("diff_rows", p)
		if err != nil {
			return err
		}
		rows, err := db.QueryContext(ctx, s, opt.Limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var rc RowChange
			if err := rows.Scan(&rc.Key, &rc.Kind); err != nil {
				rows.Close()
				return err
			}
			td.Rows = append(td.Rows, rc)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	if td.Changed > 0 && len(p.Cols) > 0 {
		s, err := render("diff_fields", p)
		if err != nil {
			return err
		}
		rows, err := db.QueryContext(ctx, s, opt.Limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var fc FieldChange
			var o, n sql.NullString
			if err := rows.Scan(&fc.Key, &fc.Field, &o, &n); err != nil {
				return err
			}
			if o.Valid {
				fc.Old = &o.String
			}
			if n.Valid {
				fc.New = &n.String
			}
			td.Fields = append(td.Fields, fc)
		}
		return rows.Err()
	}
	return nil
}
