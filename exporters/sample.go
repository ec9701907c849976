package exporters

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// A push --sample N sends N patients and what is linked to them. Which
// records are linked is a closure over every table's references, so it is
// worked out in the warehouse (temporary tables DuckDB spills like any
// other), not in Go: only the sample's keys come back, so what the push
// holds grows with N, not with the tables. Each CRM states its own rules
// as the statements of a SampleClosure.

// SampleEdge is one reference column of one table, as rows of the edge
// table: src is the row, dst the record its column names.
type SampleEdge struct {
	// Table is the table whose rows hold the reference (schema.table as
	// the caller quotes it) and SrcTable its name in the keys.
	Table, SrcTable string
	// Column is the quoted reference column; Split says it holds a
	// comma-separated list of keys.
	Column string
	Split  bool
	// DstTable is the target table's name in the keys (unused when the
	// keys are global, as Odoo's external ids are).
	DstTable string
}

// SampleClosure holds the edge table and the kept keys of one sample, as
// temporary tables: edges(src, src_tbl, dst, dst_tbl) and keep(k), where
// a key is "table/id" when ids are scoped by table (Twenty's), the id
// alone when they are global (Odoo's external ids).
type SampleClosure struct {
	db              *sql.DB
	Edges, Keep     string // quoted temporary tables, schema temp.main
	edgesMade, kept bool
}

// NewSampleClosure makes the edge table from edges (rows without a
// reference give none) and an empty keep table; scoped says whether ids
// are scoped by table.
func NewSampleClosure(ctx context.Context, db *sql.DB, edges []SampleEdge, scoped bool) (_ *SampleClosure, err error) {
	n := pagerSeq.Add(1)
	c := &SampleClosure{db: db, Edges: "temp.main." + warehouse.QuoteIdent(fmt.Sprintf("sample_edges_%d", n)),
		Keep: "temp.main." + warehouse.QuoteIdent(fmt.Sprintf("sample_keep_%d", n))}
	defer func() {
		if err != nil {
			_ = c.Close()
		}
	}()
	parts := []string{"SELECT NULL::VARCHAR AS src, NULL::VARCHAR AS src_tbl, NULL::VARCHAR AS dst, NULL::VARCHAR AS dst_tbl WHERE false"}
	for _, e := range edges {
		ref := "NULLIF(trim(CAST(" + e.Column + " AS VARCHAR)), '')"
		if e.Split {
			ref = "NULLIF(trim(unnest(string_split(CAST(" + e.Column + " AS VARCHAR), ','))), '')"
		}
		src, dst := `CAST("id" AS VARCHAR)`, "ref"
		if scoped {
			src, dst = warehouse.QuoteLiteral(e.SrcTable+"/")+" || "+src, warehouse.QuoteLiteral(e.DstTable+"/")+" || "+dst
		}
		parts = append(parts, "SELECT src, src_tbl, "+dst+", dst_tbl FROM (SELECT "+src+" AS src, "+
			warehouse.QuoteLiteral(e.SrcTable)+" AS src_tbl, "+ref+" AS ref, "+warehouse.QuoteLiteral(e.DstTable)+" AS dst_tbl FROM "+e.Table+") WHERE ref IS NOT NULL")
	}
	if _, err := db.ExecContext(ctx, "CREATE TEMP TABLE "+c.Edges+" AS "+strings.Join(parts, " UNION ALL ")); err != nil {
		return nil, fmt.Errorf("--sample: references: %w", err)
	}
	c.edgesMade = true
	if _, err := db.ExecContext(ctx, "CREATE TEMP TABLE "+c.Keep+" (k VARCHAR)"); err != nil {
		return nil, fmt.Errorf("--sample: %w", err)
	}
	c.kept = true
	return c, nil
}

// Fix runs the statements (INSERT INTO keep ...) in turn, over and over,
// until a round adds nothing: the least set the rules close over.
func (c *SampleClosure) Fix(ctx context.Context, stmts ...string) error {
	for round := 0; ; round++ {
		added := int64(0)
		for _, q := range stmts {
			res, err := c.db.ExecContext(ctx, q)
			if err != nil {
				return fmt.Errorf("--sample: %w", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			added += n
		}
		if added == 0 {
			return nil
		}
	}
}

// Kept reads the kept ids of table, for ids scoped by table.
func (c *SampleClosure) Kept(ctx context.Context, table string) (map[string]bool, error) {
	return c.set(ctx, "SELECT substr(k, ?) FROM "+c.Keep+" WHERE starts_with(k, ?)", len(table)+2, table+"/")
}

// KeptRows reads the keys of relation's rows (key: the quoted key column)
// that are kept, for global ids.
func (c *SampleClosure) KeptRows(ctx context.Context, relation, key string) (map[string]bool, error) {
	return c.set(ctx, "SELECT DISTINCT CAST("+key+" AS VARCHAR) FROM "+relation+
		" WHERE CAST("+key+" AS VARCHAR) IN (SELECT k FROM "+c.Keep+")")
}

func (c *SampleClosure) set(ctx context.Context, q string, args ...any) (map[string]bool, error) {
	rows, err := c.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("--sample: %w", err)
	}
	return scanSet(rows)
}

// Close drops the temporary tables.
func (c *SampleClosure) Close() error {
	var first error
	for _, t := range []struct {
		name string
		made bool
	}{{c.Edges, c.edgesMade}, {c.Keep, c.kept}} {
		if t.made {
			if _, err := c.db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+t.name); err != nil && first == nil {
				first = err
			}
		}
	}
	c.edgesMade, c.kept = false, false
	return first
}
