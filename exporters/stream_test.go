package exporters_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

func streamDB(t *testing.T) *sql.DB {
	t.Helper()
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(t.TempDir(), "w.duckdb")})
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	_, err = wh.DB().Exec(`CREATE SCHEMA IF NOT EXISTS twenty;
		CREATE TABLE twenty.people (id VARCHAR, provider_id VARCHAR, mentor_id VARCHAR, email VARCHAR, _source_key VARCHAR);
		INSERT INTO twenty.people VALUES
			('c', 'b', NULL, ' X@mail ', 'C'),
			('b', 'a', 'a', NULL, 'B'),
			('a', NULL, NULL, 'x@mail', 'A'),
			('d', 'd', NULL, 'd@mail', 'D'),
			('e', 'f', NULL, NULL, 'E'),
			('f', 'e', NULL, NULL, 'F'),
			('g', 'missing', NULL, 'D@MAIL', 'G'),
			('h', NULL, 'c', '', 'H'),
			(NULL, NULL, NULL, NULL, 'no id 1'),
			(NULL, 'a', NULL, NULL, 'no id 2');
		INSERT INTO twenty.people SELECT 'z' || i, NULL, NULL, NULL, 'Z' || i FROM range(5) r(i);`)
	require.NoError(t, err)
	return wh.DB()
}

type readRow struct {
	key   string
	level int64
}

func readAll(t *testing.T, p *exporters.Pager, size int) ([]readRow, []int) {
	t.Helper()
	var out []readRow
	var pages []int
	for {
		var keys []string
		pg, ok, err := p.Next(context.Background(), func(cols []*sql.ColumnType, vals []any) error {
			require.Equal(t, "id", cols[0].Name())
			keys = append(keys, fmt.Sprint(vals[0]))
			return nil
		})
		require.NoError(t, err)
		if !ok {
			return out, pages
		}
		require.LessOrEqual(t, pg.Rows, size)
		require.Len(t, keys, pg.Rows)
		pages = append(pages, pg.Rows)
		for _, k := range keys {
			out = append(out, readRow{k, pg.Level})
		}
	}
}

func TestPagerReadsSelfReferencesLevelByLevel(t *testing.T) {
	db := streamDB(t)
	p, err := exporters.NewPager(context.Background(), db, "twenty", "people", "id", []string{"provider_id", "mentor_id"}, 3)
	require.NoError(t, err)
	got, pages := readAll(t, p, 3)
	require.NoError(t, p.Close())
	cycle := int64(exporters.MaxSelfLevel)
	assert.Equal(t, []readRow{
		// Rows without a key first, then level 0 in key order: a row
		// pointing at itself or at no row of the table stays at 0.
		{"<nil>", 0}, {"<nil>", 0},
		{"a", 0}, {"d", 0}, {"g", 0}, {"z0", 0}, {"z1", 0}, {"z2", 0}, {"z3", 0}, {"z4", 0},
		{"b", 1}, {"c", 2}, {"h", 3},
		// A cycle climbs to the cap and comes last.
		{"e", cycle}, {"f", cycle},
	}, got)
	// Level 0 is read by row id ranges of 3 (c b a, d e f, g h -, - z0 z1,
	// z2 z3 z4) less the rows of higher levels; each level above by its
	// rows' positions.
	assert.Equal(t, []int{2, 1, 1, 1, 2, 3, 1, 1, 1, 2}, pages, "pages are bounded and never mix two levels")
	var temps int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM duckdb_tables() WHERE temporary").Scan(&temps))
	assert.Zero(t, temps, "Close drops the level table")
}

func TestPagerWithoutSelfReferencesReadsTableOrder(t *testing.T) {
	db := streamDB(t)
	p, err := exporters.NewPager(context.Background(), db, "twenty", "people", "id", nil, 4)
	require.NoError(t, err)
	got, pages := readAll(t, p, 4)
	var keys []string
	for _, r := range got {
		keys = append(keys, r.key)
		assert.Zero(t, r.level)
	}
	// The rows without a key, then row id ranges of 4, each in key order:
	// c b a d, e f g h, - - z0 z1, z2 z3 z4.
	assert.Equal(t, []string{"<nil>", "<nil>", "a", "b", "c", "d", "e", "f", "g", "h", "z0", "z1", "z2", "z3", "z4"}, keys)
	assert.Equal(t, []int{2, 4, 4, 2, 3}, pages)
}

func TestOrderedPagerReadsKeyOrderAcrossPages(t *testing.T) {
	db := streamDB(t)
	p, err := exporters.NewOrderedPager(context.Background(), db, "twenty", "people", "id", 4)
	require.NoError(t, err)
	got, pages := readAll(t, p, 4)
	var keys []string
	for _, r := range got {
		keys = append(keys, r.key)
	}
	assert.Equal(t, []string{"<nil>", "<nil>", "a", "b", "c", "d", "e", "f", "g", "h", "z0", "z1", "z2", "z3", "z4"}, keys)
	assert.Equal(t, []int{2, 4, 4, 4, 1}, pages)
	require.NoError(t, p.Close())
	var temps int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM duckdb_tables() WHERE temporary").Scan(&temps))
	assert.Zero(t, temps, "Close drops the sorted copy")
}

