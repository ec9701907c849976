package odoo

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/axium2crm/axium2crm/exporters/wallclock"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

//go:embed queries/*.sql
var queryFS embed.FS

func query(name string) string {
	b, err := queryFS.ReadFile("queries/" + name + ".sql")
	if err != nil {
		panic(err) // embedded: a failure is a build defect
	}
	return string(b)
}

// Object is one row of odoo.object_plan: a table and the model it fills.
type Object struct {
	Table       string `json:"table"`
	Model       string `json:"model"`
	LoadOrder   int    `json:"load_order"`
	IsCustom    bool   `json:"is_custom"`
	Description string `json:"description,omitempty"`
}

// PlanField is one row of odoo.field_plan.
type PlanField struct {
	Model       string      `json:"model"`
	Name        string      `json:"name"`
	Description string      `json:"field_description"`
	Type        string      `json:"ttype"`
	Selection   [][2]string `json:"selection,omitempty"`
	Relation    string      `json:"relation,omitempty"`
	// RelationField is a one2many's inverse many2one on the comodel.
	RelationField string `json:"relation_field,omitempty"`
	Required      bool   `json:"required"`
	IsCustom      bool   `json:"is_custom"`
}

// Plan is what the warehouse's odoo schema asks for.
type Plan struct {
	Objects []Object
	Fields  []PlanField
	// db is the warehouse the plan was read from: the schema step measures
	// the longest text of a field only when Odoo gives it a size.
	db *sql.DB
}

