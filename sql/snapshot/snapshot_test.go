package snapshot_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/sql/snapshot"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

func open(t *testing.T) *sql.DB {
	t.Helper()
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(t.TempDir(), "w.duckdb")})
	require.NoError(t, err)
	t.Cleanup(func() { wh.Close() })
	return wh.DB()
}

func exec(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		_, err := db.Exec(s)
		require.NoError(t, err, s)
	}
}

var tables = []snapshot.Table{
	{Model: "twenty_person", Schema: "twenty", Table: "person", Key: []string{"id"}},
	{Model: "twenty_company", Schema: "twenty", Table: "company"},
	{Model: "odoo_missing", Schema: "odoo", Table: "not_built_yet"},
}

func seed(t *testing.T, db *sql.DB) {
	exec(t, db,
		"CREATE TABLE twenty.person AS SELECT i::VARCHAR AS id, 'name' || i AS name, i * 10 AS balance, i % 2 = 0 AS active, 7 AS _batch_id FROM range(1, 101) r(i)",
		"CREATE TABLE twenty.company AS SELECT 'c' || i AS id, 'Carrier ' || i AS name FROM range(3) r(i)",
	)
}

func TestTakeSharesUnchangedTables(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	seed(t, db)
	s1, err := snapshot.Take(ctx, db, 1, tables)
	require.NoError(t, err)
	require.Len(t, s1.Tables, 2, "a table that does not exist is not kept")
	assert.False(t, s1.Tables[0].Shared)
	assert.Equal(t, int64(103), s1.Rows)
	assert.Equal(t, []string{"id"}, s1.Tables[1].Key, "id is the default key")

	exec(t, db, "UPDATE twenty.person SET name = 'changed' WHERE id = '5'")
	s2, err := snapshot.Take(ctx, db, 2, tables)
	require.NoError(t, err)
	byModel := map[string]snapshot.Kept{}
	for _, k := range s2.Tables {
		byModel[k.Model] = k
	}
	assert.True(t, byModel["twenty_company"].Shared, "unchanged company table shares the first copy")
	assert.False(t, byModel["twenty_person"].Shared)
	assert.Equal(t, s1.Tables[1].Storage, byModel["twenty_company"].Storage)

	var copies int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'snap'").Scan(&copies))
	assert.Equal(t, 3, copies, "two person copies and one company copy")

	// Snapshots are immutable: changing the live table changes no copy.
	exec(t, db, "DELETE FROM twenty.person")
	got, err := snapshot.Get(ctx, db, 1)
	require.NoError(t, err)
	var n int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM "+got.Tables[1].Relation()).Scan(&n)) // person (tables sort by schema, model)
	assert.Equal(t, 100, n)

	list, err := snapshot.List(ctx, db)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, 2, list[1].Models)
	assert.Contains(t, list[1].Counts, "twenty_person=100")

	_, err = snapshot.Get(ctx, db, 99)
	require.ErrorIs(t, err, snapshot.ErrNotFound)
}

func TestDiffFieldLevel(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	seed(t, db)
	_, err := snapshot.Take(ctx, db, 1, tables)
	require.NoError(t, err)
	exec(t, db,
		"UPDATE twenty.person SET name = 'Renamed', balance = NULL WHERE id = '5'",
		"UPDATE twenty.person SET active = NOT active WHERE id IN ('6', '7')",
		// Provenance alone is not a change.
		"UPDATE twenty.person SET _batch_id = 8",
		"DELETE FROM twenty.person WHERE id = '100'",
		"INSERT INTO twenty.person VALUES ('101', 'new', 1, true, 8)",
	)
	_, err = snapshot.Take(ctx, db, 2, tables)
	require.NoError(t, err)

	rep, err := snapshot.Diff(ctx, db, 1, 2, snapshot.DiffOptions{Details: true})
	require.NoError(t, err)
	require.Len(t, rep.Tables, 2)
	company, person := rep.Tables[0], rep.Tables[1]
	assert.True(t, company.Identical)
	assert.Equal(t, "twenty_person", person.Model)
	assert.Equal(t, int64(1), person.Added)
	assert.Equal(t, int64(1), person.Removed)
	assert.Equal(t, int64(3), person.Changed)
	assert.Equal(t, int64(96), person.Unchanged)
	assert.Equal(t, map[string]int64{"name": 1, "balance": 1, "active": 2}, person.FieldCounts)
	assert.ElementsMatch(t, []snapshot.RowChange{{Key: "101", Kind: "added"}, {Key: "100", Kind: "removed"}}, person.Rows)

	var renamed, nulled bool
	for _, f := range person.Fields {
		require.NotEqual(t, "_batch_id", f.Field)
		if f.Key == "5" && f.Field == "name" {
			renamed = *f.Old == "name5" && *f.New == "Renamed"
		}
		if f.Key == "5" && f.Field == "balance" {
			nulled = *f.Old == "50" && f.New == nil
		}
	}
	assert.True(t, renamed, "name change of 5 with old and new value: %+v", person.Fields)
	assert.True(t, nulled, "balance of 5 became NULL: %+v", person.Fields)
	assert.Len(t, person.Fields, 4)
	assert.True(t, rep.Changed())

	only, err := snapshot.Diff(ctx, db, 1, 2, snapshot.DiffOptions{Models: []string{"twenty_company"}})
	require.NoError(t, err)
	assert.False(t, only.Changed())
	_, err = snapshot.Diff(ctx, db, 1, 2, snapshot.DiffOptions{Models: []string{"nope"}})
	assert.ErrorContains(t, err, "nope")
}

