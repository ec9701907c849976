package twenty

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
)

//go:embed queries/*.sql
var queryFS embed.FS

func query(name string) string {
	b, err := queryFS.ReadFile("queries/" + name + ".sql")
	if err != nil {
		panic(err) // embedded: a missing file is a build defect
	}
	return string(b)
}

// ObjectPlan is one row of twenty.object_plan: a destination table and the
// Twenty object it loads.
type ObjectPlan struct {
	Table         string // table in schema twenty
	NameSingular  string
	NamePlural    string // REST path
	LabelSingular string
	LabelPlural   string
	Icon          string
	IsCustom      bool
	LoadOrder     int
}

// QualifiedTable is "twenty.<table>".
func (o ObjectPlan) QualifiedTable() string { return "twenty." + o.Table }

// FieldPlan is one row of twenty.field_plan.
type FieldPlan struct {
	Object           string // object_name_singular
	Column           string // table column or, for composites, column prefix
	Name             string // camelCase API name
	Label            string
	Type             string
	IsCustom         bool
	Options          []Option
	RelationTarget   string // object_name_singular of the target
	RelationType     string // MANY_TO_ONE
	TargetFieldLabel string
	Description      string
}

// RelationName is the relation field's name without an Id suffix: the
// field is "person", its join column "personId".
func (f FieldPlan) RelationName() string {
	if f.Type == "RELATION" && strings.HasSuffix(f.Name, "Id") && strings.HasSuffix(f.Column, "_id") {
		return strings.TrimSuffix(f.Name, "Id")
	}
	return f.Name
}

// Plan is the models' description of what goes to Twenty.
type Plan struct {
	Objects []ObjectPlan
	Fields  []FieldPlan
}

// Object finds an object by singular name.
func (p Plan) Object(name string) (ObjectPlan, bool) {
	for _, o := range p.Objects {
		if o.NameSingular == name {
			return o, true
		}
	}
	return ObjectPlan{}, false
}

// FieldsOf lists an object's planned fields.
func (p Plan) FieldsOf(object string) []FieldPlan {
	var out []FieldPlan
	for _, f := range p.Fields {
		if f.Object == object {
			out = append(out, f)
		}
	}
	return out
}

// ReadPlan reads twenty.object_plan and twenty.field_plan.
func ReadPlan(ctx context.Context, db *sql.DB) (Plan, error) {
	var p Plan
	rows, err := db.QueryContext(ctx, query("object_plan"))
	if err != nil {
		return p, fmt.Errorf("read twenty.object_plan (build the twenty models first: axium2crm run): %w", err)
	}
	for rows.Next() {
		var o ObjectPlan
		if err := rows.Scan(&o.Table, &o.NameSingular, &o.NamePlural, &o.LabelSingular, &o.LabelPlural, &o.Icon, &o.IsCustom, &o.LoadOrder); err != nil {
			rows.Close()
			return p, fmt.Errorf("read twenty.object_plan: %w", err)
		}
		if _, t, ok := strings.Cut(o.Table, "."); ok {
			o.Table = t
		}
		p.Objects = append(p.Objects, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return p, err
	}
	rows, err = db.QueryContext(ctx, query("field_plan"))
	if err != nil {
		return p, fmt.Errorf("read twenty.field_plan: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f FieldPlan
		var opts sql.NullString
		if err := rows.Scan(&f.Object, &f.Column, &f.Name, &f.Label, &f.Type, &f.IsCustom, &opts,
			&f.RelationTarget, &f.RelationType, &f.TargetFieldLabel, &f.Description); err != nil {
			return p, fmt.Errorf("read twenty.field_plan: %w", err)
		}
		if opts.Valid && opts.String != "" && opts.String != "null" {
			if err := json.Unmarshal([]byte(opts.String), &f.Options); err != nil {
				return p, fmt.Errorf("twenty.field_plan %s.%s: options are not a JSON array of {value,label,position,color}: %w", f.Object, f.Name, err)
			}
		}
		for i := range f.Options {
			f.Options[i].Label = optionLabel(f.Options[i].Label, f.Options[i].Value)
		}
		f.Type = strings.ToUpper(f.Type)
		p.Fields = append(p.Fields, f)
	}
	return p, rows.Err()
}

// optionLabel makes a select option's label one Twenty accepts: no comma
// (Twenty splits multi-select cells on it and refuses the label), at most
// 63 characters, not blank. The label is what people read; the value, which
// the records carry, is untouched.
func optionLabel(label, value string) string {
	l := strings.TrimSpace(strings.ReplaceAll(label, ",", ";"))
	if r := []rune(l); len(r) > 63 {
		l = strings.TrimSpace(string(r[:62])) + "…"
	}
	if l == "" {
		l = value
	}
	return l
}
