package odoo

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// pushOnly are the tables Odoo's CSV importer cannot load, and why.
var pushOnly = map[string]string{
	"ir.attachment": "the file contents (datas, base64) come from the export directory, and res_id is the patient's database id, which exists only after the import",
	"mail.message":  "res_id (the patient whose chatter holds the note) is a database id the importer reads as an integer only; it exists only after the import",
}

// CSVOptions configure ExportCSV.
type CSVOptions struct {
	OutDir string
	// TimeZone is the clinic's zone: naive timestamps are written as its
	// wall clock, which Odoo's importer converts from the importing
	// user's time zone.
	TimeZone *time.Location
}

// CSVFile is one written file.
type CSVFile struct {
	Path    string `json:"path"`
	Table   string `json:"table"`
	Model   string `json:"model"`
	Rows    int    `json:"rows"`
	Columns int    `json:"columns"`
}

// CSVReport lists what ExportCSV wrote and what it left to the push.
type CSVReport struct {
	Files   []CSVFile `json:"files"`
	Readme  string    `json:"readme"`
	Skipped []string  `json:"skipped"`
}

// ExportCSV writes one file per odoo.* table in load order
// (01_res_groups.csv, 02_res_partner_company.csv, ...) in the format of
// Odoo's base_import, and README.txt saying what to create first.
func ExportCSV(ctx context.Context, db *sql.DB, opt CSVOptions) (*CSVReport, error) {
	if opt.TimeZone == nil {
		return nil, ErrNoTimeZone
	}
	plan, err := ReadPlan(ctx, db)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opt.OutDir, 0o700); err != nil {
		return nil, err
	}
	rep := &CSVReport{}
	n := 0
	// Each table is streamed into its file a row at a time: memory does
	// not grow with the table. The README needs only the access groups'
	// names.
	groups := map[string][]string{}
	for _, o := range plan.Objects {
		if why, ok := pushOnly[o.Model]; ok {
			var rows int
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM odoo."+warehouse.QuoteIdent(o.Table)).Scan(&rows); err != nil {
				return nil, fmt.Errorf("count odoo.%s: %w", o.Table, err)
			}
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s (%s, %d rows): %s", o.Table, o.Model, rows, why))
			continue
		}
		n++
		f, names, err := writeTableCSV(ctx, db, o, filepath.Join(opt.OutDir, fmt.Sprintf("%02d_%s.csv", n, o.Table)), opt.TimeZone)
		if err != nil {
			return nil, err
		}
		if o.Model == "res.groups" && len(names) > 0 {
			groups[o.Table] = names
		}
		rep.Files = append(rep.Files, f)
	}
	rep.Readme = filepath.Join(opt.OutDir, "README.txt")
	if err := os.WriteFile(rep.Readme, []byte(readme(plan, groups, rep, opt.TimeZone)), 0o600); err != nil {
		return nil, err
	}
	return rep, nil
}

// csvHeader is the columns of a table's file: the import columns, plus
// state_id (by code) where the table carries _state_code.
func csvHeader(t *tableData) ([]int, []string) {
	cols := importColumns(t)
	head := make([]string, 0, len(cols)+1)
	for _, i := range cols {
		head = append(head, t.cols[i].name)
	}
	if i := t.col("_state_code"); i >= 0 {
		cols = append(cols, i)
		head = append(head, "state_id")
	}
	return cols, head
}

// writeTableCSV streams odoo.<table> into path; for res.groups it also
// returns the groups' names (the README lists them).
// eachRowPaged is eachRow of the whole table in id order, read in pages
// (exporters.NewOrderedPager: a sorted copy DuckDB spills, read by row-id
// ranges) rather than by one query, whose result the driver materializes
// whole before the first row.
func eachRowPaged(ctx context.Context, db *sql.DB, obj Object, fn func(t *tableData, row []any) error) error {
	t, err := describeTable(ctx, db, obj)
	if err != nil {
		return err
	}
	p, err := exporters.NewOrderedPager(ctx, db, "odoo", obj.Table, "id", 0)
	if err != nil {
		return fmt.Errorf("read odoo.%s: %w", obj.Table, err)
	}
	defer p.Close()
	n := 0
	for {
		_, more, err := p.Next(ctx, func(_ []*sql.ColumnType, vals []any) error {
			n++
			return fn(t, slices.Clone(vals))
		})
		if err != nil {
			return err
		}
		if !more {
			break
		}
	}
	if n == 0 {
		return fn(t, nil)
	}
	return nil
}

