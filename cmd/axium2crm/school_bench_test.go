package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
	"github.com/axium2crm/axium2crm/sql/snapshot"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// BenchmarkSchool runs a whole migration stage by stage, each stage a child
// process (this test binary as the command line, see TestMain), for each
// size in AXIUM2CRM_BENCH_PATIENTS (default 1000,10000), and prints each
// stage's wall time, rows a second and peak resident memory, then how
// each stage's time grew against the patients (1.00 is linear; below is
// better). The project's memory_limit, the process's budget (DuckDB gets
// half), is AXIUM2CRM_BENCH_MEMORY (default 4GB, the project default:
// DuckDB at 2 GB): a peak RSS above it is a stage the budget did not hold.
//
// Then each CRM is pushed to its in-process test server without a rate
// limit (--force: the generated export's failing data tests do not stop
// it) and verified three ways (--counts, --sample 1000, in full); both
// servers keep their records compact (twentytest.Options.Compact,
// odootest.Options.Compact) so that a school's records fit in memory whole. The memory the test servers
// hold is printed after each push (it is this process's, not the stage's).
// Last comes a cutover delta: 1% of the patients change in a newer export,
// which is loaded, run, diffed against the first run's snapshot, and
// pushed to both CRMs. AXIUM2CRM_BENCH_PUSH=0 leaves out everything after
// the exports; AXIUM2CRM_BENCH_TWENTY=0 and AXIUM2CRM_BENCH_ODOO=0 one
// CRM's push and verify; AXIUM2CRM_BENCH_DELTA=0 the delta;
// AXIUM2CRM_BENCH_FULL_VERIFY=0 the full verifies (counts and sample stay).
// AXIUM2CRM_CPUPROFILE_DIR gets a CPU profile of each stage and a heap
// profile of this process (the test servers) after each push.
//
// AXIUM2CRM_BENCH_SERVER_CHUNKS=DIR has both test servers keep their
// encoded records in a file of DIR mapped into memory (ChunkDir) instead
// of on the heap: the memory they are said to hold is then their indexes
// and the rest, not the records, which the kernel pages out as it must.
//
// AXIUM2CRM_BENCH_SERVER_GOGC sets the garbage collector's percent of this
// process (the test servers), not the stages': at 1,000,000 patients the
// Odoo server's indexes were gigabytes of pointers, and with Go's default
// (100) marking them took three quarters of its CPU once it held 20
// million records, so that the push measured the test server. They are
// pointer-free now; 400 with GOMEMLIMIT=14GiB carried the whole push of
// 51 million records (the server's heap 7.6 GB after it).
//
// AXIUM2CRM_BENCH_PROJECT names a project whose warehouse `run` has built
// (from the export in AXIUM2CRM_BENCH_EXPORT, which the delta needs), for
// one size in AXIUM2CRM_BENCH_PATIENTS: the stages up to the exports are
// left out and the pushes start from it, so that a school too big for
// one sitting is measured in parts. The pushes, maps and delta change
// that project's warehouse and its configuration (the Twenty rate limit
// raised, memory_limit set as above).
//
// Rows are the stage's input or output: the raw rows landed (generate,
// load), the rows of the tables both CRMs' object plans push (run, test),
// of one CRM's (export, push).
//
//	AXIUM2CRM_BENCH_PATIENTS=10000,100000,1000000 go test -run '^$' -bench BenchmarkSchool -benchtime 1x -timeout 6h ./cmd/axium2crm
func BenchmarkSchool(b *testing.B) {
	sizes := benchSizes(b, "AXIUM2CRM_BENCH_PATIENTS", []int{1000, 10000})
	memory := "4GB"
	if v := os.Getenv("AXIUM2CRM_BENCH_MEMORY"); v != "" {
		memory = v
	}
	push := os.Getenv("AXIUM2CRM_BENCH_PUSH") != "0"
	pushTwenty := push && os.Getenv("AXIUM2CRM_BENCH_TWENTY") != "0"
	pushOdoo := push && os.Getenv("AXIUM2CRM_BENCH_ODOO") != "0"
	delta := push && os.Getenv("AXIUM2CRM_BENCH_DELTA") != "0"
	fullVerify := os.Getenv("AXIUM2CRM_BENCH_FULL_VERIFY") != "0"
	chunkDir := os.Getenv("AXIUM2CRM_BENCH_SERVER_CHUNKS")
	if v := os.Getenv("AXIUM2CRM_BENCH_SERVER_GOGC"); v != "" {
		pct, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("AXIUM2CRM_BENCH_SERVER_GOGC: %q is not a number", v)
		}
		defer debug.SetGCPercent(debug.SetGCPercent(pct))
	}
	type figure struct {
		stage string
		rows  int64
		took  time.Duration
		rss   int64 // KiB
		held  int64 // bytes the test servers hold after the stage
		cpu   time.Duration
	}
	reuse, reuseExport := os.Getenv("AXIUM2CRM_BENCH_PROJECT"), os.Getenv("AXIUM2CRM_BENCH_EXPORT")
	if reuse != "" && len(sizes) != 1 {
		b.Fatal("AXIUM2CRM_BENCH_PROJECT is one project: give AXIUM2CRM_BENCH_PATIENTS its one size")
	}
	if reuse != "" && reuseExport == "" {
		delta = false
	}
	var first []figure
	firstN := 0
	for _, n := range sizes {
		b.Run(fmt.Sprintf("patients=%d", n), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				dir := b.TempDir()
				export, mig := filepath.Join(dir, "export"), filepath.Join(dir, "mig")
				var figs []figure
				stage := func(name string, rows func() int64, env []string, args ...string) {
					// test exits 3 when a data test fails: a generated
					// export carries the dirty rows axiUm exports have;
					// verify exits 3 on a difference (the delta's
					// records before they are pushed).
					c := childRun(b, env, 3, args...)
					figs = append(figs, figure{stage: name, took: c.took, rss: c.rss, cpu: c.cpu, rows: rows()})
					b.Logf("%d patients: %s done in %s, peak RSS %.0f MB", n, name, c.took.Round(time.Second), float64(c.rss)/1024)
				}
				held := func() {
					f := &figs[len(figs)-1]
					f.held = heldBytes()
					b.Logf("%d patients: the test servers hold %.0f MB", n, float64(f.held)/(1<<20))
					writeHeapProfile(b, os.Getenv("AXIUM2CRM_CPUPROFILE_DIR"), fmt.Sprintf("servers-%d-after-%s", n, strings.ReplaceAll(f.stage, " ", "-")))
				}
				fixed := func(v int64) func() int64 { return func() int64 { return v } }
				count := func(schemas ...string) func() int64 {
					return func() int64 { return benchRows(b, mig, schemas...) }
				}
				if reuse != "" {
					export, mig = reuseExport, reuse
					benchConfig(b, mig, memory)
				} else {
					stage("generate", func() int64 { return 0 }, nil,
						"fixtures", "generate", "--out", export, "--patients", strconv.Itoa(n), "--seed", "7")
					cliB(b, "init", mig)
					benchConfig(b, mig, memory)
					stage("load", count("raw"), nil, "load", export, "--project", mig)
					figs[0].rows = figs[1].rows // generate wrote what load landed
					stage("run", count("twenty", "odoo"), nil, "run", "--project", mig)
					stage("test", count("twenty", "odoo"), nil, "test", "--project", mig)
					stage("export twenty", count("twenty"), nil, "export", "twenty", "--out", filepath.Join(dir, "twenty"), "--project", mig)
					stage("export odoo", count("odoo"), nil, "export", "odoo", "--out", filepath.Join(dir, "odoo"), "--project", mig)
				}
				// pushVerify confirms a CRM's map, pushes to its server and
				// verifies three ways.
				pushVerify := func(crm string, env []string) {
					cliB(b, "map", crm, "--confirm", "--by", "bench", "--project", mig)
					stage("push "+crm, count(crm), env, "push", crm, "--force", "--project", mig)
					held()
					stage("verify "+crm+" counts", count(crm), env, "verify", crm, "--counts", "--project", mig)
					stage("verify "+crm+" sample", fixed(1000), env, "verify", crm, "--sample", "1000", "--project", mig)
					if fullVerify {
						stage("verify "+crm, count(crm), env, "verify", crm, "--project", mig)
					}
				}
				var twentyEnv, odooEnv []string
				if pushTwenty {
					srv := twentytest.New(b, twentytest.Options{APIKey: cliSecret, RateLimit: -1, Compact: true, ChunkDir: chunkDir})
					twentyEnv = []string{"TWENTY_URL=" + srv.URL, "TWENTY_API_KEY=" + cliSecret}
					pushVerify("twenty", twentyEnv)
				}
				if pushOdoo {
					srv := odootest.New(odootest.Options{Password: cliSecret, Compact: true, ChunkDir: chunkDir})
					b.Cleanup(srv.Close)
					odooEnv = []string{"ODOO_URL=" + srv.URL, "ODOO_DB=odoo", "ODOO_USER=admin", "ODOO_PASSWORD=" + cliSecret}
					pushVerify("odoo", odooEnv)
				}
				if delta {
					changed := deltaPatients(b, export, filepath.Join(dir, "delta"), 100)
					b.Logf("%d patients: the delta changes %d patients", n, changed)
					stage("load delta", fixed(changed), nil, "load", filepath.Join(dir, "delta"), "--project", mig)
					stage("run delta", count("twenty", "odoo"), nil, "run", "--project", mig)
					snaps := benchSnapshots(b, mig)
					if len(snaps) < 2 {
						b.Fatalf("two runs left %d snapshots", len(snaps))
					}
					stage("diff", count("twenty", "odoo"), nil, "diff", snaps[len(snaps)-2], snaps[len(snaps)-1], "--project", mig)
					if pushTwenty {
						stage("push twenty delta", count("twenty"), twentyEnv, "push", "twenty", "--force", "--project", mig)
					}
					if pushOdoo {
						stage("push odoo delta", count("odoo"), odooEnv, "push", "odoo", "--force", "--project", mig)
					}
				}
				var sb strings.Builder
				fmt.Fprintf(&sb, "%d patients, memory_limit %s:\n%-21s %12s %10s %12s %10s %10s %10s", n, memory, "stage", "rows", "time", "rows/s", "peak RSS", "CLI CPU", "servers")
				if first != nil {
					fmt.Fprintf(&sb, " growth vs %d patients", firstN)
				}
				sb.WriteString("\n")
				firstTook := map[string]time.Duration{}
				for _, f := range first {
					firstTook[f.stage] = f.took
				}
				for _, f := range figs {
					srvMB := ""
					if f.held > 0 {
						srvMB = fmt.Sprintf("%.0f MB", float64(f.held)/(1<<20))
					}
					fmt.Fprintf(&sb, "%-21s %12d %10s %12.0f %7.0f MB %10s %10s", f.stage, f.rows, f.took.Round(100*time.Millisecond),
						float64(f.rows)/f.took.Seconds(), float64(f.rss)/1024, f.cpu.Round(100*time.Millisecond), srvMB)
					if was, ok := firstTook[f.stage]; ok {
						// Time per patient now against time per patient
						// at the first size: 1.00 is linear.
						fmt.Fprintf(&sb, " %6.2f", (f.took.Seconds()/float64(n))/(was.Seconds()/float64(firstN)))
					}
					sb.WriteString("\n")
				}
				b.Log(sb.String())
				if first == nil {
					first, firstN = figs, n
				}
				b.StartTimer()
			}
		})
	}
}

