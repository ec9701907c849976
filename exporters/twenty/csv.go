package twenty

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// MaxCSVRows is the most rows Twenty's importer takes in one file.
const MaxCSVRows = 10000

// subFieldLabels are the importable composite sub-fields and their labels,
// in the importer's order (twenty-shared CompositeFieldSubFieldLabels and
// SpreadsheetImportCompositeSubFields; not importable: addressLat,
// addressLng, blocknote).
var subFieldLabels = map[string][][2]string{
	"CURRENCY":  {{"amountMicros", "Amount"}, {"currencyCode", "Currency"}},
	"EMAILS":    {{"primaryEmail", "Primary Email"}, {"additionalEmails", "Additional Emails"}},
	"LINKS":     {{"primaryLinkUrl", "Link URL"}, {"primaryLinkLabel", "Link Label"}, {"secondaryLinks", "Secondary Links"}},
	"PHONES":    {{"primaryPhoneCallingCode", "Primary Phone Calling Code"}, {"primaryPhoneCountryCode", "Primary Phone Country Code"}, {"primaryPhoneNumber", "Primary Phone Number"}, {"additionalPhones", "Additional Phones"}},
	"FULL_NAME": {{"firstName", "First Name"}, {"lastName", "Last Name"}},
	"ADDRESS": {{"addressStreet1", "Address 1"}, {"addressStreet2", "Address 2"}, {"addressCity", "City"},
		{"addressState", "State"}, {"addressCountry", "Country"}, {"addressPostcode", "Post Code"}},
	"RICH_TEXT":    {{"markdown", "Markdown"}},
	"RICH_TEXT_V2": {{"markdown", "Markdown"}},
}

func subLabel(typ, sub string) (string, bool) {
	for _, p := range subFieldLabels[typ] {
		if p[0] == sub {
			return p[1], true
		}
	}
	return "", false
}

// csvObjects says which objects the importer cannot take: join records
// (#14694), files, and workspace members (they are users, invited).
var notByCSV = map[string]string{
	"taskTarget":      "links tasks to people: Twenty's importer cannot create task targets (issue #14694)",
	"noteTarget":      "links notes to people: Twenty's importer cannot create note targets (issue #14694)",
	"attachment":      "files must be uploaded before their attachment record exists",
	"workspaceMember": "workspace members are users: invite them in Settings → Members",
}

// CSVOptions configure ExportCSV.
type CSVOptions struct {
	OutDir string
	Mapper *Mapper
}

// CSVFile is one written file.
type CSVFile struct {
	Path    string `json:"path"`
	Object  string `json:"object"`
	Rows    int    `json:"rows"`
	Columns int    `json:"columns"`
}

// CSVReport lists what ExportCSV wrote and what it left to the push.
type CSVReport struct {
	Files   []CSVFile `json:"files"`
	Readme  string    `json:"readme"`
	Skipped []string  `json:"skipped"` // objects only the push can load
}

type csvColumn struct {
	header string
	value  func(Row) (string, error)
}

// ExportCSV writes one import file per object in Twenty's import order
// (01_companies.csv, 02_people.csv, ...), split at MaxCSVRows, with the
// headers Twenty's importer matches by label, and a README.txt saying what
// to create first and what only the push can do.
func ExportCSV(ctx context.Context, db *sql.DB, opt CSVOptions) (CSVReport, error) {
	var rep CSVReport
	plan, err := ReadPlan(ctx, db)
	if err != nil {
		return rep, err
	}
	if opt.Mapper == nil {
		if opt.Mapper, err = NewMapper(""); err != nil {
			return rep, err
		}
	}
	if err := os.MkdirAll(opt.OutDir, 0o700); err != nil {
		return rep, err
	}
	n := 0
	for _, o := range plan.Objects {
		if why, ok := notByCSV[o.NameSingular]; ok {
			rep.Skipped = append(rep.Skipped, o.NameSingular+": "+why)
			continue
		}
		// The rows are counted (how many files) and the custom-form keys
		// (columns) listed by DuckDB, so the table is read into Go once,
		// a page at a time, to write it. Memory does not grow with the
		// table.
		total, keys, err := tableShape(ctx, db, o.Table)
		if err != nil {
			return rep, err
		}
		cols, err := csvColumns(ctx, db, plan, o, keys)
		if err != nil {
			return rep, err
		}
		n++
		files, err := writeCSV(ctx, db, opt.Mapper, o.Table, opt.OutDir, fmt.Sprintf("%02d_%s", n, o.NamePlural), o.NameSingular, cols, total)
		if err != nil {
			return rep, err
		}
		rep.Files = append(rep.Files, files...)
	}
	rep.Readme = filepath.Join(opt.OutDir, "README.txt")
	if err := os.WriteFile(rep.Readme, []byte(readme(plan, rep)), 0o600); err != nil {
		return rep, err
	}
	return rep, nil
}

