package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// BenchmarkSchool runs a whole migration stage by stage, each stage a child
// process (this test binary as the command line, see TestMain), for each
// size in AXIUM2CRM_BENCH_PATIENTS (default 1000,10000), and prints each
// stage's wall time, rows a second and peak resident memory, then how
// each stage's time grew against the patients (1.00 is linear; below is
// better). The project's memory_limit, the process's budget (DuckDB gets
// half), is AXIUM2CRM_BENCH_MEMORY (default 4GB, the project default:
// DuckDB at 2 GB): a peak RSS above it is a stage the budget did not hold. The Twenty push goes to the in-process test server
// without a rate limit, in its lean mode (every record checked, only what
// later calls check kept; --force: the generated export's failing data
// tests do not stop it); AXIUM2CRM_BENCH_PUSH=0 leaves it out.
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
	type figure struct {
		stage string
		rows  int64
		took  time.Duration
		rss   int64 // KiB
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
					// export carries the dirty rows axiUm exports have.
					rss, took, _ := childCLI(b, env, 3, args...)
					figs = append(figs, figure{stage: name, took: took, rss: rss, rows: rows()})
					b.Logf("%d patients: %s done in %s, peak RSS %.0f MB", n, name, took.Round(time.Second), float64(rss)/1024)
				}
				count := func(schemas ...string) func() int64 {
					return func() int64 { return benchRows(b, mig, schemas...) }
				}
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
				if push {
					cliB(b, "map", "twenty", "--confirm", "--by", "bench", "--project", mig)
					srv := twentytest.New(b, twentytest.Options{APIKey: cliSecret, RateLimit: -1, Lean: true})
					stage("push twenty", count("twenty"), []string{"TWENTY_URL=" + srv.URL, "TWENTY_API_KEY=" + cliSecret},
						"push", "twenty", "--force", "--project", mig)
				}
				var sb strings.Builder
				fmt.Fprintf(&sb, "%d patients, memory_limit %s:\n%-14s %12s %10s %12s %10s", n, memory, "stage", "rows", "time", "rows/s", "peak RSS")
				if first != nil {
					fmt.Fprintf(&sb, " growth vs %d patients", firstN)
				}
				sb.WriteString("\n")
				for i, f := range figs {
					fmt.Fprintf(&sb, "%-14s %12d %10s %12.0f %7.0f MB", f.stage, f.rows, f.took.Round(100*time.Millisecond),
						float64(f.rows)/f.took.Seconds(), float64(f.rss)/1024)
					if first != nil && i < len(first) {
						// Time per patient now against time per patient
						// at the first size: 1.00 is linear.
						fmt.Fprintf(&sb, " %6.2f", (f.took.Seconds()/float64(n))/(first[i].took.Seconds()/float64(firstN)))
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
