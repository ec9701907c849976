package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
	"github.com/axium2crm/axium2crm/fixtures/memstat"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// BenchmarkPushMemory runs `push twenty` as a child process (this test
// binary as the command line, see TestMain) against the in-process Twenty
// test server without a rate limit, and prints the child's peak resident
// memory next to the size of the table it pushed. It measures, it does
// not assert: the figures go in the README.
//
// The tables are synthetic, built by SQL (the exporter's test fixture):
// N rows of the table AXIUM2CRM_BENCH_TABLE (perio_record by default, the
// table that grows fastest with the patients; person is the other choice)
// and 100 rows of each other table. The default is perio_record because
// the test server checks a person's unique e-mail against every stored
// person on each write and list call, so a push of N people costs the
// server O(N²): about 100 s at 100,000 people, hours at 1,000,000.
//
// AXIUM2CRM_BENCH_MEMORY sets the project's memory_limit (the process's
// budget; DuckDB's buffer pool, which keeps what the push scans up to its
// limit, gets half).
// AXIUM2CRM_BENCH_REPUSH=1 pushes again once the push is done (nothing
// changed: every record is read and skipped) and prints that time too.
//
//	AXIUM2CRM_BENCH_ROWS=10000,100000,1000000 go test -run '^$' -bench BenchmarkPushMemory -benchtime 1x -timeout 2h ./cmd/axium2crm
func BenchmarkPushMemory(b *testing.B) {
	sizes := []int{10000, 100000}
	table := "perio_record"
	if v := os.Getenv("AXIUM2CRM_BENCH_TABLE"); v != "" {
		table = v
	}
	object := map[string]string{"perio_record": "perioRecord", "person": "person"}[table]
	if object == "" {
		b.Fatalf("AXIUM2CRM_BENCH_TABLE: %q is not perio_record or person", table)
	}
	sizes = benchSizes(b, "AXIUM2CRM_BENCH_ROWS", sizes)
	for _, n := range sizes {
		b.Run(fmt.Sprintf("%s=%d", table, n), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				dir := memBenchProject(b, table, n)
				// Lean: the server checks every record but keeps only what
				// later calls check; a full store of ten million records
				// would not fit this process.
				srv := twentytest.New(b, twentytest.Options{APIKey: cliSecret, RateLimit: -1, Lean: true})
				b.StartTimer()
				rss, took, out := pushChild(b, []string{"TWENTY_URL=" + srv.URL, "TWENTY_API_KEY=" + cliSecret},
					"push", "twenty", "--project", dir)
				b.StopTimer()
				if got := srv.Count(object); got != n {
					b.Fatalf("the server holds %d %s records, want %d:\n%s", got, object, n, out)
				}
				b.ReportMetric(float64(rss)/1024, "peak-RSS-MB")
				b.Logf("%s: %d rows: push peak RSS %.0f MB, %s", table, n, float64(rss)/1024, took.Round(time.Second))
				if os.Getenv("AXIUM2CRM_BENCH_REPUSH") == "1" {
					// The same push again: every record unchanged, so the
					// time is what reading the tables and the log against
					// each other costs.
					rss, took, out = pushChild(b, []string{"TWENTY_URL=" + srv.URL, "TWENTY_API_KEY=" + cliSecret},
						"push", "twenty", "--project", dir)
					if got := srv.Count(object); got != n {
						b.Fatalf("after the re-push the server holds %d %s records, want %d:\n%s", got, object, n, out)
					}
					b.Logf("%s: %d rows: re-push (nothing changed) peak RSS %.0f MB, %s, %.0f rows/s", table, n, float64(rss)/1024,
						took.Round(time.Second), float64(n)/took.Seconds())
				}
				b.StartTimer()
			}
		})
	}
}

