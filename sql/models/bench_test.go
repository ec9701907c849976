package models_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
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

// BenchmarkRun loads a generated CSV export and builds every model, and
// reports the load time, the run time, (load + run) / load, and peak memory
// under the warehouse's memory limit. Size it with AXIUM2CRM_BENCH_PATIENTS
// (default 10,000) and AXIUM2CRM_BENCH_MEMORY (default 2GB); reuse an
// export with AXIUM2CRM_BENCH_EXPORT (a directory the generator filled).
// It also reports the ratio for a project with one destination (staging
// plus that destination's models), and the time of the snapshot the run
// command takes after the models.
func BenchmarkRun(b *testing.B) {
	patients := 10000
	if s := os.Getenv("AXIUM2CRM_BENCH_PATIENTS"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(b, err)
		patients = n
	}
	mem := "2GB"
	if s := os.Getenv("AXIUM2CRM_BENCH_MEMORY"); s != "" {
		mem = s
	}
	ctx := context.Background()
	export := os.Getenv("AXIUM2CRM_BENCH_EXPORT")
	if export == "" {
		export = b.TempDir()
		_, err := fixtures.Generate(ctx, fixtures.Options{Out: export, Patients: patients, Seed: 1, Format: "csv"})
		require.NoError(b, err)
	}
	set, err := models.Read(models.Embedded())
	require.NoError(b, err)
	var loadSec, runSec, snapSec float64
	var loadPeak, runPeak int64
	var rows int64
	perModel := map[string]float64{}
	perSchema := map[string]float64{}
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		wh, err := warehouse.Open(ctx, warehouse.Options{Path: filepath.Join(dir, "w.duckdb"), MemoryLimit: mem, TempDir: dir})
		require.NoError(b, err)
		memstat.ResetPeak()
		t0 := time.Now()
		lr, err := loaders.Load(ctx, wh.DB(), export, loaders.Options{Specs: catalogSpecs(), TempDir: dir})
		require.NoError(b, err)
		require.False(b, lr.Failed())
		loadSec += time.Since(t0).Seconds()
		loadPeak = max(loadPeak, memstat.PeakRSS())

		memstat.ResetPeak()
		t0 = time.Now()
		// As the run command does: destination tables built in snap and
		// kept by the run's snapshot.
		rr, err := set.Run(ctx, wh.DB(), models.RunOptions{Sources: catalogSources(), TempDir: dir,
			StoreIn: "snap", StoreSchemas: []string{"twenty", "odoo"}})
		require.NoError(b, err)
		runSec += time.Since(t0).Seconds()
		t0 = time.Now()
		var keep []snapshot.Table
		for _, name := range set.Order {
			if m := set.Models[name]; m.Schema != "staging" {
				keep = append(keep, snapshot.Table{Model: name, Schema: m.Schema, Table: m.Table(), Key: m.Config.Key})
			}
		}
		_, err = snapshot.Take(ctx, wh.DB(), rr.RunID, keep)
		require.NoError(b, err)
		snapSec += time.Since(t0).Seconds()
		runPeak = max(runPeak, memstat.PeakRSS())
		rows = 0
		for _, r := range rr.Results {
			require.Equal(b, "success", r.Status, "%s: %s", r.Model, r.Message)
			rows += r.Rows
			perModel[r.Model] += r.Seconds
			perSchema[r.Schema] += r.Seconds
		}
		require.NoError(b, wh.Close())
	}
	n := float64(b.N)
	b.ReportMetric(loadSec/n, "load_s")
	b.ReportMetric(runSec/n, "run_s")
	b.ReportMetric((loadSec+runSec)/loadSec, "load+run/load")
	b.ReportMetric(snapSec/n, "snapshot_s")
	b.ReportMetric((loadSec+runSec+snapSec)/loadSec, "load+run+snapshot/load")
	b.ReportMetric(float64(loadPeak)/1e6, "load_peak_MB")
	b.ReportMetric(float64(runPeak)/1e6, "run_peak_MB")
	b.Logf("%d patients, memory_limit %s: load %.1fs (peak %d MB), run %.1fs over %d models, %d rows (peak %d MB); (load+run)/load = %.2f",
		patients, mem, loadSec/n, loadPeak>>20, runSec/n, len(set.Order), rows, runPeak>>20, (loadSec+runSec)/loadSec)
	b.Logf("the run's snapshot (as the run command takes it): %.1fs; (load+run+snapshot)/load = %.2f", snapSec/n, (loadSec+runSec+snapSec)/loadSec)
	// A project builds staging and its destinations' models (destinations
	// in axium2crm.yaml); the destinations' models do not read each other,
	// so one destination's run is staging plus its own models.
	for _, d := range []string{"twenty", "odoo"} {
		one := (perSchema["staging"] + perSchema[d]) / n
		b.ReportMetric((loadSec/n+one)/(loadSec/n), "load+run_"+d+"/load")
		b.Logf("destinations [%s]: run %.1fs, (load+run)/load = %.2f", d, one, (loadSec/n+one)/(loadSec/n))
	}
	b.Log(slowest(perModel, n, 10))
}

// slowest lists the k models that took longest on average, so a change
// in one model shows in the benchmark log.
func slowest(seconds map[string]float64, runs float64, k int) string {
	names := make([]string, 0, len(seconds))
	for m := range seconds {
		names = append(names, m)
	}
	sort.Slice(names, func(i, j int) bool { return seconds[names[i]] > seconds[names[j]] })
	var b strings.Builder
	b.WriteString("slowest models:")
	for _, m := range names[:min(k, len(names))] {
		fmt.Fprintf(&b, "\n  %-32s %6.2fs", m, seconds[m]/runs)
	}
	return b.String()
}