// benchRows is the number of rows of the tables of the schemas named in a
// project's warehouse (opened between stages, when no child holds it).
func benchRows(b *testing.B, project string, schemas ...string) int64 {
	b.Helper()
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(project, warehouse.FileName), ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer wh.Close()
	var total int64
	for _, s := range schemas {
		// Every raw table; of a CRM's schema, the tables its object plan
		// pushes (not the plans, reconciliations and other reports).
		q := "SELECT DISTINCT table_name FROM information_schema.tables WHERE table_schema = 'raw'"
		if s != "raw" {
			q = "SELECT DISTINCT table_name FROM " + warehouse.QuoteIdent(s) + ".object_plan"
		}
		rows, err := wh.DB().Query(q)
		if err != nil {
			b.Fatal(err)
		}
		var tables []string
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				b.Fatal(err)
			}
			tables = append(tables, t)
		}
		rows.Close()
		for _, t := range tables {
			var n int64
			if err := wh.DB().QueryRow("SELECT count(*) FROM " + warehouse.QuoteIdent(s) + "." + warehouse.QuoteIdent(t)).Scan(&n); err != nil {
				b.Fatal(err)
			}
			total += n
		}
	}
	return total
}

// writeHeapProfile writes this process's heap (the test servers'
// records) to dir/name.heap when dir is set.
func writeHeapProfile(b *testing.B, dir, name string) {
	if dir == "" {
		return
	}
	out, err := os.Create(filepath.Join(dir, name+".heap"))
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	if err := pprof.WriteHeapProfile(out); err != nil {
		b.Fatal(err)
	}
}