func writeTableCSV(ctx context.Context, db *sql.DB, obj Object, path string, tz *time.Location) (out CSVFile, groupNames []string, err error) {
	out = CSVFile{Path: path, Table: obj.Table, Model: obj.Model}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return out, nil, err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := csv.NewWriter(f)
	var cols []int
	var rec []string
	err = eachRowPaged(ctx, db, obj, func(t *tableData, row []any) error {
		if cols == nil {
			var head []string
			cols, head = csvHeader(t)
			out.Columns = len(head)
			rec = make([]string, len(cols))
			if err := w.Write(head); err != nil {
				return err
			}
		}
		if row == nil {
			return nil
		}
		out.Rows++
		for j, i := range cols {
			s, err := importText(row[i], t.cols[i].dbType, tz, tz)
			if err != nil {
				return fmt.Errorf("odoo.%s row %d column %s: %w", t.obj.Table, out.Rows, t.cols[i].name, err)
			}
			rec[j] = s
		}
		if obj.Model == "res.groups" {
			if i := t.col("name"); i >= 0 {
				s, _ := text(row[i], "", nil)
				groupNames = append(groupNames, s)
			}
		}
		return w.Write(rec)
	})
	if err != nil {
		return out, nil, err
	}
	w.Flush()
	return out, groupNames, w.Error()
}

func readme(plan *Plan, groups map[string][]string, rep *CSVReport, tz *time.Location) string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("Odoo import files written by axium2crm\n======================================\n\n")
	p("Each file is one odoo.* table in Odoo's import format (Contacts > Import, or\n")
	p("any list view > Import records): the id column is the external id\n")
	p("(module axium), \"<field>/id\" columns refer to other records by external\n")
	p("id, many2many columns hold comma-separated external ids.\n\n")
	p("1. Before importing: create the custom model and fields\n")
	p("   (Settings > Technical > Models / Fields, developer mode).\n\n")
	custom := map[string][]PlanField{}
	var models []string
	for _, f := range plan.Fields {
		if !f.IsCustom {
			continue
		}
		if _, ok := custom[f.Model]; !ok {
			models = append(models, f.Model)
		}
		custom[f.Model] = append(custom[f.Model], f)
	}
	for _, o := range plan.Objects {
		if o.IsCustom {
			p("   Custom model %s (%s): create it, then give the group\n", o.Model, o.Description)
			p("   Internal User (base.group_user) read, write, create and delete access.\n")
		}
	}
	p("\n")
	for _, m := range models {
		p("   Fields on %s:\n", m)
		for _, f := range custom[m] {
			extra := ""
			switch {
			case f.Relation != "":
				extra = " → " + f.Relation
			case len(f.Selection) > 0:
				vals := make([]string, len(f.Selection))
				for i, s := range f.Selection {
					vals[i] = s[0] + "=" + s[1]
				}
				extra = ": " + strings.Join(vals, ", ")
			}
			p("     %-40s %-10s %s%s\n", f.Name, f.Type, f.Description, extra)
		}
	}
	for _, o := range plan.Objects {
		names := groups[o.Table]
		if len(names) == 0 {
			continue
		}
		p("\n   Access groups (%s, imported first): ", o.Table)
		p("%s. Each implies Internal User; grant other rights by hand.\n", strings.Join(names, ", "))
	}
	p("\n2. Import the files in this order (each refers only to earlier ones):\n\n")
	for _, f := range rep.Files {
		p("   %-36s %-18s %6d rows\n", filepath.Base(f.Path), f.Model, f.Rows)
	}
	p("\n   Import as a user whose time zone (Preferences) is %s: date-times\n", tz)
	p("   are the clinic's wall clock and Odoo converts them from the user's zone.\n")
	p("   state_id holds the state code (NY); Odoo matches states by code and warns\n")
	p("   when the code is ambiguous.\n")
	p("   Product taxes: Odoo gives new products the company's default sales tax;\n")
	p("   dental services carry none, so clear Customer Taxes after importing.\n")
	p("   Calendar events imported through the screen e-mail invitations to their\n")
	p("   attendees (the patients); the push sends them with no_mail_to_attendees.\n")
	p("\n3. What the CSV route cannot do; use `axium2crm push odoo` for these:\n\n")
	for _, s := range rep.Skipped {
		p("   - %s\n", s)
	}
	p("\n   `axium2crm push odoo` does everything above itself (schema, order, UTC\n")
	p("   times, states, taxes, attachment files, res_id) and keeps an audit log\n")
	p("   for verify and rollback. Records imported from these files carry the same\n")
	p("   external ids, so a later push updates them instead of duplicating them.\n")
	return b.String()
}
