package models_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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

// BenchmarkRun loads a generated CSV export and builds the models as the
// run command does, once per destination setting of a project (both CRMs,
// Twenty only, Odoo only; each on a fresh warehouse with its own load), and
// reports for each: the load time, the time of the models and of the
// snapshot the run command takes after them, (load + run + snapshot) /
// load, and peak memory under the warehouse's memory limit; then the time
// of the data tests of those models, apart from the ratio. Size it with
// AXIUM2CRM_BENCH_PATIENTS (default 10,000) and AXIUM2CRM_BENCH_MEMORY
// (default 2GB); reuse an export with AXIUM2CRM_BENCH_EXPORT (a directory
// the generator filled); measure one setting with AXIUM2CRM_BENCH_DESTINATIONS
// ("twenty", "odoo" or "twenty,odoo").
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
	settings := [][]string{{"twenty", "odoo"}, {"twenty"}, {"odoo"}}
	if s := os.Getenv("AXIUM2CRM_BENCH_DESTINATIONS"); s != "" {
		settings = [][]string{strings.Split(s, ",")}
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
	for _, dest := range settings {
		name := strings.Join(dest, "+")
		var loadSec, runSec, snapSec, testSec float64
		var loadPeak, runPeak int64
		var rows int64
		perModel, perTest := map[string]float64{}, map[string]float64{}
		// What the run command builds for such a project: every staging
		// model and the destinations' models, the latter kept by the
		// snapshot.
		var selected []string
		var keep []snapshot.Table
		for _, m := range set.Order {
			md := set.Models[m]
			switch {
			case md.Schema == "staging":
				selected = append(selected, m)
			case slices.Contains(dest, md.Schema):
				selected = append(selected, m)
				keep = append(keep, snapshot.Table{Model: m, Schema: md.Schema, Table: md.Table(), Key: md.Config.Key})
			}
		}
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
			rr, err := set.Run(ctx, wh.DB(), models.RunOptions{Select: selected, Sources: catalogSources(), TempDir: dir,
				StoreIn: "snap", StoreSchemas: dest})
			require.NoError(b, err)
			runSec += time.Since(t0).Seconds()
			t0 = time.Now()
			_, err = snapshot.Take(ctx, wh.DB(), rr.RunID, keep)
			require.NoError(b, err)
			snapSec += time.Since(t0).Seconds()
			runPeak = max(runPeak, memstat.PeakRSS())
			require.Len(b, rr.Results, len(selected))
			rows = 0
			for _, r := range rr.Results {
				require.Equal(b, "success", r.Status, "%s: %s", r.Model, r.Message)
				rows += r.Rows
				perModel[r.Model] += r.Seconds
			}
			// The data tests the analyst runs next: not part of the ratio,
			// reported so that a slow test shows.
			t0 = time.Now()
			tr, err := set.Test(ctx, wh.DB(), selected, catalogSources())
			require.NoError(b, err)
			testSec += time.Since(t0).Seconds()
			for _, r := range tr {
				require.Equal(b, "pass", r.Status, "%s %s: %s", r.Model, r.Test, r.Message)
				perTest[r.Model+": "+r.Test] += r.Seconds
			}
			require.NoError(b, wh.Close())
		}
		n := float64(b.N)
		b.ReportMetric(loadSec/n, name+"_load_s")
		b.ReportMetric(runSec/n, name+"_run_s")
		b.ReportMetric(snapSec/n, name+"_snapshot_s")
		b.ReportMetric((loadSec+runSec+snapSec)/loadSec, name+"_load+run/load")
		b.ReportMetric(float64(runPeak)/1e6, name+"_run_peak_MB")
		b.ReportMetric(testSec/n, name+"_test_s")
		b.Logf("destinations [%s], %d patients, memory_limit %s: load %.1fs (peak %d MB); models %.1fs over %d models, %d rows; snapshot %.1fs (peak %d MB); (load+run)/load = %.2f, counting the snapshot",
			strings.Join(dest, ", "), patients, mem, loadSec/n, loadPeak>>20, runSec/n, len(selected), rows, snapSec/n, runPeak>>20,
			(loadSec+runSec+snapSec)/loadSec)
		b.Log(slowest("models", perModel, n, 10))
		b.Logf("data tests %.1fs; %s", testSec/n, slowest("tests", perTest, n, 5))
	}
}

// slowest lists the k models (or tests) that took longest on average, so a
// change in one shows in the benchmark log.
func slowest(what string, seconds map[string]float64, runs float64, k int) string {
	names := make([]string, 0, len(seconds))
	for m := range seconds {
		names = append(names, m)
	}
	sort.Slice(names, func(i, j int) bool { return seconds[names[i]] > seconds[names[j]] })
	var b strings.Builder
	b.WriteString("slowest " + what + ":")
	for _, m := range names[:min(k, len(names))] {
		fmt.Fprintf(&b, "\n  %-40s %6.2fs", m, seconds[m]/runs)
	}
	return b.String()
}