// benchSizes reads a comma-separated list of sizes from the environment
// variable env, def when it is unset.
func benchSizes(b *testing.B, env string, def []int) []int {
	b.Helper()
	v := os.Getenv(env)
	if v == "" {
		return def
	}
	var sizes []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			b.Fatalf("%s: %q is not a positive number", env, f)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

// pushChild runs the command line as a child process and returns its peak
// resident set size in KiB, how long it took and its output. The child's
// Go heap at its peak is in memstats.
func pushChild(b *testing.B, env []string, args ...string) (int64, time.Duration, string) {
	b.Helper()
	return childCLI(b, env, 0, args...)
}

// childCLI is pushChild that also takes exit code okCode (besides 0) as a
// success: 3, for a stage whose data tests may fail.
func childCLI(b *testing.B, env []string, okCode int, args ...string) (int64, time.Duration, string) {
	b.Helper()
	r := childRun(b, env, okCode, args...)
	return r.rss, r.took, r.out
}

// childRan is what a child command line took.
type childRan struct {
	rss  int64 // peak resident set, KiB
	took time.Duration
	cpu  time.Duration // user and system time
	out  string
}

func childRun(b *testing.B, env []string, okCode int, args ...string) childRan {
	b.Helper()
	stats := filepath.Join(b.TempDir(), "memstats.json")
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "AXIUM2CRM_TEST_AS_CLI=1", "AXIUM2CRM_GO_MEMSTATS="+stats), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if path := os.Getenv("AXIUM2CRM_BENCH_CHILD_LOG"); path != "" {
		// A long stage's progress, as it comes, for a person watching.
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		w := io.MultiWriter(&out, f)
		cmd.Stdout, cmd.Stderr = w, w
	}
	start := time.Now()
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if okCode == 0 || !errors.As(err, &exit) || exit.ExitCode() != okCode {
			b.Fatalf("%v: %v\n%s", args, err, out.String())
		}
	}
	took := time.Since(start)
	raw, err := os.ReadFile(stats)
	if err != nil {
		b.Fatalf("the child wrote no memory figures: %v", err)
	}
	var ms goMemStats
	if err := json.Unmarshal(raw, &ms); err != nil {
		b.Fatal(err)
	}
	b.Logf("child's Go memory at its peak: heap in use %.0f MB, all Go memory %.0f MB (the rest of the resident set is DuckDB and the C heap)",
		float64(ms.PeakHeapInuse)/(1<<20), float64(ms.PeakGoTotal)/(1<<20))
	// Not the rusage's ru_maxrss: Go starts a child with vfork, and Linux
	// carries the parent's high-water mark across the exec into it, so a
	// parent that held more (the fixture's build, the test server) shows
	// as the child's peak.
	return childRan{rss: ms.PeakRSS, took: took, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), out: out.String()}
}

// goMemStats is the Go side of a child's memory at its peak.
type goMemStats struct {
	PeakHeapInuse uint64 `json:"peak_heap_inuse"`
	PeakGoTotal   uint64 `json:"peak_go_total"` // heap, stacks and the runtime's own, as mapped
	// PeakRSS is the process's own resident high-water mark in KiB
	// (VmHWM of /proc/self/status, read as it ends).
	PeakRSS int64 `json:"peak_rss_kib"`
}

// withGoMemStats runs f, sampling the Go runtime's memory every 50 ms,
// and writes the peaks to path (nothing when path is empty).
func withGoMemStats(path string, f func() int) int {
	if path == "" {
		return f()
	}
	var mu sync.Mutex
	var peak goMemStats
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		mu.Lock()
		peak.PeakHeapInuse = max(peak.PeakHeapInuse, m.HeapInuse)
		peak.PeakGoTotal = max(peak.PeakGoTotal, m.Sys-m.HeapReleased)
		mu.Unlock()
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	code := f()
	close(done)
	sample()
	mu.Lock()
	peak.PeakRSS = memstat.PeakRSS() >> 10
	raw, _ := json.Marshal(peak)
	mu.Unlock()
	_ = os.WriteFile(path, raw, 0o600)
	return code
}

