package exporters

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// A push reads a destination table in pages of a bounded number of rows,
// so what it holds in memory does not grow with the table. The pages are
// keyset pages (ORDER BY key, key > the last key read, LIMIT n): the
// warehouse has one connection, which the audit log needs between pages,
// so no cursor stays open across them. (DuckDB's Arrow interface would
// give record batches too, but the driver builds it only with the
// duckdb_arrow build tag, which every build and test command would then
// need; plain pages keep the commands as they are.)
//
// A table whose rows point at rows of the same table (a patient's
// assigned provider is a person too) is read level by level: a row's
// level is one more than the highest level of the rows of the table it
// points at, computed in SQL (a recursive CTE into a temporary table that
// DuckDB spills like any other), so every row is read, and sent, after
// the rows it points at. Rows in a reference cycle (or more than
// MaxSelfLevel deep) come last, where the destination refuses them with
// its own message.

// DefaultPageRows is how many rows a page holds unless the reader says.
const DefaultPageRows = 2000

// MaxSelfLevel bounds the self-reference levels a table may have; deeper
// rows, and rows in a cycle, are read last.
const MaxSelfLevel = 64

var pagerSeq atomic.Int64

// Pager reads one table in pages.
type Pager struct {
	db       *sql.DB
	relation string // quoted schema.table
	key      string // quoted key column
	size     int
	levels   string // quoted temporary table of (k, level) for rows above level 0, or ""

	level   int64
	after   string
	started bool // a row of the current level was read
	nulls   int  // rows with no key read so far (read first, by offset)
	inNulls bool
	done    bool
}

// NewPager prepares to read schema.table by its key column, pages of size
// rows (0 means DefaultPageRows). selfRefs are the columns that hold the
// key of another row of the same table.
func NewPager(ctx context.Context, db *sql.DB, schema, table, key string, selfRefs []string, size int) (*Pager, error) {
	if size <= 0 {
		size = DefaultPageRows
	}
	p := &Pager{db: db, relation: warehouse.QuoteIdent(schema) + "." + warehouse.QuoteIdent(table),
		key: warehouse.QuoteIdent(key), size: size, inNulls: true}
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
		return nil, fmt.Errorf("order %s.%s by its self-references: %w", schema, table, err)
	}
	return p, nil
}

// Close drops what the pager kept in the warehouse.
func (p *Pager) Close() error {
	if p.levels == "" {
		return nil
	}
	_, err := p.db.ExecContext(context.Background(), "DROP TABLE IF EXISTS temp.main."+p.levels)
	return err
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
// refuses them with a reason), then each level in key order.
func (p *Pager) Next(ctx context.Context, row func(cols []*sql.ColumnType, vals []any) error) (Page, bool, error) {
	for !p.done {
		var q string
		var args []any
		switch {
		case p.inNulls:
			q = "SELECT * FROM " + p.relation + " WHERE " + p.key + " IS NULL ORDER BY ALL LIMIT ? OFFSET ?"
			args = []any{p.size, p.nulls}
		case p.levels == "" || p.level == 0:
			q = "SELECT t.* FROM " + p.relation + " t WHERE t." + p.key + " IS NOT NULL"
			if p.levels != "" {
				q += " AND CAST(t." + p.key + " AS VARCHAR) NOT IN (SELECT k FROM temp.main." + p.levels + ")"
			}
			if p.started {
				q += " AND t." + p.key + " > ?"
				args = append(args, p.after)
			}
			q += " ORDER BY t." + p.key + " LIMIT ?"
			args = append(args, p.size)
		default:
			q = "SELECT t.* FROM " + p.relation + " t JOIN temp.main." + p.levels + " l ON l.k = CAST(t." + p.key + " AS VARCHAR) WHERE l.level = ?"
			args = append(args, p.level)
			if p.started {
				q += " AND t." + p.key + " > ?"
				args = append(args, p.after)
			}
			q += " ORDER BY t." + p.key + " LIMIT ?"
			args = append(args, p.size)
		}
		n, last, err := p.read(ctx, q, args, row)
		if err != nil {
			return Page{}, false, err
		}
		pg := Page{Level: p.level, Rows: n}
		if p.inNulls {
			p.nulls += n
		} else if n > 0 {
			p.after, p.started = last, true
		}
		if n < p.size {
			if err := p.advance(ctx); err != nil {
				return Page{}, false, err
			}
		}
		if n > 0 {
			return pg, true, nil
		}
	}
	return Page{}, false, nil
}

// advance moves to the next part of the table once a part is read: from
// the rows without a key to level 0, then to the next level.
func (p *Pager) advance(ctx context.Context) error {
	p.started, p.after = false, ""
	if p.inNulls {
		p.inNulls = false
		return nil
	}
	if p.levels == "" {
		p.done = true
		return nil
	}
	var next sql.NullInt64
	if err := p.db.QueryRowContext(ctx, "SELECT min(level) FROM temp.main."+p.levels+" WHERE level > ?", p.level).Scan(&next); err != nil {
		return err
	}
	if !next.Valid {
		p.done = true
		return nil
	}
	p.level = next.Int64
	return nil
}

func (p *Pager) read(ctx context.Context, q string, args []any, row func([]*sql.ColumnType, []any) error) (int, string, error) {
	rows, err := p.db.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, "", fmt.Errorf("read %s: %w", p.relation, err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return 0, "", err
	}
	keyCol := -1
	for i, c := range cts {
		if warehouse.QuoteIdent(c.Name()) == p.key {
			keyCol = i
		}
	}
	if keyCol < 0 {
		return 0, "", fmt.Errorf("%s has no column %s", p.relation, p.key)
	}
	vals := make([]any, len(cts))
	ptrs := make([]any, len(cts))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n, last := 0, ""
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, last, fmt.Errorf("read %s: %w", p.relation, err)
		}
		n++
		if vals[keyCol] != nil {
			last = fmt.Sprint(vals[keyCol])
		}
		if err := row(cts, vals); err != nil {
			return n, last, err
		}
	}
	return n, last, rows.Err()
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
