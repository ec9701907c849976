package twenty

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// TestSampleIDsMatchesTheInMemoryClosure: the sample worked out in the
// warehouse is the one the push took before, when it read every table's
// ids and references into memory and closed over them in Go (kept here as
// the reference).
func TestSampleIDsMatchesTheInMemoryClosure(t *testing.T) {
	wh, _ := openFixture(t, fixtureOpts{People: 20, Files: 20})
	ctx := context.Background()
	plan, err := ReadPlan(ctx, wh.DB())
	require.NoError(t, err)
	check := func(n int) {
		got, err := sampleIDs(ctx, wh.DB(), plan, n)
		require.NoError(t, err)
		want, err := sampleIDsInMemory(ctx, wh.DB(), plan, n)
		require.NoError(t, err)
		assert.Equal(t, want, got, "sample of %d", n)
		total := 0
		for _, ids := range got {
			total += len(ids)
		}
		assert.Positive(t, total)
	}
	for _, n := range []int{1, 3, 7, 100} {
		check(n)
	}
	// A row that references a person outside the sample is not taken,
	// though its note is: every attachment now names the last patient.
	_, err = wh.DB().Exec(`UPDATE twenty.attachment SET target_person_id =
		(SELECT max(id) FROM twenty.person WHERE _source_object = 'patient')`)
	require.NoError(t, err)
	for _, n := range []int{3, 100} {
		check(n)
	}
	got, err := sampleIDs(ctx, wh.DB(), plan, 3)
	require.NoError(t, err)
	assert.Empty(t, got["attachment"])
	var temps int
	require.NoError(t, wh.DB().QueryRow("SELECT count(*) FROM duckdb_tables() WHERE temporary").Scan(&temps))
	assert.Zero(t, temps, "the closure's tables are dropped")
}

func sampleIDsInMemory(ctx context.Context, db *sql.DB, plan Plan, n int) (map[string]map[string]bool, error) {
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
