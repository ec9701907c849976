package models

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/axium2crm/axium2crm/sql/warehouse"
	"github.com/dustin/go-humanize"
)

// SourceObject describes one raw object a model may read: its key columns
// and the columns the models expect, so a missing raw table or column reads
// as empty rather than failing the run.
type SourceObject struct {
	Name    string
	Key     []string
	Columns []string
	// Reshaped, when set, wraps the raw relation (whose columns, lower
	// case, are have) in the query that reshapes it to the canonical
	// layout (a confirmed source map's reshapings); it returns the query,
	// its columns, and whether it reshaped anything. relation gives
	// another object's raw relation.
	Reshaped func(raw string, have map[string]bool, relation func(object string) string) (string, map[string]bool, bool)
	// Reshaping are raw columns a reshaping reads (a wide chart's site
	// columns): mapped, never carried. Ignored are raw columns a person's
	// confirmed source map ignores.
	Reshaping, Ignored []string
}

// RunOptions configure a run.
type RunOptions struct {
	Select  []string
	Sources []SourceObject
	// TempDir receives seed files while they load.
	TempDir  string
	Progress func(model string)
	// StoreIn, when set, is the schema that holds the tables of the models
	// in the schemas StoreSchemas lists: such a model is built as table
	// <StoreIn>."<schema>__<table>__run<id>" and its own name becomes a
	// view of it, so a snapshot can keep the table the run built instead
	// of copying it (see snapshot.Take).
	StoreIn      string
	StoreSchemas []string
	// TwoDigitYearPivot is the last year a two-digit year in a date may
	// stand for: 27 is read as the latest year ending in 27 that is not
	// after it (pivot 2027: 2027; pivot 2026: 1927). Zero means the year
	// after the newest finished load batch (the export: next year's
	// appointments stay next year), or 2068 (POSIX's %y window,
	// 1969-2068) when nothing was loaded. Never the day the models run:
	// the same export gives the same dates whenever it is built.
	TwoDigitYearPivot int
	// Reopen, when set, is called before each model that follows a built
	// one, with the run's connection closed; batched says the model is
	// built in passes. It returns the database to go on with: the same,
	// or the warehouse closed and opened again (DuckDB keeps the buffer
	// memory earlier models touched resident until its database closes).
	Reopen func(ctx context.Context, batched bool) (*sql.DB, error)
}

// noBatchPivot is the pivot when no load batch is recorded: POSIX's %y.
const noBatchPivot = 2068

// StoredName is the table a stored model's run builds (see StoreIn).
func StoredName(m *Model, runID int64) string {
	return fmt.Sprintf("%s__%s__run%d", m.Schema, m.Table(), runID)
}

// ModelResult is one model's outcome in a run.
type ModelResult struct {
	Model       string `json:"model"`
	Schema      string `json:"schema"`
	File        string `json:"file"`
	Fingerprint string `json:"fingerprint"`
	Status      string `json:"status"` // success, error, skipped
	Rows        int64  `json:"rows"`
	// Passes is how many passes built a batched model (see Batches).
	Passes  int64   `json:"passes,omitempty"`
	Seconds float64 `json:"seconds"`
	Message string  `json:"message,omitempty"`
}

// RunReport is the outcome of a run.
type RunReport struct {
	RunID int64 `json:"run_id"`
	// TwoDigitYearPivot is the pivot the run read two-digit years with
	// (see RunOptions).
	TwoDigitYearPivot int           `json:"two_digit_year_pivot"`
	Results           []ModelResult `json:"results"`
	Seconds           float64       `json:"seconds"`
}

// Failed reports whether any model failed or was skipped.
func (r RunReport) Failed() bool {
	for _, m := range r.Results {
		if m.Status != "success" {
			return true
		}
	}
	return false
}