// csvColumns builds the header and cell function of every column of the
// table, in the table's column order, extra_fields keys last (extraKeys
// are the keys the table's extra_fields objects hold).
func csvColumns(ctx context.Context, db *sql.DB, plan Plan, o ObjectPlan, extraKeys map[string]bool) ([]csvColumn, error) {
	fields := plan.FieldsOf(o.NameSingular)
	byColumn := map[string]FieldPlan{}
	byName := map[string]FieldPlan{}
	for _, f := range fields {
		byColumn[f.Column] = f
		byName[f.Name] = f
	}
	names, err := columnNames(ctx, db, o.Table)
	if err != nil {
		return nil, err
	}
	where := func(col string) string { return fmt.Sprintf("twenty.%s column %s", o.Table, col) }
	var cols []csvColumn
	hasExtra := false
	for _, col := range names {
		switch {
		case strings.HasPrefix(col, "_"):
			continue
		case col == ExtraFieldsColumn:
			hasExtra = true
			continue
		case col == "id":
			cols = append(cols, csvColumn{"Id", cell("id", "")})
			continue
		}
		prefix, sub, composite := strings.Cut(col, "__")
		if composite {
			f, ok := byColumn[prefix]
			if !ok {
				return nil, fmt.Errorf("%s: no twenty.field_plan row for %s (its label names the CSV header)", where(col), prefix)
			}
			subName := SubFieldName(sub)
			sl, ok := subLabel(f.Type, subName)
			if !ok {
				return nil, fmt.Errorf("%s: Twenty's importer has no sub-field %s for a %s field", where(col), subName, f.Type)
			}
			c := csvColumn{f.Label + " / " + sl, cell(CamelCase(prefix), subName)}
			if f.Type == "CURRENCY" && subName == "amountMicros" {
				c.value = amountCell(CamelCase(prefix))
			}
			cols = append(cols, c)
			continue
		}
		f, ok := byColumn[col]
		if !ok {
			f, ok = standardField(col)
		}
		if !ok {
			return nil, fmt.Errorf("%s: no twenty.field_plan row gives its label", where(col))
		}
		if f.Type == "RELATION" {
			cols = append(cols, csvColumn{f.Label + " / Id", cell(CamelCase(col), "")})
			continue
		}
		cols = append(cols, csvColumn{f.Label, cell(CamelCase(col), "")})
	}
	if hasExtra {
		keys := map[string]bool{}
		for k := range extraKeys {
			keys[k] = true
		}
		for _, c := range names {
			f, _, _ := strings.Cut(c, "__")
			delete(keys, CamelCase(f))
		}
		var extra []string
		for k := range keys {
			extra = append(extra, k)
		}
		sort.Strings(extra)
		for _, k := range extra {
			f, ok := byName[k]
			if !ok {
				return nil, fmt.Errorf("twenty.%s extra_fields key %q: no twenty.field_plan row gives its label", o.Table, k)
			}
			cols = append(cols, csvColumn{f.Label, cell(k, "")})
		}
	}
	return cols, nil
}

// standardField labels the base fields every object has, for tables whose
// field_plan leaves them out.
func standardField(col string) (FieldPlan, bool) {
	switch col {
	case "created_at":
		return FieldPlan{Label: "Creation date", Type: "DATE_TIME"}, true
	case "updated_at":
		return FieldPlan{Label: "Last update", Type: "DATE_TIME"}, true
	}
	return FieldPlan{}, false
}

