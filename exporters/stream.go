package exporters

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"

	"github.com/axium2crm/axium2crm/exporters/audit"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// A push reads a destination table in pages of a bounded number of rows,
// so what it holds in memory does not grow with the table. The warehouse
// has one connection, which the audit log needs between pages, so no
// cursor stays open across them: each page is its own query. A page is a
// range of the table's row ids (rowid >= a AND rowid < a + n), which
// DuckDB answers from the row groups that hold the range, so a page costs
// the same at the end of a 14-million-row table as at its start. (Keyset
// pages, ORDER BY key with key > the last key and LIMIT n, scan the whole
// table again for each page: 370-690 ms a page at 14.4 million rows
// against 5 ms by row id.) Rows are therefore read in the table's own
// order, each page in key order. A view that reads one table whole (a
// destination table is a view over the run's stored table) is read
// through to that table. The row ids of a table with deleted rows may
// change when DuckDB compacts it at a checkpoint, and any other view has
// none, so such a relation is first copied once into a temporary table
// (which DuckDB spills like any other) and the copy is read. (DuckDB's
// Arrow interface would give record batches too, but the driver builds
// it only with the duckdb_arrow build tag, which every build and test
// command would then need; plain pages keep the commands as they are.)
//
// A table whose rows point at rows of the same table (a patient's
// assigned provider is a person too) is read level by level: a row's
// level is one more than the highest level of the rows of the table it
// points at, computed in SQL (a recursive CTE into a temporary table of
// level and row id, in that order), so every row is read, and sent,
// after the rows it points at. Rows in a reference cycle (or more than
// MaxSelfLevel deep) come last, where the destination refuses them with
// its own message. Rows without a key come first (the destination
// refuses them with a reason).

// DefaultPageRows is how many rows a page holds unless the reader says.
const DefaultPageRows = 2000

// MaxSelfLevel bounds the self-reference levels a table may have; deeper
// rows, and rows in a cycle, are read last.
const MaxSelfLevel = 64

var pagerSeq atomic.Int64

// Pager reads one table in pages.
type Pager struct {
	db       *sql.DB
	name     string // schema.table as the caller named it, for messages
	relation string // quoted relation read: the table, or its temporary copy
	copied   string // quoted temporary copy to drop, or ""
	key      string // quoted key column
	size     int
	maxRow   int64  // highest row id of relation (-1 when empty)
	nulls    int64  // rows without a key
	levels   string // quoted temporary table of (k, level, r) in (level, r) order for rows above level 0, or ""
	spans    []span // each level's positions in levels, in level order
	last     string // quoted temporary table of the log's view of each row (AttachLast), or ""

	// lo..hi are the row ids the page last read spans (none for rows
	// without a key).
	lo, hi int64
	spanOK bool

	phase int   // 0: rows without a key, 1: level 0, 2: the levels above
	next  int64 // phase 0: rows read; 1: next row id; 2: next position in levels
	span  int   // phase 2: index into spans
}

// span is one self-reference level's rows in the levels table: positions
// from..to inclusive.
type span struct{ level, from, to int64 }

// NewPager prepares to read schema.table by its key column, pages of size
// rows (0 means DefaultPageRows). selfRefs are the columns that hold the
// key of another row of the same table.
func NewPager(ctx context.Context, db *sql.DB, schema, table, key string, selfRefs []string, size int) (*Pager, error) {
	return newPager(ctx, db, schema, table, key, selfRefs, size, false)
}

// NewOrderedPager prepares to read schema.table in key order across
// pages (rows without a key first), for a reader that merges the rows
// with another list in key order (verify against a CRM's list pages): the
// table is copied once, sorted, into a temporary table that DuckDB
// spills like any other (about 13 s for 14.4 million rows), and the copy
// is read by row id ranges.
func NewOrderedPager(ctx context.Context, db *sql.DB, schema, table, key string, size int) (*Pager, error) {
	return newPager(ctx, db, schema, table, key, nil, size, true)
}