// Run materialises the selected models in DAG order. Each model is built in
// its own transaction, so a failed model leaves its previous table in place;
// its descendants are skipped, other branches still run.
func (s *Set) Run(ctx context.Context, db *sql.DB, opt RunOptions) (RunReport, error) {
	start := time.Now()
	selected, err := s.Select(opt.Select)
	if err != nil {
		return RunReport{}, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return RunReport{}, err
	}
	defer func() { conn.Close() }()
	var rep RunReport
	if err := conn.QueryRowContext(ctx, "SELECT nextval('meta.run_seq')").Scan(&rep.RunID); err != nil {
		return rep, err
	}
	asOf, err := exportDate(ctx, conn)
	if err != nil {
		return rep, err
	}
	rep.TwoDigitYearPivot = opt.TwoDigitYearPivot
	switch {
	case rep.TwoDigitYearPivot != 0:
	case asOf.Valid:
		rep.TwoDigitYearPivot = asOf.Time.Year() + 1
	default:
		rep.TwoDigitYearPivot = noBatchPivot
	}
	if rep.TwoDigitYearPivot < 1999 || rep.TwoDigitYearPivot > 2199 {
		return rep, fmt.Errorf("two-digit year pivot %d: give a year between 1999 and 2199", rep.TwoDigitYearPivot)
	}
	if _, err := conn.ExecContext(ctx, "INSERT INTO meta.run (run_id, kind, started_at, status, detail) VALUES (?, 'run', ?, 'running', ?)",
		rep.RunID, time.Now().UTC(), fmt.Sprintf(`{"select": %q, "two_digit_year_pivot": %d}`, strings.Join(opt.Select, " "), rep.TwoDigitYearPivot)); err != nil {
		return rep, err
	}
	finish := func(status string) error {
		_, err := conn.ExecContext(context.WithoutCancel(ctx), "UPDATE meta.run SET finished_at = ?, status = ? WHERE run_id = ?",
			time.Now().UTC(), status, rep.RunID)
		return err
	}
	r, err := s.renderer(ctx, conn, opt.Sources, true)
	if err != nil {
		finish("failed")
		return rep, err
	}
	if err := s.prepare(ctx, conn, selected, opt.TempDir, rep.TwoDigitYearPivot, asOf); err != nil {
		finish("failed")
		return rep, err
	}
	failed := map[string]string{}
	built := 0
	for _, name := range selected {
		m := s.Models[name]
		res := ModelResult{Model: name, Schema: m.Schema, File: m.File, Fingerprint: m.Fingerprint}
		t0 := time.Now()
		if up := failedParent(s, m, failed); up != "" {
			res.Status, res.Message = "skipped", "upstream model "+up+" failed"
			failed[name] = up
		} else {
			if err := ctx.Err(); err != nil {
				finish("cancelled")
				return rep, err
			}
			if opt.Reopen != nil && built > 0 {
				conn.Close()
				db, err := opt.Reopen(ctx, m.Config.Batches != nil)
				if err == nil {
					conn, err = db.Conn(ctx)
				}
				if err != nil {
					return rep, fmt.Errorf("reopening the warehouse before %s: %w", name, err)
				}
			}
			built++
			if opt.Progress != nil {
				opt.Progress(name)
			}
			store := ""
			if opt.StoreIn != "" && m.Config.Materialized == "table" && slices.Contains(opt.StoreSchemas, m.Schema) {
				store = warehouse.QuoteIdent(opt.StoreIn) + "." + warehouse.QuoteIdent(StoredName(m, rep.RunID))
			}
			res.Rows, res.Passes, err = s.build(ctx, conn, r, m, store)
			res.Seconds = time.Since(t0).Seconds()
			if err != nil {
				if ctx.Err() != nil {
					finish("cancelled")
					return rep, ctx.Err()
				}
				res.Status, res.Message = "error", fmt.Sprintf("%s: %v", m.File, err)
				failed[name] = name
			} else {
				res.Status = "success"
			}
		}
		rep.Results = append(rep.Results, res)
		if _, err := conn.ExecContext(ctx, "INSERT INTO meta.model_run VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			rep.RunID, name, m.Schema, m.File, m.Fingerprint, m.Config.Materialized, res.Status,
			res.Rows, res.Seconds, res.Message, t0.UTC(), time.Now().UTC()); err != nil {
			return rep, err
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	status := "finished"
	if rep.Failed() {
		status = "failed"
	}
	return rep, finish(status)
}

func failedParent(s *Set, m *Model, failed map[string]string) string {
	for _, r := range m.Refs {
		if _, ok := failed[r]; ok {
			return r
		}
	}
	return ""
}

// exportDate is the date (UTC) of the newest finished load batch: the
// export the raw tables hold, as far as the warehouse knows.
func exportDate(ctx context.Context, conn *sql.Conn) (sql.NullTime, error) {
	var at sql.NullTime
	if err := conn.QueryRowContext(ctx, "SELECT max(started_at) FROM meta.load_batch WHERE status = 'finished'").Scan(&at); err != nil {
		return at, fmt.Errorf("the newest load batch: %w", err)
	}
	if at.Valid {
		y, m, d := at.Time.UTC().Date()
		at.Time = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return at, nil
}

// prepare creates the macros and loads the seeds the selected models need.
// The run's own values come first, as macros the macro files use:
// util.two_digit_year_pivot() and util.export_date() (NULL when nothing
// was loaded). They are numbers and a date this function formats, never
// text from the data.
func (s *Set) prepare(ctx context.Context, conn *sql.Conn, selected []string, tempDir string, pivot int, asOf sql.NullTime) error {
	need := map[string]bool{}
	for _, n := range selected {
		for _, sd := range s.Models[n].Seeds {
			need[sd] = true
		}
	}
	names := make([]string, 0, len(need))
	for n := range need {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		sd := s.Seeds[n]
		f, err := os.CreateTemp(tempDir, "seed-*.csv")
		if err != nil {
			return err
		}
		_, werr := f.Write(sd.Data)
		cerr := f.Close()
		defer os.Remove(f.Name())
		if werr != nil || cerr != nil {
			return fmt.Errorf("seed %s: %v %v", n, werr, cerr)
		}
		q := "CREATE OR REPLACE TABLE seeds." + warehouse.QuoteIdent(n) +
			" AS SELECT * FROM read_csv(" + warehouse.QuoteLiteral(filepath.ToSlash(f.Name())) + ", header = true, all_varchar = true)"
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("seed %s (%s): %w", n, sd.File, err)
		}
	}
	date := "NULL::DATE"
	if asOf.Valid {
		date = "DATE '" + asOf.Time.Format(time.DateOnly) + "'"
	}
	run := fmt.Sprintf("CREATE OR REPLACE MACRO util.two_digit_year_pivot() AS %d;\nCREATE OR REPLACE MACRO util.export_date() AS %s;", pivot, date)
	if _, err := conn.ExecContext(ctx, run); err != nil {
		return fmt.Errorf("macros of the run: %w", err)
	}
	for _, mc := range s.Macros {
		if _, err := conn.ExecContext(ctx, mc.SQL); err != nil {
			return fmt.Errorf("macros %s: %w", mc.File, err)
		}
	}
	return nil
}

// build materialises one model in a transaction and returns its row count
// and the passes it took. With store set, the table is built there and the
// model's relation is a view of it.
func (s *Set) build(ctx context.Context, conn *sql.Conn, r *renderer, m *Model, store string) (int64, int64, error) {
	passes := int64(1)
	if b := m.Config.Batches; b != nil {
		var n int64
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+s.Models[b.Of].Relation()).Scan(&n); err != nil {
			return 0, 0, fmt.Errorf("batches: counting %s: %w", b.Of, err)
		}
		rows, err := passRows(ctx, conn, b.Rows)
		if err != nil {
			return 0, 0, err
		}
		passes = max(1, (n+rows-1)/rows)
	}
	bodies := make([]string, passes)
	var err error
	for i := range bodies {
		if bodies[i], err = r.render(m, int64(i), passes); err != nil {
			return 0, 0, err
		}
	}
	// kind is what the model builds, at target; live is what its own name
	// is (a view of target when the table is stored elsewhere).
	kind, target := "TABLE", m.Relation()
	if m.Config.Materialized == "view" {
		kind = "VIEW"
	}
	live := kind
	if store != "" {
		live, target = "VIEW", store
	}
	// Settings a model's .yml asks for (threads: 1 for a model whose
	// aggregate states cannot spill) hold for its build only.
	for _, k := range sortedKeys(m.Config.Settings) {
		if _, err := conn.ExecContext(ctx, "SET "+k+" = "+warehouse.QuoteLiteral(m.Config.Settings[k])); err != nil {
			return 0, 0, fmt.Errorf("setting %s: %w", k, err)
		}
		defer func(k string) { _, _ = conn.ExecContext(context.WithoutCancel(ctx), "RESET "+k) }(k)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return 0, 0, err
	}
	rollback := func(err error) (int64, int64, error) {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return 0, 0, err
	}
	// A view and a table of the same name cannot replace each other.
	var existing string
	err = conn.QueryRowContext(ctx, "SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
		m.Schema, m.Table()).Scan(&existing)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		err = nil
	case err != nil:
		return rollback(err)
	case existing == "VIEW" && live == "TABLE":
		_, err = conn.ExecContext(ctx, "DROP VIEW "+m.Relation())
	case existing != "VIEW" && live == "VIEW":
		_, err = conn.ExecContext(ctx, "DROP TABLE "+m.Relation())
	}
	if err != nil {
		return rollback(err)
	}
	rest := bodies[1:]
	if len(m.Config.Compression) > 0 {
		// Column compression is declared with the table: it is created
		// from the query's columns, then filled.
		create, err := compressedTable(ctx, conn, m, target, bodies[0])
		if err != nil {
			return rollback(err)
		}
		if _, err := conn.ExecContext(ctx, create); err != nil {
			return rollback(err)
		}
		rest = bodies
	} else if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE "+kind+" "+target+" AS\n"+bodies[0]); err != nil {
		return rollback(err)
	}
	// Further passes of a batched model; one transaction, so a failed pass
	// leaves the previous table in place.
	for _, body := range rest {
		if _, err := conn.ExecContext(ctx, "INSERT INTO "+target+"\n"+body); err != nil {
			return rollback(err)
		}
	}
	if store != "" {
		if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE VIEW "+m.Relation()+" AS SELECT * FROM "+store); err != nil {
			return rollback(err)
		}
	}
	var n int64
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+target).Scan(&n); err != nil {
		return rollback(err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return 0, 0, err
	}
	return n, passes, nil
}