func TestDiffSchemaChange(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	seed(t, db)
	_, err := snapshot.Take(ctx, db, 1, tables)
	require.NoError(t, err)
	exec(t, db, "ALTER TABLE twenty.person ADD COLUMN city VARCHAR DEFAULT 'Boston'", "ALTER TABLE twenty.company DROP COLUMN name")
	_, err = snapshot.Take(ctx, db, 2, tables)
	require.NoError(t, err)
	rep, err := snapshot.Diff(ctx, db, 1, 2, snapshot.DiffOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"name"}, rep.Tables[0].ColumnsRemoved)
	assert.Equal(t, []string{"city"}, rep.Tables[1].ColumnsAdded)
	assert.Equal(t, int64(0), rep.Tables[1].Changed, "common columns are unchanged")
	assert.True(t, rep.Changed())
}

func TestRestoreAndPrune(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	seed(t, db)
	exec(t, db, "INSERT INTO meta.run VALUES (1, 'run', now(), now(), 'finished', NULL), (2, 'run', now(), now(), 'finished', NULL), (3, 'test', now(), now(), 'finished', NULL)")
	_, err := snapshot.Take(ctx, db, 1, tables)
	require.NoError(t, err)
	exec(t, db, "UPDATE twenty.person SET name = upper(name)", "DROP TABLE twenty.company", "CREATE VIEW twenty.company AS SELECT 1 AS id")
	_, err = snapshot.Take(ctx, db, 2, tables)
	require.NoError(t, err)

	res, err := snapshot.Restore(ctx, db, 1)
	require.NoError(t, err)
	assert.Equal(t, []int64{2}, res.RolledBack)
	assert.ElementsMatch(t, []string{"twenty.person", "twenty.company"}, res.Tables)
	var name string
	require.NoError(t, db.QueryRow("SELECT name FROM twenty.person WHERE id = '3'").Scan(&name))
	assert.Equal(t, "name3", name)
	var companies int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM twenty.company").Scan(&companies))
	assert.Equal(t, 3, companies)
	var st string
	require.NoError(t, db.QueryRow("SELECT status FROM meta.run WHERE run_id = 2").Scan(&st))
	assert.Equal(t, "rolled_back", st)
	require.NoError(t, db.QueryRow("SELECT status FROM meta.run WHERE run_id = 3").Scan(&st))
	assert.Equal(t, "finished", st, "only model runs are rolled back")
	_, err = snapshot.Restore(ctx, db, 2)
	assert.ErrorContains(t, err, "rolled back")

	latest, err := snapshot.Latest(ctx, db)
	require.NoError(t, err)
	assert.Equal(t, int64(1), latest)

	// Restoring again is harmless (re-running after an interruption).
	_, err = snapshot.Restore(ctx, db, 1)
	require.NoError(t, err)

	_, err = snapshot.Take(ctx, db, 4, tables) // same content as 1: shares its copies
	require.NoError(t, err)
	pr, err := snapshot.Prune(ctx, db, 1)
	require.NoError(t, err)
	assert.Equal(t, []int64{2, 1}, pr.Snapshots)
	assert.Len(t, pr.Copies, 2, "the copies only snapshot 2 used are dropped")
	s4, err := snapshot.Get(ctx, db, 4)
	require.NoError(t, err)
	for _, k := range s4.Tables {
		var n int
		require.NoError(t, db.QueryRow("SELECT count(*) FROM "+k.Relation()).Scan(&n), "snapshot 4 still readable")
	}
}