func newPager(ctx context.Context, db *sql.DB, schema, table, key string, selfRefs []string, size int, ordered bool) (_ *Pager, err error) {
	if size <= 0 {
		size = DefaultPageRows
	}
	p := &Pager{db: db, name: schema + "." + table, relation: relation(schema, table), key: warehouse.QuoteIdent(key), size: size}
	defer func() {
		if err != nil {
			_ = p.Close()
		}
	}()
	stable := false
	if !ordered {
		// The destination tables are views over the run's stored tables
		// (snapshots); read the stored table itself.
		if schema, table, err = p.underView(ctx, schema, table); err != nil {
			return nil, err
		}
		p.relation = relation(schema, table)
		if stable, err = p.stableRowIDs(ctx, schema, table); err != nil {
			return nil, err
		}
	}
	if !stable {
		p.copied = warehouse.QuoteIdent(fmt.Sprintf("push_rows_%d", pagerSeq.Add(1)))
		q := "CREATE TEMP TABLE " + p.copied + " AS SELECT * FROM " + p.relation
		if ordered {
			q += " ORDER BY " + p.key
		}
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("copy %s to read it in pages: %w", p.name, err)
		}
		p.relation = "temp.main." + p.copied
	}
	var maxRow sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT max(rowid), count(*) FILTER (WHERE "+p.key+" IS NULL) FROM "+p.relation).Scan(&maxRow, &p.nulls); err != nil {
		return nil, fmt.Errorf("read %s: %w", p.name, err)
	}
	p.maxRow = -1
	if maxRow.Valid {
		p.maxRow = maxRow.Int64
	}
	if len(selfRefs) == 0 {
		return p, nil
	}
	p.levels = warehouse.QuoteIdent(fmt.Sprintf("push_levels_%d", pagerSeq.Add(1)))
	refs := make([]string, len(selfRefs))
	for i, c := range selfRefs {
		refs[i] = "CAST(" + warehouse.QuoteIdent(c) + " AS VARCHAR)"
	}
	q := queryWith("self_levels", map[string]any{"Levels": p.levels, "Relation": p.relation, "Key": p.key,
		"Refs": strings.Join(refs, ", "), "Max": MaxSelfLevel})
	if _, err := db.ExecContext(ctx, q); err != nil {
		return nil, fmt.Errorf("order %s by its self-references: %w", p.name, err)
	}
	rows, err := db.QueryContext(ctx, "SELECT level, min(rowid), max(rowid) FROM temp.main."+p.levels+" GROUP BY level ORDER BY level")
	if err != nil {
		return nil, fmt.Errorf("order %s by its self-references: %w", p.name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var s span
		if err := rows.Scan(&s.level, &s.from, &s.to); err != nil {
			return nil, err
		}
		p.spans = append(p.spans, s)
	}
	return p, rows.Err()
}

// plainView is the SQL DuckDB keeps for a view that reads one relation
// whole (DuckDB keeps it normalised: quotes only where a name needs them).
var plainView = regexp.MustCompile(`(?is)^CREATE VIEW .* AS SELECT \* FROM ("(?:[^"]|"")+"|[A-Za-z0-9_]+)\.("(?:[^"]|"")+"|[A-Za-z0-9_]+)\s*;?\s*$`)

// underView follows views that read one relation whole (SELECT * FROM
// schema.table, as the model runner and snapshots make them) down to the
// relation they read.
func (p *Pager) underView(ctx context.Context, schema, table string) (string, string, error) {
	unquote := func(name string) string {
		if strings.HasPrefix(name, `"`) {
			return strings.ReplaceAll(name[1:len(name)-1], `""`, `"`)
		}
		return name
	}
	for range 8 {
		var text string
		err := p.db.QueryRowContext(ctx, `SELECT sql FROM duckdb_views()
			WHERE view_name = ? AND schema_name = ? AND database_name = current_database() AND NOT internal`, table, schema).Scan(&text)
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return "", "", fmt.Errorf("read %s: %w", p.name, err)
		}
		m := plainView.FindStringSubmatch(text)
		if m == nil {
			break
		}
		schema, table = unquote(m[1]), unquote(m[2])
	}
	return schema, table, nil
}

