package exporters

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// Verify reads a table a page at a time, like a push, so what it holds
// does not grow with the table. These are the questions it asks of the
// warehouse about one page instead of keeping the whole table at hand.

// Present says which of keys (one page) schema.table holds in its key
// column.
func Present(ctx context.Context, db *sql.DB, schema, table, key string, keys []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(keys) == 0 {
		return out, nil
	}
	q := queryWith("present", map[string]any{"Relation": relation(schema, table), "Key": warehouse.QuoteIdent(key)})
	rows, err := db.QueryContext(ctx, q, KeyList(keys))
	if err != nil {
		return nil, fmt.Errorf("look up %d keys in %s.%s: %w", len(keys), schema, table, err)
	}
	return scanSet(rows)
}

// scanSet reads a one-column result of text as a set, and closes it.
func scanSet(rows *sql.Rows) (map[string]bool, error) {
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out[k] = true
	}
	return out, rows.Err()
}

// KeyPage is at most limit keys of schema.table, as text, in order, those
// after after ("" for the first page).
func KeyPage(ctx context.Context, db *sql.DB, schema, table, key, after string, limit int) ([]string, error) {
	q := queryWith("key_page", map[string]any{"Relation": relation(schema, table), "Key": warehouse.QuoteIdent(key), "After": after != ""})
	args := []any{limit}
	if after != "" {
		args = []any{after, limit}
	}
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read the keys of %s.%s: %w", schema, table, err)
	}
	return scanKeys(rows)
}

func relation(schema, table string) string {
	return warehouse.QuoteIdent(schema) + "." + warehouse.QuoteIdent(table)
}

func scanKeys(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// IDSet is a set of ids kept in a temporary warehouse table (which DuckDB
// spills like any other), for a verify that finds the same record more
// than once and must count it once without holding every id in memory.
type IDSet struct {
	db   *sql.DB
	name string // quoted
}

// NewIDSet creates an empty set; Close drops it.
func NewIDSet(ctx context.Context, db *sql.DB) (*IDSet, error) {
	s := &IDSet{db: db, name: warehouse.QuoteIdent(fmt.Sprintf("verify_ids_%d", pagerSeq.Add(1)))}
	if _, err := db.ExecContext(ctx, queryWith("id_set_create", map[string]any{"Set": s.name})); err != nil {
		return nil, fmt.Errorf("create a set of ids: %w", err)
	}
	return s, nil
}

// Add puts ids in the set; those it holds already stay once.
func (s *IDSet) Add(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.db.ExecContext(ctx, queryWith("id_set_add", map[string]any{"Set": s.name}), KeyList(ids))
	return err
}

// Count is how many ids the set holds.
func (s *IDSet) Count(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM temp.main."+s.name).Scan(&n)
	return n, err
}

// Page is at most limit ids of the set in order, those after after.
func (s *IDSet) Page(ctx context.Context, after string, limit int) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, queryWith("id_set_page", map[string]any{"Set": s.name}), after, limit)
	if err != nil {
		return nil, err
	}
	return scanKeys(rows)
}

// Close drops the set.
func (s *IDSet) Close() error {
	_, err := s.db.ExecContext(context.Background(), "DROP TABLE IF EXISTS temp.main."+s.name)
	return err
}

// What a verify checked (VerifyReport.Mode).
const (
	// VerifyFull compares every record.
	VerifyFull = "full"
	// VerifyCounts compares each table's row count with the
	// destination's, one call a table, and reads no record.
	VerifyCounts = "counts"
	// VerifySample compares a stratified sample of the records.
	VerifySample = "sample"
)

// ObjectCount is one table's rows and the destination's count of its
// records, both taken before any record is read, and how many records
// the verify then compared field by field.
type ObjectCount struct {
	Table  string `json:"table"`
	Object string `json:"object"`
	// Rows are the table's rows.
	Rows int `json:"rows"`
	// Destination is the destination's count (one call): Twenty's
	// totalCount of the object, Odoo's search_count of the table's
	// external ids.
	Destination int `json:"destination"`
	// Checked are the records compared field by field.
	Checked int `json:"checked"`
}

// Coverage is the share of the table's rows compared, 0 to 1.
func (c ObjectCount) Coverage() float64 {
	if c.Rows == 0 {
		return 1
	}
	return float64(c.Checked) / float64(c.Rows)
}

// CountsOnly is the per-table verdict of a count-only verify: fewer
// records at the destination than rows are missing, more are extra.
func (c ObjectCount) CountsOnly() TableVerify {
	return TableVerify{Table: c.Table, Object: c.Object, Expected: c.Rows, Found: min(c.Rows, c.Destination),
		Missing: max(0, c.Rows-c.Destination), Extra: max(0, c.Destination-c.Rows)}
}

// RowCount is how many rows schema.table holds.
func RowCount(ctx context.Context, db *sql.DB, schema, table string) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, queryWith("verify_row_count", map[string]any{"Relation": relation(schema, table)})).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count the rows of %s.%s: %w", schema, table, err)
	}
	return n, nil
}