// memBenchProject makes a project whose twenty.<table> holds n rows (the
// exporter's test fixture at that size) and whose other tables hold 100
// rows each (the people the perio rows point at are kept), with a
// confirmed map and passed data tests.
func memBenchProject(b *testing.B, table string, n int) string {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "mig")
	cliB(b, "init", dir)
	benchConfig(b, dir, os.Getenv("AXIUM2CRM_BENCH_MEMORY"))
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(dir, warehouse.FileName)})
	if err != nil {
		b.Fatal(err)
	}
	tmpl := template.Must(template.ParseFiles("../../exporters/twenty/testdata/fixture.sql.tmpl"))
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, map[string]any{"People": n, "Companies": 2, "ExportDir": "'" + dir + "'"}); err != nil {
		b.Fatal(err)
	}
	stmts := warehouse.SplitStatements(buf.String())
	for _, t := range []string{"person", "task", "task_target", "note", "note_target", "perio_record"} {
		if t != table {
			stmts = append(stmts, "DELETE FROM twenty."+t+" WHERE _source_record > 100")
		}
	}
	if table == "perio_record" {
		// Every perio row points at one of the 100 people kept.
		stmts = append(stmts, "UPDATE twenty.perio_record SET person_id = tid('patient', 1 + _source_record % 100)")
	}
	stmts = append(stmts,
		`INSERT INTO meta.model_run
		 SELECT r.id, 'twenty_' || table_name, 'twenty', 'fixture', 'fp-' || table_name, 'table', 'success', NULL, 0, NULL, now(), now()
		 FROM twenty.object_plan, (SELECT nextval('meta.run_seq') AS id) r`,
		`INSERT INTO meta.test_result
		 SELECT r.id, 'twenty_' || table_name, 'fp-' || table_name, 'not_null(id)', 'pass', 0, NULL, NULL, now()
		 FROM twenty.object_plan, (SELECT nextval('meta.run_seq') AS id) r`)
	for _, st := range stmts {
		if _, err := wh.DB().Exec(st); err != nil {
			b.Fatalf("%v: %s", err, st)
		}
	}
	if err := wh.Close(); err != nil {
		b.Fatal(err)
	}
	cliB(b, "map", "twenty", "--confirm", "--by", "bench", "--project", dir)
	return dir
}

// benchConfig lifts a project's Twenty rate limit out of the way and, when
// memory is set, sets the project's memory_limit, the process's budget
// (DuckDB's buffer pool gets half, keeps what a stage scans up to that,
// and it counts in the resident set).
func benchConfig(b *testing.B, project, memory string) {
	b.Helper()
	path := filepath.Join(project, "axium2crm.yaml")
	cfg, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	cfg = []byte(strings.Replace(string(cfg), "calls_per_minute: 100", "calls_per_minute: 6000000", 1))
	if memory != "" {
		cfg = regexp.MustCompile(`memory_limit: "[^"]*"`).ReplaceAll(cfg, []byte(`memory_limit: "`+memory+`"`))
	}
	if err := os.WriteFile(path, cfg, 0o600); err != nil {
		b.Fatal(err)
	}
}

// cliB runs the command line in-process and stops the benchmark on failure.
func cliB(b *testing.B, args ...string) {
	b.Helper()
	var out, errb bytes.Buffer
	if code := run(args, strings.NewReader(""), &out, &errb); code != 0 {
		b.Fatalf("%v: exit %d: %s", args, code, errb.String())
	}
}

// withCPUProfile runs f, writing a CPU profile of it into dir as
// <the command's words>-<pid>.pprof (nothing when dir is empty): where a
// benchmark's child stage spends its time.
func withCPUProfile(dir string, args []string, f func() int) int {
	if dir == "" {
		return f()
	}
	var words []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") || strings.ContainsRune(a, os.PathSeparator) {
			break
		}
		words = append(words, a)
	}
	out, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d.pprof", strings.Join(words, "-"), os.Getpid())))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return f()
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return f()
	}
	defer pprof.StopCPUProfile()
	return f()
}
