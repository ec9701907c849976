package odoo

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// SampleKeep is what push --sample n keeps of each table, worked out in
// the warehouse as the push does (sampleKeep), and as the push did before
// (sampleKeepInMemory: every table's ids and references read into Go and
// closed over there), for a test that compares the two.
func SampleKeep(ctx context.Context, db *sql.DB, patientTable string, n int, inMemory bool) (map[string]map[string]bool, error) {
	plan, err := ReadPlan(ctx, db)
	if err != nil {
		return nil, err
	}
	var tables []*tableData
	for _, o := range plan.Objects {
		t, err := describeTable(ctx, db, o)
		if err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	if !inMemory {
		return sampleKeep(ctx, db, tables, patientTable, n)
	}
	var keys []*tableData
	for _, t := range tables {
		k, err := readKeys(ctx, db, t)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	sampleInMemory(keys, patientTable, n)
	out := map[string]map[string]bool{}
	for _, t := range keys {
		keep := map[string]bool{}
		id := t.col("id")
		for _, row := range t.rows {
			keep[fmt.Sprint(row[id])] = true
		}
		out[t.obj.Table] = keep
	}
	return out, nil
}

// readKeys reads a table's ids and the columns that hold references.
func readKeys(ctx context.Context, db *sql.DB, t *tableData) (*tableData, error) {
	var cols []string
	for _, c := range t.cols {
		if c.name == "id" || c.ref || c.name == "_res_xid" {
			cols = append(cols, warehouse.QuoteIdent(c.name))
		}
	}
	return queryTable(ctx, db, t.obj, strings.Join(cols, ", "), " ORDER BY id")
}

// sample keeps n rows of the patient table and every row linked to them:
// rows referring to a kept row (visits, events, notes, ...), transitively,
// and the rows those refer to (guarantors, users, products).
func sampleInMemory(tables []*tableData, patientTable string, n int) {
	keep := map[string]bool{}
	for _, t := range tables {
		if t.obj.Table == patientTable {
			i := t.col("id")
			for j := 0; j < len(t.rows) && j < n; j++ {
				keep[fmt.Sprint(t.rows[j][i])] = true
			}
		}
	}
	refsOf := func(t *tableData, row []any) []string {
		var out []string
		for i, c := range t.cols {
			if (c.ref || c.name == "_res_xid") && row[i] != nil {
				for _, x := range strings.Split(fmt.Sprint(row[i]), ",") {
					out = append(out, strings.TrimSpace(x))
				}
			}
		}
		return out
	}
	// Downward: anything referring to a kept record.
	for changed := true; changed; {
		changed = false
		for _, t := range tables {
			id := t.col("id")
			for _, row := range t.rows {
				x := fmt.Sprint(row[id])
				if keep[x] {
					continue
				}
				for _, r := range refsOf(t, row) {
					if keep[r] && t.obj.Table != patientTable {
						keep[x], changed = true, true
						break
					}
				}
			}
		}
	}
	// Upward: what kept records refer to, transitively, without pulling
	// in those targets' other dependants.
	for changed := true; changed; {
		changed = false
		for _, t := range tables {
			id := t.col("id")
			for _, row := range t.rows {
				if !keep[fmt.Sprint(row[id])] {
					continue
				}
				for _, r := range refsOf(t, row) {
					if !keep[r] {
						keep[r], changed = true, true
					}
				}
			}
		}
	}
	for _, t := range tables {
		id := t.col("id")
		kept := t.rows[:0]
		for _, row := range t.rows {
			if keep[fmt.Sprint(row[id])] {
				kept = append(kept, row)
			}
		}
		t.rows = kept
	}
}

// SetMaxCachedXIDs bounds the push's cache of resolved external ids (0:
// emptied at every look-up) until the returned function restores it.
func SetMaxCachedXIDs(n int) (restore func()) {
	old := maxCachedXIDs
	maxCachedXIDs = n
	return func() { maxCachedXIDs = old }
}