// tableShape counts twenty.<table>'s rows and lists the keys of its
// extra_fields objects (the custom-form answers that become columns), in
// SQL: reading every row into Go for this cost as much as writing the
// file. A value that is not a JSON object adds no key here; writing its
// row fails with the row's id and the reason.
func tableShape(ctx context.Context, db *sql.DB, table string) (int, map[string]bool, error) {
	rel := "twenty." + warehouse.QuoteIdent(table)
	var total int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+rel).Scan(&total); err != nil {
		return 0, nil, fmt.Errorf("read twenty.%s: %w", table, err)
	}
	keys := map[string]bool{}
	rows, err := db.QueryContext(ctx, TableQuery(table)+" LIMIT 0")
	if err != nil {
		return 0, nil, fmt.Errorf("read twenty.%s: %w", table, err)
	}
	cts, err := rows.ColumnTypes()
	rows.Close()
	if err != nil {
		return 0, nil, fmt.Errorf("read twenty.%s: %w", table, err)
	}
	for _, ct := range cts {
		if ct.Name() != ExtraFieldsColumn {
			continue
		}
		x := warehouse.QuoteIdent(ExtraFieldsColumn)
		switch strings.ToUpper(ct.DatabaseTypeName()) {
		case "VARCHAR", "JSON":
		default: // a STRUCT or MAP is sent as its JSON
			x = "to_json(" + x + ")"
		}
		q := "SELECT DISTINCT k FROM (SELECT unnest(json_keys(CASE WHEN json_valid(" + x + ") AND json_type(" + x + ") = 'OBJECT' THEN " + x + " END)) AS k FROM " + rel + ") ORDER BY k"
		krows, err := db.QueryContext(ctx, q)
		if err != nil {
			return 0, nil, fmt.Errorf("read twenty.%s column %s: %w", table, ExtraFieldsColumn, err)
		}
		defer krows.Close()
		for krows.Next() {
			var k string
			if err := krows.Scan(&k); err != nil {
				return 0, nil, fmt.Errorf("read twenty.%s column %s: %w", table, ExtraFieldsColumn, err)
			}
			keys[k] = true
		}
		if err := krows.Err(); err != nil {
			return 0, nil, fmt.Errorf("read twenty.%s column %s: %w", table, ExtraFieldsColumn, err)
		}
	}
	return total, keys, nil
}

func columnNames(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	rows, err := db.QueryContext(ctx, TableQuery(table)+" LIMIT 0")
	if err != nil {
		return nil, fmt.Errorf("read twenty.%s: %w", table, err)
	}
	defer rows.Close()
	return rows.Columns()
}

func cell(field, sub string) func(Row) (string, error) {
	return func(r Row) (string, error) {
		v := r.Payload[field]
		if sub != "" {
			m, _ := v.(map[string]any)
			v = m[sub]
		}
		return cellText(v)
	}
}

// amountCell writes a CURRENCY amount as the importer reads it: a decimal
// amount (the importer multiplies by 1,000,000), exact.
func amountCell(field string) func(Row) (string, error) {
	return func(r Row) (string, error) {
		m, _ := r.Payload[field].(map[string]any)
		v := m["amountMicros"]
		if v == nil {
			return "", nil
		}
		return microsToAmount(fmt.Sprint(v))
	}
}

func microsToAmount(s string) (string, error) {
	neg := strings.HasPrefix(s, "-")
	digits := strings.TrimPrefix(s, "-")
	if _, err := strconv.ParseUint(digits, 10, 64); err != nil {
		return "", fmt.Errorf("amountMicros %q is not an integer", s)
	}
	for len(digits) < 7 {
		digits = "0" + digits
	}
	whole, frac := digits[:len(digits)-6], strings.TrimRight(digits[len(digits)-6:], "0")
	out := whole
	if frac != "" {
		out += "." + frac
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out, nil
}

func cellText(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case json.Number:
		return x.String(), nil
	case []any, map[string]any:
		b, err := json.Marshal(x)
		return string(b), err
	}
	return fmt.Sprint(v), nil
}