// stableRowIDs reports whether schema.table is a table whose row ids run
// from 0 without a gap: no deleted row a checkpoint could compact away
// while the pages are read.
func (p *Pager) stableRowIDs(ctx context.Context, schema, table string) (bool, error) {
	var tables int
	if err := p.db.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_tables()
		WHERE table_name = ? AND CASE WHEN ? = 'temp' THEN database_name = 'temp' ELSE schema_name = ? AND database_name = current_database() END`,
		table, schema, schema).Scan(&tables); err != nil {
		return false, fmt.Errorf("read %s: %w", p.name, err)
	}
	if tables != 1 {
		return false, nil
	}
	var gapless bool
	if err := p.db.QueryRowContext(ctx, "SELECT coalesce(max(rowid) + 1, 0) = count(*) FROM "+p.relation).Scan(&gapless); err != nil {
		return false, fmt.Errorf("read %s: %w", p.name, err)
	}
	return gapless, nil
}

// Close drops what the pager kept in the warehouse.
func (p *Pager) Close() error {
	var errs []error
	for _, t := range []string{p.levels, p.copied, p.last} {
		if t != "" {
			_, err := p.db.ExecContext(context.Background(), "DROP TABLE IF EXISTS temp.main."+t)
			errs = append(errs, err)
		}
	}
	p.levels, p.copied, p.last = "", "", ""
	return errors.Join(errs...)
}

// AttachLast reads, once, what the audit log says destination holds of
// each row of the table (logged as table), into a temporary table aligned
// with the rows the pager reads; Last then answers for each page from
// that table by row id range. A push of a table the log already holds
// records of (a re-push, a delta, a resume) reads the log once instead
// of once per page, which made each page cost a scan of the table's whole
// log.
func (p *Pager) AttachLast(ctx context.Context, destination, table string) error {
	seq := pagerSeq.Add(1)
	p.last = warehouse.QuoteIdent(fmt.Sprintf("push_last_%d", seq))
	names := map[string]any{"Last": p.last, "Relation": p.relation, "Key": p.key,
		"Newest": warehouse.QuoteIdent(fmt.Sprintf("push_newest_%d", seq)), "Held": warehouse.QuoteIdent(fmt.Sprintf("push_held_%d", seq))}
	defer func() {
		for _, t := range []string{"Newest", "Held"} {
			_, _ = p.db.ExecContext(context.Background(), "DROP TABLE IF EXISTS temp.main."+names[t].(string))
		}
	}()
	for _, step := range []struct {
		name string
		args []any
	}{{"page_last_newest", []any{destination, table}}, {"page_last_held", []any{destination, table}}, {"page_last", nil}} {
		if _, err := p.db.ExecContext(ctx, queryWith(step.name, names), step.args...); err != nil {
			_, _ = p.db.ExecContext(context.Background(), "DROP TABLE IF EXISTS temp.main."+p.last)
			p.last = ""
			return fmt.Errorf("read the log of %s: %w", p.name, err)
		}
	}
	return nil
}

// Last is what the log says the destination holds of the rows of the
// page last read (AttachLast), by key; a row it holds nothing of is not
// in the map.
func (p *Pager) Last(ctx context.Context) (map[string]audit.Sent, error) {
	if p.last == "" || !p.spanOK {
		return map[string]audit.Sent{}, nil
	}
	rows, err := p.db.QueryContext(ctx, "SELECT dest_id, payload_hash, dest_db_id FROM temp.main."+p.last+" WHERE r >= ? AND r <= ?", p.lo, p.hi)
	if err != nil {
		return nil, fmt.Errorf("read the log of %s: %w", p.name, err)
	}
	return audit.ScanSent(rows)
}

// Page is one page as the pager hands it over.
type Page struct {
	// Level is the self-reference level of every row of the page (0 for a
	// table without self-references).
	Level int64
	// Rows is how many rows the page held.
	Rows int
}

// Next reads the next page and hands each row to row (the column types
// and the values, scanned as database/sql gives them). It returns false
// once the table is read. Rows without a key come first (the destination
// refuses them with a reason), then level 0 in the table's order, each
// page in key order, then each level above.
func (p *Pager) Next(ctx context.Context, row func(cols []*sql.ColumnType, vals []any) error) (Page, bool, error) {
	for {
		var q string
		var args []any
		var level int64
		switch p.phase {
		case 0:
			if p.next >= p.nulls {
				p.phase, p.next = 1, 0
				continue
			}
			q = "SELECT * FROM " + p.relation + " WHERE " + p.key + " IS NULL ORDER BY ALL LIMIT ? OFFSET ?"
			args = []any{p.size, p.next}
			p.spanOK = false
			p.next += int64(p.size)
		case 1:
			if p.next > p.maxRow {
				p.phase, p.next = 2, 0
				continue
			}
			q = "SELECT t.* FROM " + p.relation + " t WHERE t.rowid >= ? AND t.rowid < ? AND t." + p.key + " IS NOT NULL"
			args = []any{p.next, p.next + int64(p.size)}
			p.lo, p.hi, p.spanOK = p.next, p.next+int64(p.size)-1, true
			if p.levels != "" {
				q += " AND t.rowid NOT IN (SELECT r FROM temp.main." + p.levels + " WHERE r >= ? AND r < ?)"
				args = append(args, p.next, p.next+int64(p.size))
			}
			q += " ORDER BY t." + p.key
			p.next += int64(p.size)
		default:
			for p.span < len(p.spans) && p.next > p.spans[p.span].to {
				p.span++
			}
			if p.span >= len(p.spans) {
				return Page{}, false, nil
			}
			s := p.spans[p.span]
			from := max(p.next, s.from)
			to := min(from+int64(p.size), s.to+1)
			p.next = to
			level = s.level
			var lo, hi sql.NullInt64
			if err := p.db.QueryRowContext(ctx, "SELECT min(r), max(r) FROM temp.main."+p.levels+" WHERE rowid >= ? AND rowid < ?", from, to).Scan(&lo, &hi); err != nil {
				return Page{}, false, fmt.Errorf("read %s: %w", p.name, err)
			}
			if !lo.Valid {
				continue
			}
			q = "SELECT t.* FROM " + p.relation + " t WHERE t.rowid >= ? AND t.rowid <= ? AND t.rowid IN (SELECT r FROM temp.main." + p.levels +
				" WHERE rowid >= ? AND rowid < ?) ORDER BY t." + p.key
			args = []any{lo.Int64, hi.Int64, from, to}
			// The range holds rows of other levels too: Last answers by
			// key, and the caller looks up its page's keys only.
			p.lo, p.hi, p.spanOK = lo.Int64, hi.Int64, true
		}
		n, err := p.read(ctx, q, args, row)
		if err != nil {
			return Page{}, false, err
		}
		if n > 0 {
			return Page{Level: level, Rows: n}, true, nil
		}
	}
}

func (p *Pager) read(ctx context.Context, q string, args []any, row func([]*sql.ColumnType, []any) error) (int, error) {
	rows, err := p.db.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", p.name, err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return 0, err
	}
	vals := make([]any, len(cts))
	ptrs := make([]any, len(cts))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, fmt.Errorf("read %s: %w", p.name, err)
		}
		n++
		if err := row(cts, vals); err != nil {
			return n, err
		}
	}
	return n, rows.Err()
}

// KeyList is keys as the one JSON parameter the per-page queries take.
func KeyList(keys []string) string {
	if keys == nil {
		keys = []string{}
	}
	b, _ := json.Marshal(keys)
	return string(b)
}

// Duplicate is a row whose unique value an earlier row (in key order)
// of the same table holds.
type Duplicate struct {
	Value                 string
	FirstKey, FirstSource string
}

// Duplicates finds, among the rows of schema.table whose keys are given
// (one page), those whose value of column (compared trimmed, in lower
// case) an earlier row of the whole table holds: the destination would
// merge the two. sourceKey names the column of the source key ("" for
// none). The query reads the whole table in DuckDB, never in Go.
func Duplicates(ctx context.Context, db *sql.DB, schema, table, key, column, sourceKey string, keys []string) (map[string]Duplicate, error) {
	sk := "NULL"
	if sourceKey != "" {
		sk = "CAST(" + warehouse.QuoteIdent(sourceKey) + " AS VARCHAR)"
	}
	q := queryWith("duplicates", map[string]any{
		"Relation": warehouse.QuoteIdent(schema) + "." + warehouse.QuoteIdent(table),
		"Key":      warehouse.QuoteIdent(key), "Column": warehouse.QuoteIdent(column), "SourceKey": sk})
	rows, err := db.QueryContext(ctx, q, KeyList(keys))
	if err != nil {
		return nil, fmt.Errorf("duplicate %s in %s.%s: %w", column, schema, table, err)
	}
	defer rows.Close()
	out := map[string]Duplicate{}
	for rows.Next() {
		var k string
		var d Duplicate
		var src sql.NullString
		if err := rows.Scan(&k, &d.Value, &d.FirstKey, &src); err != nil {
			return nil, err
		}
		d.FirstSource = src.String
		out[k] = d
	}
	return out, rows.Err()
}

// MaxFailureDetails is how many failed records a report lists; the
// audit log holds every one (meta.push_record, action 'fail'), and the
// report's counts cover all of them.
const MaxFailureDetails = 1000

// MaxGoneDetails is how many records gone from a table a report lists;
// the count covers all of them.
const MaxGoneDetails = 1000

func queryWith(name string, data any) string {
	var b bytes.Buffer
	if err := queries.ExecuteTemplate(&b, name, data); err != nil {
		panic(err) // the templates are embedded: a failure is a build defect
	}
	return b.String()
}