// ReadPlan reads odoo.object_plan and odoo.field_plan.
func ReadPlan(ctx context.Context, db *sql.DB) (*Plan, error) {
	p := &Plan{db: db}
	rows, err := db.QueryContext(ctx, query("object_plan"))
	if err != nil {
		return nil, fmt.Errorf("read odoo.object_plan (build the odoo models first): %w", err)
	}
	for rows.Next() {
		var o Object
		if err := rows.Scan(&o.Table, &o.Model, &o.LoadOrder, &o.IsCustom, &o.Description); err != nil {
			rows.Close()
			return nil, fmt.Errorf("odoo.object_plan: %w", err)
		}
		p.Objects = append(p.Objects, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.QueryContext(ctx, query("field_plan"))
	if err != nil {
		return nil, fmt.Errorf("read odoo.field_plan: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f PlanField
		var sel, rel, relField sql.NullString
		if err := rows.Scan(&f.Model, &f.Name, &f.Description, &f.Type, &sel, &rel, &relField, &f.Required, &f.IsCustom); err != nil {
			return nil, fmt.Errorf("odoo.field_plan: %w", err)
		}
		f.Relation, f.RelationField = rel.String, relField.String
		if sel.Valid && sel.String != "" && sel.String != "null" {
			var opts [][]string
			if err := json.Unmarshal([]byte(sel.String), &opts); err != nil {
				return nil, fmt.Errorf("odoo.field_plan %s.%s: selection is not a JSON list of [value, label]: %w", f.Model, f.Name, err)
			}
			for _, o := range opts {
				if len(o) != 2 {
					return nil, fmt.Errorf("odoo.field_plan %s.%s: selection option %v is not [value, label]", f.Model, f.Name, o)
				}
				f.Selection = append(f.Selection, [2]string{o[0], o[1]})
			}
		}
		p.Fields = append(p.Fields, f)
	}
	return p, rows.Err()
}

// column is one column of a destination table.
type column struct {
	name   string // as in the table: "name", "parent_id/id", "_source_key"
	field  string // Odoo field: "parent_id"
	ref    bool   // "/id": holds external ids
	dbType string // DuckDB type name
}

// tableData is one destination table read from the warehouse.
type tableData struct {
	obj  Object
	cols []column
	// create is how the push writes the table's new records with create
	// (one entry per import column), or nil when it writes them with load.
	create []createCol
	// byID is, by import column (as importColumns orders them), the keyed
	// model a reference points at ("" for any other column): its records
	// may have no external id, so a load names them by database id
	// (field/.id), found by their key.
	byID []string
	rows [][]any
}

// keyedRel is the keyed model field points at, "" when it points at
// none (tableData.byID).
func (t *tableData) keyedRel(field string) string {
	for j, i := range importColumns(t) {
		if j < len(t.byID) && t.cols[i].field == field {
			return t.byID[j]
		}
	}
	return ""
}

func (t *tableData) col(name string) int {
	for i, c := range t.cols {
		if c.name == name {
			return i
		}
	}
	return -1
}

// columnsOf describes a destination table's columns.
func columnsOf(types []*sql.ColumnType) []column {
	var out []column
	for _, ct := range types {
		c := column{name: ct.Name(), field: ct.Name(), dbType: ct.DatabaseTypeName()}
		if f, ok := strings.CutSuffix(c.name, "/id"); ok {
			c.field, c.ref = f, true
		}
		out = append(out, c)
	}
	return out
}

// describeTable reads odoo.<table>'s columns, no rows.
func describeTable(ctx context.Context, db *sql.DB, obj Object) (*tableData, error) {
	return queryTable(ctx, db, obj, "*", " LIMIT 0")
}

// queryTable reads the columns sel (a SELECT list) of odoo.<table> with
// the rows the tail (ORDER BY, LIMIT) gives; the id column must be among
// them.
func queryTable(ctx context.Context, db *sql.DB, obj Object, sel, tail string) (*tableData, error) {
	var t *tableData
	err := eachRow(ctx, db, obj, sel, tail, func(td *tableData, row []any) error {
		t = td
		if row != nil {
			t.rows = append(t.rows, row)
		}
		return nil
	})
	return t, err
}

// eachRow reads the columns sel of odoo.<table> with the rows the tail
// gives, and hands fn the table's description (no rows) with each row in
// turn, a fresh slice each time, and once with a nil row when the table
// has none. fn must not query the warehouse (the read holds its one
// connection).
func eachRow(ctx context.Context, db *sql.DB, obj Object, sel, tail string, fn func(t *tableData, row []any) error) error {
	rows, err := db.QueryContext(ctx, "SELECT "+sel+" FROM odoo."+warehouse.QuoteIdent(obj.Table)+tail)
	if err != nil {
		return fmt.Errorf("read odoo.%s: %w", obj.Table, err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return err
	}
	t := &tableData{obj: obj, cols: columnsOf(types)}
	if t.col("id") < 0 {
		return fmt.Errorf("odoo.%s has no id column (the external id)", obj.Table)
	}
	n := 0
	for rows.Next() {
		vals := make([]any, len(t.cols))
		ptrs := make([]any, len(t.cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("read odoo.%s: %w", obj.Table, err)
		}
		n++
		if err := fn(t, vals); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n == 0 {
		return fn(t, nil)
	}
	return nil
}

// text renders a warehouse value as Odoo's import format writes it.
func text(v any, dbType string, tz *time.Location) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case bool:
		if x {
			return "1", nil
		}
		return "0", nil
	case time.Time:
		return formatTime(x, dbType, tz)
	case duckdb.Decimal:
		return x.String(), nil
	case *big.Int:
		return x.String(), nil
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			s, err := text(e, "", tz)
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	}
	return fmt.Sprint(v), nil
}

// ErrNoTimeZone: naive timestamps cannot be sent without the clinic's zone.
var ErrNoTimeZone = fmt.Errorf("a TIMESTAMP column needs the clinic's time zone (an IANA name such as America/New_York) to convert to UTC")

// formatTime turns DATE into YYYY-MM-DD and a naive local TIMESTAMP (the
// clinic's wall clock, read by wallclock's rule) into UTC YYYY-MM-DD
// HH:MM:SS, as Odoo stores it.
func formatTime(t time.Time, dbType string, tz *time.Location) (string, error) {
	switch {
	case dbType == "DATE":
		return t.Format(time.DateOnly), nil
	case strings.Contains(dbType, "TIME ZONE") || dbType == "TIMESTAMPTZ":
		return t.UTC().Format(time.DateTime), nil
	}
	if tz == nil {
		return "", ErrNoTimeZone
	}
	return wallclock.Instant(t, tz).UTC().Format(time.DateTime), nil
}

// wireValue turns a warehouse value into what Odoo's API takes.
func wireValue(v any, dbType string, tz *time.Location) (any, error) {
	switch x := v.(type) {
	case nil:
		return false, nil
	case time.Time:
		return formatTime(x, dbType, tz)
	case duckdb.Decimal:
		// Odoo's float and monetary fields take doubles on the wire.
		return x.Float64(), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case float32:
		return float64(x), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			w, err := wireValue(e, "", tz)
			if err != nil {
				return nil, err
			}
			out[i] = w
		}
		return out, nil
	}
	return v, nil
}