// writeCSV streams twenty.<table> into files of at most MaxCSVRows rows
// (base.csv, or base_part001.csv, ... when total needs more than one).
func writeCSV(ctx context.Context, db *sql.DB, m *Mapper, table, dir, base, object string, cols []csvColumn, total int) (out []CSVFile, err error) {
	parts := max(1, (total+MaxCSVRows-1)/MaxCSVRows)
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.header
	}
	var f *os.File
	var w *csv.Writer
	var cur CSVFile
	closeFile := func() error {
		if f == nil {
			return nil
		}
		w.Flush()
		err := errors.Join(w.Error(), f.Close())
		f = nil
		if err == nil {
			out = append(out, cur)
		}
		return err
	}
	open := func() error {
		name := base + ".csv"
		if parts > 1 {
			name = fmt.Sprintf("%s_part%03d.csv", base, len(out)+1)
		}
		path := filepath.Join(dir, name)
		var err error
		if f, err = os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600); err != nil {
			return err
		}
		w = csv.NewWriter(f)
		cur = CSVFile{Path: path, Object: object, Columns: len(cols)}
		return w.Write(header)
	}
	defer func() {
		if f != nil {
			_ = f.Close()
		}
	}()
	rec := make([]string, len(cols))
	err = m.EachRow(ctx, db, table, func(r Row) error {
		if f == nil || cur.Rows == MaxCSVRows {
			if err := closeFile(); err != nil {
				return err
			}
			if err := open(); err != nil {
				return err
			}
		}
		for i, c := range cols {
			s, err := c.value(r)
			if err != nil {
				return fmt.Errorf("%s: record %s (%s): %s: %w", cur.Path, r.ID, r.SourceKey, c.header, err)
			}
			rec[i] = s
		}
		cur.Rows++
		return w.Write(rec)
	})
	if err != nil {
		return out, err
	}
	if f == nil { // an empty table still gets its file, with the header
		if err := open(); err != nil {
			return out, err
		}
	}
	return out, closeFile()
}

func readme(plan Plan, rep CSVReport) string {
	var b strings.Builder
	b.WriteString("Twenty CRM import files written by axium2crm\n============================================\n\n")
	b.WriteString("1. Create these custom objects first (Settings → Data model → New object):\n\n")
	n := 0
	for _, o := range plan.Objects {
		if o.IsCustom {
			n++
			fmt.Fprintf(&b, "   - %s (plural %s), label \"%s\" / \"%s\"\n", o.NameSingular, o.NamePlural, o.LabelSingular, o.LabelPlural)
		}
	}
	if n == 0 {
		b.WriteString("   (none)\n")
	}
	b.WriteString("\n2. Then create these custom fields, in this order (relations last). The CSV\n" +
		"   headers match fields by label, so the labels must be exactly these:\n\n")
	custom := func(rel bool) {
		for _, f := range plan.Fields {
			if !f.IsCustom || (f.Type == "RELATION") != rel {
				continue
			}
			fmt.Fprintf(&b, "   - %s.%s: label \"%s\", type %s", f.Object, f.RelationName(), f.Label, f.Type)
			if f.Type == "RELATION" {
				fmt.Fprintf(&b, " (%s → %s, reverse field label \"%s\")", orDefault(f.RelationType, "MANY_TO_ONE"), f.RelationTarget, f.TargetFieldLabel)
			}
			b.WriteString("\n")
			for _, op := range f.Options {
				fmt.Fprintf(&b, "       option value %s, label \"%s\"\n", op.Value, op.Label)
			}
		}
	}
	custom(false)
	custom(true)
	b.WriteString("\n3. Import the files in this order (each object's Import, one file at a time;\n" +
		"   Twenty takes at most 10,000 rows a file). The Id column makes a re-import\n" +
		"   update the same records instead of duplicating them:\n\n")
	for _, f := range rep.Files {
		fmt.Fprintf(&b, "   - %s (%s, %d rows)\n", filepath.Base(f.Path), f.Object, f.Rows)
	}
	b.WriteString("\n   Dates carry their UTC offset; select cells hold the option value,\n" +
		"   multi-select cells a JSON array of values; currency amounts are decimal\n" +
		"   amounts (not micros).\n")
	b.WriteString("\n4. What the CSV route cannot do. Run `axium2crm push twenty` for these (it\n" +
		"   also creates the objects and fields above, and can load everything instead\n" +
		"   of the CSV files):\n\n")
	for _, s := range rep.Skipped {
		fmt.Fprintf(&b, "   - %s\n", s)
	}
	return b.String()
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