// heldBytes is the Go heap this process holds after a collection: the test
// servers' stores, between stages.
func heldBytes() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse)
}

// deltaPatients writes a newer export of the patients into dir: every
// every-th patient moved to another city, with a later modification date.
// It returns how many changed.
func deltaPatients(b *testing.B, export, dir string, every int) int64 {
	b.Helper()
	in, err := os.Open(filepath.Join(export, "patient.csv"))
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, "patient.csv"))
	if err != nil {
		b.Fatal(err)
	}
	r, w := csv.NewReader(in), csv.NewWriter(out)
	head, err := r.Read()
	if err != nil {
		b.Fatal(err)
	}
	col := func(name string) int {
		i := slices.Index(head, name)
		if i < 0 {
			b.Fatalf("patient.csv has no %s column", name)
		}
		return i
	}
	city, modified := col("City"), col("ModifiedDate")
	if err := w.Write(head); err != nil {
		b.Fatal(err)
	}
	var changed int64
	for i := 0; ; i++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		if i%every == 0 {
			rec[city], rec[modified] = "Cutover City", "12/01/2026 09:00:00"
			changed++
		}
		if err := w.Write(rec); err != nil {
			b.Fatal(err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
	return changed
}

// benchSnapshots are the ids of a project's snapshots, oldest first.
func benchSnapshots(b *testing.B, project string) []string {
	b.Helper()
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(project, warehouse.FileName), ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer wh.Close()
	list, err := snapshot.List(context.Background(), wh.DB())
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	for _, s := range list {
		ids = append(ids, strconv.FormatInt(s.ID, 10))
	}
	return ids
}