// BatchMemory is the DuckDB memory_limit a model's batches: rows are
// sized for ("2GB", as DuckDB reads it: 2,000,000,000 bytes).
const BatchMemory = 2_000_000_000

// passRows is how many rows of the parent a pass may take under DuckDB's
// memory_limit now: rows, scaled down in proportion when the limit is
// below BatchMemory (a pass's aggregate states grow with its rows and
// cannot spill), never up (larger passes were not measured).
func passRows(ctx context.Context, conn *sql.Conn, rows int64) (int64, error) {
	var limit string
	if err := conn.QueryRowContext(ctx, "SELECT current_setting('memory_limit')").Scan(&limit); err != nil {
		return 0, fmt.Errorf("batches: reading memory_limit: %w", err)
	}
	n, err := humanize.ParseBytes(strings.TrimSpace(limit))
	if err != nil {
		return 0, fmt.Errorf("batches: reading memory_limit %q: %w", limit, err)
	}
	if n >= BatchMemory {
		return rows, nil
	}
	return max(1, int64(float64(rows)*float64(n)/BatchMemory)), nil
}

// compressedTable is the CREATE TABLE for target with the columns the
// model's query returns, those its compression: names stored that way.
func compressedTable(ctx context.Context, conn *sql.Conn, m *Model, target, body string) (string, error) {
	rows, err := conn.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE "+body+"\n)")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var defs []string
	seen := map[string]bool{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return "", err
		}
		def := warehouse.QuoteIdent(name) + " " + typ
		if method, ok := m.Config.Compression[name]; ok {
			def += " USING COMPRESSION " + method
			seen[name] = true
		}
		defs = append(defs, def)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	for _, c := range sortedKeys(m.Config.Compression) {
		if !seen[c] {
			return "", fmt.Errorf("compression: the model has no column %q", c)
		}
	}
	return "CREATE OR REPLACE TABLE " + target + " (\n    " + strings.Join(defs, ",\n    ") + "\n)", nil
}

