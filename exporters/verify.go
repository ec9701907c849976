package exporters

import (
	"context"
	"database/sql"
	"fmt"

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
	defer rows.Close()
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