// TestPagerReadsEveryRowOnce: a shuffled table bigger than many pages,
// whose rows point at each other, read as a table with deleted rows (row
// ids with gaps), as a view, and as the table it was before the deletes:
// every row comes exactly once, after the row it points at, in pages of
// at most the page size and in key order within a page; the copy a view
// or a table with gaps is read from is gone after Close.
func TestPagerReadsEveryRowOnce(t *testing.T) {
	db := streamDB(t)
	ctx := context.Background()
	_, err := db.Exec(`CREATE TABLE twenty.tree AS
		SELECT printf('k%05d', i) AS id,
			CASE WHEN i % 3 = 0 THEN NULL ELSE printf('k%05d', i // 3) END AS parent_id,
			CASE WHEN i % 97 = 5 THEN NULL ELSE i END AS n
		FROM range(5000) r(i) ORDER BY hash(i)`)
	require.NoError(t, err)
	_, err = db.Exec(`UPDATE twenty.tree SET id = NULL WHERE n IS NULL`)
	require.NoError(t, err)
	want := map[string]string{} // key: parent
	rows, err := db.Query(`SELECT id, coalesce(parent_id, '') FROM twenty.tree WHERE id IS NOT NULL`)
	require.NoError(t, err)
	for rows.Next() {
		var k, parent string
		require.NoError(t, rows.Scan(&k, &parent))
		want[k] = parent
	}
	require.NoError(t, rows.Close())
	var nulls int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM twenty.tree WHERE id IS NULL`).Scan(&nulls))
	require.NotZero(t, nulls)

	check := func(t *testing.T, table string, want map[string]string, nulls int) {
		p, err := exporters.NewPager(ctx, db, "twenty", table, "id", []string{"parent_id"}, 70)
		require.NoError(t, err)
		seen := map[string]int{}
		pos := 0
		gotNulls := 0
		for {
			var keys []string
			pg, ok, err := p.Next(ctx, func(cols []*sql.ColumnType, vals []any) error {
				if vals[0] == nil {
					gotNulls++
					assert.Empty(t, seen, "rows without a key come first")
					return nil
				}
				keys = append(keys, vals[0].(string))
				return nil
			})
			require.NoError(t, err)
			if !ok {
				break
			}
			require.LessOrEqual(t, pg.Rows, 70)
			assert.IsIncreasing(t, keys, "a page is in key order")
			for _, k := range keys {
				_, dup := seen[k]
				require.False(t, dup, "%s read twice", k)
				if parent := want[k]; parent != "" {
					if _, exists := want[parent]; exists {
						_, before := seen[parent]
						assert.True(t, before, "%s is read after %s, which it points at", k, parent)
					}
				}
				seen[k] = pos
				pos++
			}
		}
		assert.Len(t, seen, len(want), "every row with a key once")
		assert.Equal(t, nulls, gotNulls, "every row without a key once")
		require.NoError(t, p.Close())
		var temps int
		require.NoError(t, db.QueryRow("SELECT count(*) FROM duckdb_tables() WHERE temporary").Scan(&temps))
		assert.Zero(t, temps, "Close drops the copy and the level table")
	}
	t.Run("table", func(t *testing.T) { check(t, "tree", want, nulls) })

	_, err = db.Exec(`DELETE FROM twenty.tree WHERE n % 7 = 1`)
	require.NoError(t, err)
	for k := range want {
		var n int
		_, _ = fmt.Sscanf(k, "k%d", &n)
		if n%7 == 1 {
			delete(want, k)
		}
	}
	_, err = db.Exec(`CHECKPOINT`)
	require.NoError(t, err)
	t.Run("table with deleted rows", func(t *testing.T) { check(t, "tree", want, nulls) })
	_, err = db.Exec(`CREATE VIEW twenty.tree_view AS SELECT * FROM twenty.tree`)
	require.NoError(t, err)
	t.Run("view", func(t *testing.T) { check(t, "tree_view", want, nulls) })
}

func TestDuplicatesLooksAcrossTheWholeTable(t *testing.T) {
	db := streamDB(t)
	ctx := context.Background()
	// c's e-mail is a's (case and spaces aside), though a is not on the page.
	got, err := exporters.Duplicates(ctx, db, "twenty", "people", "id", "email", "_source_key", []string{"c", "h", "z1"})
	require.NoError(t, err)
	assert.Equal(t, map[string]exporters.Duplicate{"c": {Value: "x@mail", FirstKey: "a", FirstSource: "A"}}, got)
	// The first holder in key order is never the duplicate.
	got, err = exporters.Duplicates(ctx, db, "twenty", "people", "id", "email", "", []string{"a", "d", "g"})
	require.NoError(t, err)
	assert.Equal(t, map[string]exporters.Duplicate{"g": {Value: "d@mail", FirstKey: "d"}}, got)
}

// TestPagerReadsUnderPlainViews: a destination table is a view over the
// run's stored table; the pager reads the stored table itself (no copy),
// and copies a view that does more than read one table whole.
func TestPagerReadsUnderPlainViews(t *testing.T) {
	db := streamDB(t)
	ctx := context.Background()
	_, err := db.Exec(`CREATE TABLE snap."stored ""people""" AS SELECT * FROM twenty.people;
		CREATE VIEW twenty.plain AS SELECT * FROM snap."stored ""people""";
		CREATE VIEW twenty.plainer AS SELECT * FROM twenty.plain;
		CREATE VIEW twenty.filtered AS SELECT * FROM twenty.people WHERE email IS NOT NULL`)
	require.NoError(t, err)
	for view, want := range map[string]struct {
		rows   int
		copies int
	}{"plain": {15, 0}, "plainer": {15, 0}, "filtered": {5, 1}} {
		p, err := exporters.NewPager(ctx, db, "twenty", view, "id", nil, 4)
		require.NoError(t, err)
		var temps int
		require.NoError(t, db.QueryRow("SELECT count(*) FROM duckdb_tables() WHERE temporary").Scan(&temps))
		assert.Equal(t, want.copies, temps, view)
		got, _ := readAll(t, p, 4)
		assert.Len(t, got, want.rows, view)
		require.NoError(t, p.Close())
	}
}

// TestPagerLastAgreesWithTheLog: what Last answers for each page, read
// once for the table by AttachLast, is what the log says of the page's
// rows (audit.LastHashes, the newest create, update, restore or delete of
// each record), for a table read in row order, one read level by level,
// and one with deleted rows (read through a copy).
func TestPagerLastAgreesWithTheLog(t *testing.T) {
	ctx := context.Background()
	db := streamDB(t)
	run, err := audit.Start(ctx, db, audit.RunOptions{Destination: "twenty"})
	require.NoError(t, err)
	add := func(id string, dbid int64, action, hash string) { // one entry at a time: each newer than the last
		require.NoError(t, run.Log(ctx, []audit.Entry{{Object: "person", Table: "twenty.people", DestID: id, DestDBID: dbid, Action: action, PayloadHash: hash}}))
	}
	add("a", 1, audit.Create, "a1")
	add("a", 1, audit.Update, "a2")
	add("b", 2, audit.Create, "b1")
	add("b", 2, audit.Delete, "")
	add("c", 3, audit.Create, "c1")
	add("c", 3, audit.Delete, "")
	add("c", 9, audit.Create, "c2") // deleted, then made again
	add("e", 5, audit.Create, "e1")
	add("e", 5, audit.Skip, "e9")
	add("h", 0, audit.Fail, "")
	add("z3", 7, audit.Create, "z1")
	add("z3", 7, audit.Restore, "z0")
	// Another table's and another destination's entries are not the
	// table's.
	require.NoError(t, run.Log(ctx, []audit.Entry{{Object: "person", Table: "twenty.other", DestID: "d", DestDBID: 4, Action: audit.Create, PayloadHash: "x"}}))
	want, err := audit.LastHashes(ctx, db, "twenty", "twenty.people")
	require.NoError(t, err)
	require.Len(t, want, 4, "a, c, e and z3")

	for _, tc := range []struct {
		name     string
		selfRefs []string
		prepare  string
	}{
		{"row order", nil, ""},
		{"level by level", []string{"provider_id", "mentor_id"}, ""},
		{"deleted rows", nil, "DELETE FROM twenty.people WHERE id = 'g'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.prepare != "" {
				_, err := db.Exec(tc.prepare)
				require.NoError(t, err)
			}
			p, err := exporters.NewPager(ctx, db, "twenty", "people", "id", tc.selfRefs, 3)
			require.NoError(t, err)
			defer p.Close()
			require.NoError(t, p.AttachLast(ctx, "twenty", "twenty.people"))
			got := map[string]audit.Sent{}
			for {
				var keys []string
				_, ok, err := p.Next(ctx, func(_ []*sql.ColumnType, vals []any) error {
					if vals[0] != nil {
						keys = append(keys, vals[0].(string))
					}
					return nil
				})
				require.NoError(t, err)
				if !ok {
					break
				}
				last, err := p.Last(ctx)
				require.NoError(t, err)
				for _, k := range keys {
					if s, held := last[k]; held {
						got[k] = s
					}
				}
			}
			assert.Equal(t, want, got)
		})
	}
}
