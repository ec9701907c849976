package loaders_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/fixtures"
	"github.com/axium2crm/axium2crm/fixtures/memstat"
	"github.com/axium2crm/axium2crm/loaders"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// BenchmarkLoad loads a generated CSV export with the loader and, in the
// same run, with DuckDB's bare read_csv into a table, and reports both
// throughputs, their ratio and each one's peak memory. Size it with
// AXIUM2CRM_BENCH_PATIENTS (default 10,000; the target is measured at
// 100,000).
func BenchmarkLoad(b *testing.B) {
	patients := 10000
	if s := os.Getenv("AXIUM2CRM_BENCH_PATIENTS"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(b, err)
		patients = n
	}
	ctx := context.Background()
	export := b.TempDir()
	rep, err := fixtures.Generate(ctx, fixtures.Options{Out: export, Patients: patients, Seed: 1, Format: "csv"})
	require.NoError(b, err)
	var files []string
	var bytes int64
	for _, f := range rep.Files {
		files = append(files, filepath.Join(export, filepath.FromSlash(f.Path)))
		bytes += f.Bytes
	}
	mb := float64(bytes) / 1e6
	sp := specs(nil)

	var loaderSec, bareSec float64
	var rows int64
	var loaderPeak, barePeak int64
	for i := 0; i < b.N; i++ {
		// The loader, into a fresh warehouse.
		wh := openBenchWarehouse(b)
		memstat.ResetPeak()
		start := time.Now()
		lr, err := loaders.Load(ctx, wh.DB(), export, loaders.Options{Specs: sp, TempDir: b.TempDir()})
		require.NoError(b, err)
		loaderSec += time.Since(start).Seconds()
		loaderPeak = max(loaderPeak, memstat.PeakRSS())
		require.False(b, lr.Failed())
		rows = 0
		for _, f := range lr.Files {
			rows += f.RowsLoaded
		}
		require.NoError(b, wh.Close())

		// Bare read_csv of the same files, into a fresh warehouse.
		wh = openBenchWarehouse(b)
		memstat.ResetPeak()
		start = time.Now()
		var bareRows int64
		for j, f := range files {
			_, err := wh.DB().Exec(fmt.Sprintf("CREATE TABLE t%d AS SELECT * FROM read_csv(%s, all_varchar = true)", j, warehouse.QuoteLiteral(f)))
			require.NoError(b, err)
			var n int64
			require.NoError(b, wh.DB().QueryRow(fmt.Sprintf("SELECT count(*) FROM t%d", j)).Scan(&n))
			bareRows += n
		}
		bareSec += time.Since(start).Seconds()
		barePeak = max(barePeak, memstat.PeakRSS())
		require.Equal(b, rows, bareRows, "both read the same records")
		require.NoError(b, wh.Close())
	}
	n := float64(b.N)
	lRows, bRows := float64(rows)/(loaderSec/n), float64(rows)/(bareSec/n)
	b.ReportMetric(lRows, "loader_rows/s")
	b.ReportMetric(mb/(loaderSec/n), "loader_MB/s")
	b.ReportMetric(bRows, "read_csv_rows/s")
	b.ReportMetric(mb/(bareSec/n), "read_csv_MB/s")
	b.ReportMetric(lRows/bRows, "ratio")
	b.ReportMetric(float64(loaderPeak)/1e6, "loader_peak_MB")
	b.ReportMetric(float64(barePeak)/1e6, "read_csv_peak_MB")
	b.Logf("%d patients, %d files, %.1f MB, %d rows: loader %.0f rows/s %.1f MB/s (peak %d MB); read_csv %.0f rows/s %.1f MB/s (peak %d MB); ratio %.2f",
		patients, len(files), mb, rows, lRows, mb/(loaderSec/n), loaderPeak>>20, bRows, mb/(bareSec/n), barePeak>>20, lRows/bRows)
}

func openBenchWarehouse(b *testing.B) *warehouse.Warehouse {
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(b.TempDir(), "staging.duckdb")})
	require.NoError(b, err)
	return wh
}