// A run that builds its destination tables in snap (models.RunOptions.StoreIn)
// hands them to the snapshot: no rows are copied, the live name stays a
// view of the kept table, a run of unchanged content shares the earlier
// copy and drops its own, and a copy a live view reads survives Prune.
func TestTakeKeepsTheTableTheRunBuilt(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	build := func(run int, rows int) {
		name := fmt.Sprintf("twenty__person__run%d", run)
		exec(t, db,
			fmt.Sprintf(`CREATE TABLE snap.%q AS SELECT i::VARCHAR AS id, 'name' || i AS name FROM range(%d) r(i)`, name, rows),
			fmt.Sprintf(`CREATE OR REPLACE VIEW twenty.person AS SELECT * FROM "snap".%q`, name))
	}
	one := tables[:1]
	snapTables := func() []string { return snapTables(t, db) }
	count := func() (n int) {
		require.NoError(t, db.QueryRow("SELECT count(*) FROM twenty.person").Scan(&n))
		return n
	}

	build(1, 10)
	s1, err := snapshot.Take(ctx, db, 1, one)
	require.NoError(t, err)
	assert.Equal(t, []string{s1.Tables[0].Storage}, snapTables(), "the run's table became the copy")
	assert.Equal(t, 10, count(), "the live view reads the copy")

	build(2, 10) // same content
	s2, err := snapshot.Take(ctx, db, 2, one)
	require.NoError(t, err)
	assert.True(t, s2.Tables[0].Shared)
	assert.Equal(t, []string{s1.Tables[0].Storage}, snapTables(), "the run's duplicate is dropped")
	assert.Equal(t, 10, count())

	build(3, 20)
	s3, err := snapshot.Take(ctx, db, 3, one)
	require.NoError(t, err)
	assert.Len(t, snapTables(), 2)
	assert.Equal(t, 20, count())

	// Rollback: the live name reads snapshot 1's copy again, nothing copied.
	_, err = snapshot.Restore(ctx, db, 1)
	require.NoError(t, err)
	assert.Equal(t, 10, count())
	assert.Len(t, snapTables(), 2)

	// Prune to the newest snapshot only: snapshot 1's copy is what the
	// live view reads, so it stays.
	exec(t, db, "UPDATE meta.snapshot SET status = 'active'")
	p, err := snapshot.Prune(ctx, db, 1)
	require.NoError(t, err)
	assert.Equal(t, []int64{2, 1}, p.Snapshots)
	assert.Empty(t, p.Copies, "shared with the live view")
	assert.Equal(t, 10, count())
	assert.ElementsMatch(t, []string{s1.Tables[0].Storage, s3.Tables[0].Storage}, snapTables())

	// A run table no view reads (a run that stopped before its snapshot)
	// is dropped by the next snapshot.
	exec(t, db, `CREATE TABLE snap.twenty__company__run9 AS SELECT 1 AS id`)
	_, err = snapshot.Take(ctx, db, 4, one)
	require.NoError(t, err)
	assert.NotContains(t, snapTables(), "twenty__company__run9")
}

// A view of run12 does not keep run1: names match whole.
func TestRunTableNamedWhole(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	exec(t, db,
		`CREATE TABLE snap.twenty__person__run1 AS SELECT 1 AS id`,
		`CREATE TABLE snap.twenty__person__run12 AS SELECT 2 AS id`,
		`CREATE VIEW twenty.person AS SELECT * FROM snap.twenty__person__run12`)
	_, err := snapshot.Take(ctx, db, 12, tables[:1])
	require.NoError(t, err)
	names := snapTables(t, db)
	require.Len(t, names, 1, "run12 kept under its content name, run1 dropped: %v", names)
	assert.NotContains(t, names[0], "__run")
}

// snapTables lists the tables in schema snap, by name.
func snapTables(t *testing.T, db *sql.DB) []string {
	t.Helper()
	var out []string
	rows, err := db.Query("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'snap' ORDER BY 1")
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		out = append(out, n)
	}
	require.NoError(t, rows.Err())
	return out
}