// Logged says which of ids (one page) the audit log says destination
// holds for schema.table: last logged as created, updated or restored,
// not deleted.
func Logged(ctx context.Context, db *sql.DB, destination, schema, table string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.QueryContext(ctx, queryWith("verify_logged", nil), destination, schema+"."+table, KeyList(ids))
	if err != nil {
		return nil, fmt.Errorf("look up %d ids in the log of %s.%s: %w", len(ids), schema, table, err)
	}
	keys, err := scanKeys(rows)
	for _, k := range keys {
		out[k] = true
	}
	return out, err
}

// StratumColumn is the column that says a row's record type (patient or
// provider, appointment or recall, ...); a table without it is one
// stratum.
const StratumColumn = "_source_object"

// Stratum is one record type of a table and what a sample takes of it.
type Stratum struct {
	Name  string `json:"name"`
	Rows  int    `json:"rows"`
	Quota int    `json:"quota"`
}

// Strata lists the record types of schema.table and their rows.
func Strata(ctx context.Context, db *sql.DB, schema, table string) ([]Stratum, error) {
	col, err := hasColumn(ctx, db, schema, table, StratumColumn)
	if err != nil {
		return nil, err
	}
	data := map[string]any{"Relation": relation(schema, table), "Column": ""}
	if col {
		data["Column"] = warehouse.QuoteIdent(StratumColumn)
	}
	rows, err := db.QueryContext(ctx, queryWith("verify_strata", data))
	if err != nil {
		return nil, fmt.Errorf("count the record types of %s.%s: %w", schema, table, err)
	}
	defer rows.Close()
	var out []Stratum
	for rows.Next() {
		var s Stratum
		if err := rows.Scan(&s.Name, &s.Rows); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func hasColumn(ctx context.Context, db *sql.DB, schema, table, column string) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.columns WHERE table_schema = ? AND table_name = ? AND column_name = ?",
		schema, table, column).Scan(&n)
	return n > 0, err
}

// AllocateSample spreads a sample of n records over the strata of every
// table in proportion to their rows (largest remainders), at least one a
// stratum that has rows, never more than it has: every table and every
// record type is checked, so the sample holds at least as many records
// as there are record types. It sets each Quota and returns the total.
func AllocateSample(n int, tables [][]Stratum) int {
	total := 0
	for _, t := range tables {
		for _, s := range t {
			total += s.Rows
		}
	}
	if total == 0 {
		return 0
	}
	type rem struct {
		t, s int
		frac float64
	}
	var rems []rem
	given := 0
	for ti, t := range tables {
		for si := range t {
			s := &t[si]
			exact := float64(n) * float64(s.Rows) / float64(total)
			s.Quota = int(exact)
			given += s.Quota
			rems = append(rems, rem{ti, si, exact - float64(s.Quota)})
		}
	}
	// Stable: ties go to the table and record type listed first.
	sort.SliceStable(rems, func(i, j int) bool { return rems[i].frac > rems[j].frac })
	for _, r := range rems {
		if given >= n {
			break
		}
		tables[r.t][r.s].Quota++
		given++
	}
	sum := 0
	for _, t := range tables {
		for si := range t {
			s := &t[si]
			if s.Rows > 0 {
				s.Quota = max(s.Quota, 1)
			}
			s.Quota = min(s.Quota, s.Rows)
			sum += s.Quota
		}
	}
	return sum
}

// SampleTable copies each stratum's quota of rows of schema.table into a
// temporary table, the rows whose key hashes lowest (deterministic, and
// spread over the table whatever order its keys follow), and returns its
// name for NewPager (schema "temp"); drop it with DropSample.
func SampleTable(ctx context.Context, db *sql.DB, schema, table, key string, strata []Stratum) (string, error) {
	name := fmt.Sprintf("verify_sample_%d", pagerSeq.Add(1))
	q := map[string]any{"Sample": warehouse.QuoteIdent(name), "Relation": relation(schema, table), "Key": warehouse.QuoteIdent(key), "Column": ""}
	if _, err := db.ExecContext(ctx, queryWith("verify_sample_create", q)); err != nil {
		return "", fmt.Errorf("sample %s.%s: %w", schema, table, err)
	}
	col, err := hasColumn(ctx, db, schema, table, StratumColumn)
	if err != nil {
		return name, err
	}
	if col {
		q["Column"] = warehouse.QuoteIdent(StratumColumn)
	}
	for _, s := range strata {
		if s.Quota <= 0 {
			continue
		}
		if _, err := db.ExecContext(ctx, queryWith("verify_sample_add", q), s.Name, s.Quota); err != nil {
			return name, fmt.Errorf("sample %s.%s (%s): %w", schema, table, s.Name, err)
		}
	}
	return name, nil
}

// DropSample drops a table SampleTable made.
func DropSample(db *sql.DB, name string) error {
	_, err := db.ExecContext(context.Background(), "DROP TABLE IF EXISTS temp.main."+warehouse.QuoteIdent(name))
	return err
}
