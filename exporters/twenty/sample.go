package twenty

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// PersonObject is the object a sample is drawn from.
const PersonObject = "person"

type relCol struct {
	column string
	target string // table of the target object
}

// sampleIDs picks n patients (people whose _source_object is 'patient', in
// id order) and everything linked to them, worked out in the warehouse
// (exporters.SampleClosure): records that reference a
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
	var edges []exporters.SampleEdge
	for _, f := range plan.Fields {
		if f.Type != "RELATION" || tableOf[f.RelationTarget] == "" || tableOf[f.Object] == "" {
			continue
		}
		t := tableOf[f.Object]
		edges = append(edges, exporters.SampleEdge{Table: "twenty." + warehouse.QuoteIdent(t), SrcTable: t,
			Column: warehouse.QuoteIdent(f.Column), DstTable: tableOf[f.RelationTarget]})
	}
	// Shared parents never pull in their other children.
	shared := []string{"''"}
	for _, e := range edges {
		if e.SrcTable == person.Table {
			shared = append(shared, warehouse.QuoteLiteral(e.DstTable))
		}
	}
	if wm, ok := plan.Object("workspaceMember"); ok {
		shared = append(shared, warehouse.QuoteLiteral(wm.Table))
	}
	c, err := exporters.NewSampleClosure(ctx, db, edges, true)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	pt := warehouse.QuoteLiteral(person.Table)
	if _, err := db.ExecContext(ctx, "INSERT INTO "+c.Keep+" SELECT "+pt+" || '/' || CAST(id AS VARCHAR) FROM twenty."+warehouse.QuoteIdent(person.Table)+
		" WHERE "+warehouse.QuoteIdent("_source_object")+" = 'patient' ORDER BY id LIMIT ?", n); err != nil {
		return nil, fmt.Errorf("--sample: pick patients from twenty.%s: %w", person.Table, err)
	}
	// A row belongs to the sample when it references a kept record that is
	// not a shared parent and every person it references is sampled (the
	// sampled patients are the only people kept); a kept row keeps what it
	// references, people aside.
	err = c.Fix(ctx,
		"INSERT INTO "+c.Keep+" SELECT src FROM "+c.Edges+" WHERE src_tbl <> "+pt+` GROUP BY src
		HAVING bool_and(dst_tbl <> `+pt+` OR dst IN (SELECT k FROM `+c.Keep+`))
		   AND bool_or(dst_tbl NOT IN (`+strings.Join(shared, ", ")+`) AND dst IN (SELECT k FROM `+c.Keep+`))
		   AND src NOT IN (SELECT k FROM `+c.Keep+`)`,
		"INSERT INTO "+c.Keep+" SELECT DISTINCT dst FROM "+c.Edges+" WHERE dst_tbl <> "+pt+`
		   AND src IN (SELECT k FROM `+c.Keep+`) AND dst NOT IN (SELECT k FROM `+c.Keep+`)`)
	if err != nil {
		return nil, err
	}
	included := map[string]map[string]bool{}
	for _, o := range plan.Objects {
		if included[o.Table], err = c.Kept(ctx, o.Table); err != nil {
			return nil, err
		}
	}
	return included, nil
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
