package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestProgressPlainLines(t *testing.T) {
	t.Run("known total", func(t *testing.T) {
		var w bytes.Buffer
		clk := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
		p := newProgressAt(&w, "run", "models", 40, clk.now)

		clk.advance(4 * time.Second)
		p.set(8, "building staging.patient")
		assert.Empty(t, w.String(), "no line before progressEvery has passed")

		clk.advance(6 * time.Second) // 10 s in, 10 of 40 done: 1 a second, 30 s left
		p.set(10, "building staging.visit")
		assert.Equal(t, "run: 10/40 models (25%), 1.0 models/s, 10s elapsed, about 30s left; building staging.visit\n", w.String())

		w.Reset()
		clk.advance(5 * time.Second)
		p.tick()
		assert.Empty(t, w.String(), "the next line waits another progressEvery")
		clk.advance(5 * time.Second) // a slow model: the tick still says how far it is
		p.tick()
		assert.Equal(t, "run: 10/40 models (25%), 0.5 models/s, 20s elapsed, about 1m0s left; building staging.visit\n", w.String())

		w.Reset()
		clk.advance(20 * time.Second)
		p.set(40, "")
		w.Reset()
		p.finish()
		assert.Equal(t, "run: 40 of 40 models in 40s, 1.0 models/s\n", w.String())
		p.finish()
		assert.Equal(t, "run: 40 of 40 models in 40s, 1.0 models/s\n", w.String(), "finish writes once")
	})

	t.Run("unknown total, polled", func(t *testing.T) {
		var w bytes.Buffer
		clk := &fakeClock{t: time.Unix(0, 0)}
		p := newProgressAt(&w, "export twenty", "files", 0, clk.now)
		n := int64(0)
		p.polled(func() (int64, string) { return n, "writing 02_people.csv" })
		n = 3
		clk.advance(12 * time.Second)
		p.tick()
		assert.Equal(t, "export twenty: 3 files, 0.2 files/s, 12s elapsed; writing 02_people.csv\n", w.String())
		w.Reset()
		p.polled(nil)
		p.set(4, "")
		p.finishWith("1200 rows")
		assert.Equal(t, "export twenty: 4 files in 12s, 0.3 files/s; 1200 rows\n", w.String())
	})

	t.Run("nothing counted", func(t *testing.T) {
		var w bytes.Buffer
		clk := &fakeClock{t: time.Unix(0, 0)}
		p := newProgressAt(&w, "verify odoo", "", 0, clk.now)
		p.set(0, "reading the records back from Odoo")
		clk.advance(10 * time.Second)
		p.tick()
		clk.advance(2500 * time.Millisecond)
		p.finishWith("7 read calls")
		assert.Equal(t, "verify odoo: 10s elapsed; reading the records back from Odoo\nverify odoo: done in 13s; 7 read calls\n", w.String())
	})
}

func TestProgressTerminalBar(t *testing.T) {
	var w bytes.Buffer
	clk := &fakeClock{t: time.Unix(0, 0)}
	p := newProgressAt(&w, "test", "tests", 200, clk.now)
	p.tty, p.width = true, 200
	p.set(0, "stg_patient not_null")
	assert.Equal(t, "\rtest: [                        ] 0/200 tests (0%), 0s elapsed; stg_patient not_null\x1b[K", w.String(), "drawn at once")
	w.Reset()
	clk.advance(100 * time.Millisecond)
	p.set(1, "")
	assert.Empty(t, w.String(), "redraws are bounded")
	clk.advance(50 * time.Second)
	p.set(100, "stg_visit unique")
	assert.Equal(t, "\rtest: [============            ] 100/200 tests (50%), 2.0 tests/s, 50s elapsed, about 50s left; stg_visit unique\x1b[K", w.String())
	w.Reset()
	p.width = 30
	clk.advance(time.Second)
	p.tick()
	assert.Equal(t, "\rtest: [============          \x1b[K", w.String(), "cut to the terminal's width")
	w.Reset()
	p.set(200, "")
	w.Reset()
	p.width = 200
	p.finish()
	assert.True(t, strings.HasPrefix(w.String(), "\rtest: [========================] 200 of"), w.String())
	assert.True(t, strings.HasSuffix(w.String(), "\x1b[K\n"), "the bar's line is ended")
}

// TestProgressOffTerminal runs the long commands with stderr a buffer (not
// a terminal), as a CI job does: each ends with its plain progress line on
// stderr, and stdout stays the JSON a script reads.
func TestProgressOffTerminal(t *testing.T) {
	dir := t.TempDir()
	export, mig := filepath.Join(dir, "export"), filepath.Join(dir, "mig")
	r := cli(t, "", "fixtures", "generate", "--out", export, "--patients", "30", "--seed", "3")
	require.Equal(t, 0, r.code, r.stderr)
	r = cli(t, "", "init", mig)
	require.Equal(t, 0, r.code, r.stderr)

	steps := []struct {
		name string
		args []string
		line string
	}{
		{"load", []string{"load", export, "--project", mig, "--json"}, `(?m)^load: (\d+) of (\d+) files in \S+, \S+ files/s; \d+ rows loaded$`},
		{"run", []string{"run", "--project", mig, "--json"}, `(?m)^run: (\d+) of (\d+) models in \S+, \S+ models/s$`},
		{"test", []string{"test", "--project", mig, "--json"}, `(?m)^test: (\d+) of (\d+) tests in \S+, \S+ tests/s$`},
		{"export", []string{"export", "twenty", "--project", mig, "--out", filepath.Join(dir, "twenty"), "--json"}, `(?m)^export twenty: (\d+) files in \S+, \S+ files/s; \d+ rows$`},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := cli(t, "", s.args...)
			require.Equal(t, 0, r.code, r.stderr)
			m := regexp.MustCompile(s.line).FindStringSubmatch(r.stderr)
			require.NotNil(t, m, "stderr:\n%s", r.stderr)
			if len(m) == 3 {
				assert.Equal(t, m[2], m[1], "all done at the end")
			}
			assert.NotEqual(t, "0", m[1])
			assert.NotContains(t, r.stdout, s.name+":", "progress never on stdout")
			var v any
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &v), "stdout is still one JSON document")
		})
	}

	t.Run("quickstart", func(t *testing.T) {
		r := cli(t, "", "quickstart", filepath.Join(dir, "qs"), "--patients", "20")
		require.Contains(t, []int{0, exitValidation}, r.code, r.stderr)
		for _, step := range []string{"generate", "load", "run", "test"} {
			assert.Regexp(t, "(?m)^"+step+": .* in ", r.stderr, step)
			assert.NotRegexp(t, "(?m)^"+step+": ", r.stdout, step)
		}
		assert.Regexp(t, `(?m)^export (twenty|odoo): \d+ files in `, r.stderr)
	})
}