// renderer expands model templates against the warehouse as it is now.
type renderer struct {
	set     *Set
	sources map[string]string
	// carried are the columns each object carries (see carry.go);
	// objects are the source objects the models read.
	carried map[string][]CarriedColumn
	objects []SourceObject
}

// record says whether the run may record carry decisions (see carry.go).
func (s *Set) renderer(ctx context.Context, conn *sql.Conn, objects []SourceObject, record bool) (*renderer, error) {
	have := map[string]map[string]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT table_name, lower(column_name) FROM duckdb_columns() WHERE schema_name = 'raw'")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			rows.Close()
			return nil, err
		}
		if have[t] == nil {
			have[t] = map[string]bool{}
		}
		have[t][c] = true
	}
	rows.Close()
	// Objects landed by one batch only need no "newest batch per key" window
	// (a raw table the loader did not record keeps it, to be safe).
	batches := map[string]int{}
	rows, err = conn.QueryContext(ctx, "SELECT object, count(DISTINCT batch_id) FROM meta.load_file WHERE rows_loaded > 0 GROUP BY object")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var o string
		var n int
		if err := rows.Scan(&o, &n); err != nil {
			rows.Close()
			return nil, err
		}
		batches[o] = n
	}
	rows.Close()
	r := &renderer{set: s, sources: map[string]string{}}
	read := map[string]bool{}
	for _, m := range s.Models {
		for _, src := range m.Sources {
			read[src] = true
		}
	}
	for _, o := range objects {
		if read[o.Name] {
			r.objects = append(r.objects, o)
		}
	}
	raw, err := rawColumns(ctx, conn)
	if err != nil {
		return nil, err
	}
	if r.carried, err = syncCarried(ctx, conn, r.objects, raw, record); err != nil {
		return nil, err
	}
	for _, o := range objects {
		q, err := sourceSQL(o, have[o.Name], batches[o.Name] != 1)
		if err != nil {
			return nil, err
		}
		r.sources[o.Name] = q
	}
	return r, nil
}

