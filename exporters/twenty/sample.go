package twenty

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// PersonObject is the object a sample is drawn from.
const PersonObject = "person"

type relCol struct {
	column string
	target string // table of the target object
}

// sampleIDs picks n patients (people whose _source_object is 'patient', in
// id order) and everything linked to them: records that reference a
// sampled record (tasks through task targets, notes, perio records,
// attachments), and the records those reference (companies, workspace
// members). Records owned by other people are left out: a row that
// references a person outside the sample is not taken, and companies and
// workspace members do not pull in what else links to them.
func sampleIDs(ctx context.Context, db *sql.DB, plan Plan, n int) (map[string]map[string]bool, error) {
	person, ok := plan.Object(PersonObject)
	if !ok {
		return nil, fmt.Errorf("--sample: twenty.object_plan has no %s object", PersonObject)
	}
	tableOf := map[string]string{}
	for _, o := range plan.Objects {
		tableOf[o.NameSingular] = o.Table
	}
	rels := map[string][]relCol{}
	for _, f := range plan.Fields {
		if f.Type != "RELATION" || tableOf[f.RelationTarget] == "" || tableOf[f.Object] == "" {
			continue
		}
		t := tableOf[f.Object]
		rels[t] = append(rels[t], relCol{column: f.Column, target: tableOf[f.RelationTarget]})
	}
	// Shared parents never pull in their other children.
	shared := map[string]bool{}
	for _, r := range rels[person.Table] {
		shared[r.target] = true
	}
	if wm, ok := plan.Object("workspaceMember"); ok {
		shared[wm.Table] = true
	}

	included := map[string]map[string]bool{}
	for _, o := range plan.Objects {
		included[o.Table] = map[string]bool{}
	}
	q := "SELECT " + warehouse.QuoteIdent("id") + " FROM twenty." + warehouse.QuoteIdent(person.Table) +
		" WHERE " + warehouse.QuoteIdent("_source_object") + " = 'patient' ORDER BY " + warehouse.QuoteIdent("id") + " LIMIT ?"
	ids, err := scanStrings(ctx, db, q, n)
	if err != nil {
		return nil, fmt.Errorf("--sample: pick patients from twenty.%s: %w", person.Table, err)
	}
	sampled := map[string]bool{}
	for _, id := range ids {
		sampled[id] = true
		included[person.Table][id] = true
	}

	type row struct {
		id   string
		refs []string
	}
	tables := map[string][]row{}
	for _, o := range plan.Objects {
		cols := []string{warehouse.QuoteIdent("id")}
		for _, r := range rels[o.Table] {
			cols = append(cols, warehouse.QuoteIdent(r.column)+"::VARCHAR")
		}
		rs, err := db.QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM twenty."+warehouse.QuoteIdent(o.Table))
		if err != nil {
			return nil, fmt.Errorf("--sample: read twenty.%s: %w", o.Table, err)
		}
		for rs.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				rs.Close()
				return nil, err
			}
			r := row{id: vals[0].String}
			for _, v := range vals[1:] {
				r.refs = append(r.refs, v.String)
			}
			tables[o.Table] = append(tables[o.Table], r)
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, err
		}
	}

	for changed := true; changed; {
		changed = false
		for _, o := range plan.Objects {
			for _, r := range tables[o.Table] {
				if !included[o.Table][r.id] && o.Table != person.Table && takes(r.refs, rels[o.Table], included, shared, person.Table, sampled) {
					included[o.Table][r.id] = true
					changed = true
				}
				if !included[o.Table][r.id] {
					continue
				}
				for i, ref := range r.refs {
					t := rels[o.Table][i].target
					if ref == "" || included[t][ref] || t == person.Table {
						continue
					}
					included[t][ref] = true
					changed = true
				}
			}
		}
	}
	return included, nil
}

// takes says whether a row belongs to the sample: it references a sampled
// record that is not a shared parent, and every person it references is
// sampled.
func takes(refs []string, rels []relCol, included map[string]map[string]bool, shared map[string]bool, personTable string, sampled map[string]bool) bool {
	linked := false
	for i, ref := range refs {
		if ref == "" {
			continue
		}
		t := rels[i].target
		if t == personTable && !sampled[ref] {
			return false
		}
		if !shared[t] && included[t][ref] {
			linked = true
		}
	}
	return linked
}

func scanStrings(ctx context.Context, db *sql.DB, q string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
