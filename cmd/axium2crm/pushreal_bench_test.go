package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
)

// BenchmarkPushRealModels pushes the models' real output for a generated
// export of N patients (everything `run` builds: people, tasks, notes,
// perio records at the project's grain, attachments...) to the Twenty test
// server, which enforces Twenty's token bucket, and prints the records a
// minute against the ceiling (calls a minute × 200). The fixed cost (the
// data model, custom fields, one count per object) is in the overall
// ratio; the record ratio is over the share of the calls that wrote
// records.
//
// AXIUM2CRM_BENCH_PATIENTS (default 1000) sets the size,
// AXIUM2CRM_BENCH_WINDOW the rate window of 100 calls (default 60s:
// Twenty's own limit; a shorter window makes the two cores of a small
// machine the limit rather than Twenty).
//
//	AXIUM2CRM_BENCH_PATIENTS=10000 go test -run '^$' -bench BenchmarkPushRealModels -benchtime 1x -timeout 3h ./cmd/axium2crm
func BenchmarkPushRealModels(b *testing.B) {
	patients, window := 1000, time.Minute
	if v := os.Getenv("AXIUM2CRM_BENCH_PATIENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("AXIUM2CRM_BENCH_PATIENTS: %q is not a positive number", v)
		}
		patients = n
	}
	if v := os.Getenv("AXIUM2CRM_BENCH_WINDOW"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			b.Fatalf("AXIUM2CRM_BENCH_WINDOW: %q is not a duration", v)
		}
		window = d
	}
	const calls = 100
	ceiling := float64(calls) / window.Minutes() * 200
	step := func(args ...string) string {
		b.Helper()
		var out, errb bytes.Buffer
		if code := run(args, strings.NewReader(""), &out, &errb); code != 0 {
			b.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		return out.String()
	}
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		export, mig := filepath.Join(dir, "export"), filepath.Join(dir, "mig")
		step("fixtures", "generate", "--out", export, "--patients", strconv.Itoa(patients), "--seed", "7")
		step("init", mig)
		cfg := filepath.Join(mig, "axium2crm.yaml")
		text, err := os.ReadFile(cfg)
		if err != nil {
			b.Fatal(err)
		}
		perMinute := int(float64(calls) / window.Minutes())
		text = bytes.Replace(text, []byte("calls_per_minute: 100"), []byte("calls_per_minute: "+strconv.Itoa(perMinute)), 1)
		if err := os.WriteFile(cfg, text, 0o600); err != nil {
			b.Fatal(err)
		}
		step("load", export, "--project", mig)
		step("run", "--project", mig)
		step("map", "twenty", "--confirm", "--by", "bench", "--project", mig)
		// Lean: the server checks every record but keeps only what later
		// calls check, so a school-sized push fits in memory.
		srv := twentytest.New(b, twentytest.Options{APIKey: cliSecret, RateLimit: calls, RateWindow: window, Lean: true})
		b.Setenv("TWENTY_URL", srv.URL)
		b.Setenv("TWENTY_API_KEY", cliSecret)
		b.StartTimer()
		start := time.Now()
		// --force: the push is measured, not the generated data's tests.
		out := step("push", "twenty", "--force", "--json", "--project", mig)
		took := time.Since(start)
		b.StopTimer()
		var rep struct {
			Tables []struct {
				Table            string
				Created, Updated int
			} `json:"tables"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			b.Fatal(err)
		}
		sent := 0
		for _, t := range rep.Tables {
			sent += t.Created + t.Updated
		}
		st := srv.Stats()
		// Only record calls spend the limit's tokens (Twenty throttles in
		// its record query runner): the data model and file calls are
		// counted, not paced.
		perMin := float64(sent) / took.Minutes()
		recordRatio := float64(sent) / (took.Minutes() * float64(st.Kinds["write"]) / float64(max(st.Tokens, 1))) / ceiling
		b.ReportMetric(perMin, "records/min")
		b.ReportMetric(perMin/ceiling, "ratio")
		b.ReportMetric(recordRatio, "record-ratio")
		b.Logf("%d patients: %d records of the real model output in %s: %.0f records/min of a %.0f ceiling: %.1f%% overall; %.1f%% on record writes (%d writes and %d reads spent tokens; %d data-model and file calls did not; %.1f%% of the run's tokens used)",
			patients, sent, took.Round(time.Second), perMin, ceiling, 100*perMin/ceiling, 100*recordRatio,
			st.Kinds["write"], st.Kinds["read"], st.Kinds["metadata"], 100*float64(st.Tokens)*(window.Minutes()/calls)/took.Minutes())
		b.StartTimer()
	}
}
