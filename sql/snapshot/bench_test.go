package snapshot_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/fixtures"
	"github.com/axium2crm/axium2crm/fixtures/memstat"
	"github.com/axium2crm/axium2crm/loaders"
	"github.com/axium2crm/axium2crm/sql/models"
	"github.com/axium2crm/axium2crm/sql/snapshot"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// BenchmarkDiff builds every model over a generated export, keeps snapshot
// 1, changes 1% of the rows of every destination table (one text column),
// keeps snapshot 2, and times the diff of the two with field counts.
// AXIUM2CRM_BENCH_PATIENTS sizes the export (default 10,000);
// AXIUM2CRM_BENCH_EXPORT reuses a generated one. AXIUM2CRM_BENCH_WAREHOUSE
// names instead a project's staging.duckdb after `run` (a copy: the
// benchmark changes it): its newest snapshot is snapshot 1, and the
// changed tables are copies its views are pointed at. DuckDB's
// memory_limit is AXIUM2CRM_BENCH_MEMORY (default 2GB).
func BenchmarkDiff(b *testing.B) {
	patients := 10000
	if s := os.Getenv("AXIUM2CRM_BENCH_PATIENTS"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(b, err)
		patients = n
	}
	memory := "2GB"
	if v := os.Getenv("AXIUM2CRM_BENCH_MEMORY"); v != "" {
		memory = v
	}
	ctx := context.Background()
	dir := b.TempDir()
	built := os.Getenv("AXIUM2CRM_BENCH_WAREHOUSE")
	path := filepath.Join(dir, "w.duckdb")
	if built != "" {
		path = built
	}
	wh, err := warehouse.Open(ctx, warehouse.Options{Path: path, MemoryLimit: memory, TempDir: dir})
	require.NoError(b, err)
	defer wh.Close()
	db := wh.DB()
	set, err := models.Read(models.Embedded())
	require.NoError(b, err)
	if built == "" {
		export := os.Getenv("AXIUM2CRM_BENCH_EXPORT")
		if export == "" {
			export = b.TempDir()
			_, err := fixtures.Generate(ctx, fixtures.Options{Out: export, Patients: patients, Seed: 1, Format: "csv"})
			require.NoError(b, err)
		}
		specs := loaders.DefaultSpecs()
		lr, err := loaders.Load(ctx, db, export, loaders.Options{Specs: specs, TempDir: dir})
		require.NoError(b, err)
		require.False(b, lr.Failed())
		rr, err := set.Run(ctx, db, models.RunOptions{Sources: models.Sources(specs), TempDir: dir})
		require.NoError(b, err)
		require.False(b, rr.Failed())
	} else {
		require.NoError(b, db.QueryRow("SELECT count(*) FROM staging.stg_patient").Scan(&patients))
	}

	// The destination tables of both CRMs, as a run keeps them.
	var tables []snapshot.Table
	for _, name := range set.Order {
		m := set.Models[name]
		if (m.Schema == "twenty" || m.Schema == "odoo") && m.Config.Materialized == "table" {
			tables = append(tables, snapshot.Table{Model: name, Schema: m.Schema, Table: m.Table(), Key: m.Config.Key})
		}
	}
	require.NotEmpty(b, tables)
	var s1 *snapshot.Snapshot
	if built == "" {
		s1, err = snapshot.Take(ctx, db, 1, tables)
		require.NoError(b, err)
	} else {
		// The run kept its tables as its snapshot, which the live views
		// read; each table to change becomes a copy the view reads.
		latest, err := snapshot.Latest(ctx, db)
		require.NoError(b, err)
		require.Positive(b, latest, "the warehouse has no snapshot: run the models first")
		s1, err = snapshot.Get(ctx, db, latest)
		require.NoError(b, err)
		_, err = db.Exec("CREATE SCHEMA IF NOT EXISTS bench")
		require.NoError(b, err)
		for _, k := range s1.Tables {
			rel := warehouse.QuoteIdent(k.Schema) + "." + warehouse.QuoteIdent(k.Table)
			cp := "bench." + warehouse.QuoteIdent(k.Schema+"__"+k.Table)
			_, err := db.Exec("CREATE OR REPLACE TABLE " + cp + " AS SELECT * FROM " + k.Relation())
			require.NoError(b, err)
			_, err = db.Exec("CREATE OR REPLACE VIEW " + rel + " AS SELECT * FROM " + cp)
			require.NoError(b, err)
		}
	}

	// Change one text column of 1% of each table's rows.
	var changedRows int64
	for _, k := range s1.Tables {
		if len(k.Key) == 0 || k.Rows == 0 {
			continue
		}
		schema, table := k.Schema, k.Table
		if built != "" {
			schema, table = "bench", k.Schema+"__"+k.Table
		}
		var col string
		err := db.QueryRow(`SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? AND data_type = 'VARCHAR'
			AND column_name NOT LIKE '\_%' ESCAPE '\' AND NOT list_contains(?, column_name) ORDER BY column_index LIMIT 1`,
			schema, table, k.Key).Scan(&col)
		if err != nil {
			continue
		}
		rel := warehouse.QuoteIdent(schema) + "." + warehouse.QuoteIdent(table)
		keyExpr := warehouse.QuoteIdent(k.Key[0])
		res, err := db.Exec("UPDATE " + rel + " SET " + warehouse.QuoteIdent(col) + " = coalesce(" + warehouse.QuoteIdent(col) + ", '') || ' (changed)' WHERE hash(" + keyExpr + ") % 100 = 0")
		require.NoError(b, err)
		n, _ := res.RowsAffected()
		changedRows += n
	}
	s2, err := snapshot.Take(ctx, db, s1.ID+1, tables)
	require.NoError(b, err)

	var rep *snapshot.DiffReport
	memstat.ResetPeak()
	b.ResetTimer()
	t0 := time.Now()
	for i := 0; i < b.N; i++ {
		rep, err = snapshot.Diff(ctx, db, s1.ID, s2.ID, snapshot.DiffOptions{Details: true})
		require.NoError(b, err)
	}
	secs := time.Since(t0).Seconds() / float64(b.N)
	b.StopTimer()
	var rows, changed int64
	for _, t := range rep.Tables {
		rows += t.OldRows
		changed += t.Changed
	}
	require.Equal(b, changedRows, changed, "the diff finds every changed row")
	b.ReportMetric(secs, "diff_s")
	b.ReportMetric(float64(rows)/secs, "rows/s")
	b.ReportMetric(float64(memstat.PeakRSS())/1e6, "peak_MB")
	b.Logf("%d patients: diff of %d tables, %d rows, %d changed (1%%): %.2fs with field counts and details",
		patients, len(rep.Tables), rows, changed, secs)
}