// render expands the model for pass (of passes) of its build: {{ batch
// "expr" }} becomes the predicate selecting that pass's share of rows, by
// a hash of expr (a NULL hashes too, so every row falls in exactly one
// pass), or true when the model is built in one pass.
func (r *renderer) render(m *Model, pass, passes int64) (string, error) {
	var missing error
	t, err := template.New(m.File).Funcs(template.FuncMap{
		"ref": func(n string) string { return r.set.Models[n].Relation() },
		"source": func(n string) string {
			q, ok := r.sources[n]
			if !ok {
				missing = fmt.Errorf("source %q: no such axiUm object in the catalog or axium2crm.yaml", n)
			}
			return q
		},
		"seed": func(n string) string { return "seeds." + warehouse.QuoteIdent(n) },
		"this": func() string { return m.Relation() },
		"carried": func(object, crm, relation string) (string, error) {
			return carriedSQL(r.carried[object], object, crm, relation)
		},
		"source_columns": func() string { return sourceColumnsSQL(r.objects) },
		"var":            func(n string) string { return r.set.vars[n] },
		"batch": func(expr string) string {
			if passes <= 1 {
				return "true"
			}
			return fmt.Sprintf("(hash(%s) %% %d = %d)", expr, passes, pass)
		},
	}).Parse(m.SQL)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, nil); err != nil {
		return "", err
	}
	return buf.String(), missing
}

// sourceSQL is the current rows of one raw object: for each key, the rows
// of the newest load batch that holds it (an older export's version of a
// record is superseded; duplicates within one batch stay, for the tests to
// find). The window is left out while an object has a single batch. Columns the models expect but the export lacks read as NULL; a raw
// table that was never loaded reads as no rows.
func sourceSQL(o SourceObject, have map[string]bool, severalBatches bool) (string, error) {
	cols := []string{`"_batch_id"`, `"_source_file"`, `"_source_record"`, `"_row_hash"`}
	types := []string{"BIGINT", "VARCHAR", "BIGINT", "UBIGINT"}
	if have == nil {
		sel := make([]string, 0, len(cols)+len(o.Columns))
		for i, c := range cols {
			sel = append(sel, "NULL::"+types[i]+" AS "+c)
		}
		for _, c := range o.Columns {
			sel = append(sel, "NULL::VARCHAR AS "+warehouse.QuoteIdent(c))
		}
		return "(SELECT " + strings.Join(sel, ", ") + " WHERE false)", nil
	}
	sel := []string{"*"}
	for _, c := range o.Columns {
		if !have[strings.ToLower(c)] {
			sel = append(sel, "NULL::VARCHAR AS "+warehouse.QuoteIdent(c))
		}
	}
	from := "raw." + warehouse.QuoteIdent(o.Name)
	if o.Reshaped != nil {
		rawOf := func(object string) string { return "raw." + warehouse.QuoteIdent(object) }
		if q, cols, ok := o.Reshaped(from, have, rawOf); ok {
			from, have = q, cols
			sel = []string{"*"}
			for _, c := range o.Columns {
				if !have[strings.ToLower(c)] {
					sel = append(sel, "NULL::VARCHAR AS "+warehouse.QuoteIdent(c))
				}
			}
		}
	}
	keys := make([]string, 0, len(o.Key))
	for _, k := range o.Key {
		if !have[strings.ToLower(k)] {
			return "", fmt.Errorf("raw.%s has no key column %s", o.Name, k)
		}
		keys = append(keys, warehouse.QuoteIdent(k))
	}
	q := "(SELECT " + strings.Join(sel, ", ") + " FROM " + from
	if severalBatches {
		q += ` QUALIFY "_batch_id" = max("_batch_id") OVER (PARTITION BY ` + strings.Join(keys, ", ") + ")"
	}
	return q + ")", nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
