package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/exportertest"
	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// The kill -9 tests run the command line as a child process (this test
// binary, see TestMain), SIGKILL it at a chosen point of a push, a resume
// or a rollback, finish the work as a user would (push --resume, rollback
// again) and compare the destination with an uninterrupted run's. A kill
// point is a record write the test server receives (killed before the
// server does it, or after: the write lands and its answer is lost), a
// delete of a rollback, or a write of the audit log (before or after it
// reaches the warehouse, AXIUM2CRM_CRASH_AT).
//
// CI runs a fixed list. AXIUM2CRM_KILL_SEED=S AXIUM2CRM_KILL_RUNS=N adds N
// kill points drawn from seed S (the README has the command).

// TestMain lets a test run this binary as the command line.
func TestMain(m *testing.M) {
	if os.Getenv("AXIUM2CRM_TEST_AS_CLI") == "1" {
		os.Exit(withGoMemStats(os.Getenv("AXIUM2CRM_GO_MEMSTATS"), func() int {
			return withCPUProfile(os.Getenv("AXIUM2CRM_CPUPROFILE_DIR"), os.Args[1:], func() int { return run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr) })
		}))
	}
	os.Exit(m.Run())
}

// killPoint is where a child run dies.
type killPoint struct {
	// server: "write-before", "write-after" (the nth record write), or
	// "delete-after" (the nth delete of a rollback); log: "log-before:N",
	// "log-after:N" (the child kills itself at its Nth log write).
	server string
	n      int
	log    string
}

func (k killPoint) String() string {
	if k.log != "" {
		return k.log
	}
	return fmt.Sprintf("%s:%d", k.server, k.n)
}

// crashTarget is one CRM's test server as the kill tests drive it.
type crashTarget struct {
	name string
	// project makes a fresh project with a confirmed map.
	project func(t *testing.T) string
	// start starts a server, sets the child's environment, and arms kill:
	// kill(kind, n) is asked at every record write ("write") and delete
	// ("delete") with its 1-based count, and answers whether to kill the
	// child now and whether the server still does the call.
	start func(t *testing.T, kill func(kind string, n int) (now, do bool)) (state func() any, env []string)
}

func crashTargets() []crashTarget {
	return []crashTarget{
		{
			name: "twenty",
			project: func(t *testing.T) string {
				return newTwentyProject(t, 30)
			},
			start: func(t *testing.T, kill func(string, int) (bool, bool)) (func() any, []string) {
				srv := twentytest.New(t, twentytest.Options{APIKey: cliSecret, RateLimit: -1})
				var writes, deletes atomic.Int64
				srv.FailWhen(func(_ int, r *http.Request) twentytest.Fault {
					kind, n := "write", 0
					switch {
					case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/rest/batch/"):
						n = int(writes.Add(1))
					case r.Method == http.MethodDelete && !strings.HasPrefix(r.URL.Path, "/rest/metadata"):
						kind, n = "delete", int(deletes.Add(1))
					default:
						return twentytest.NoFault
					}
					now, do := kill(kind, n)
					switch {
					case !now:
						return twentytest.NoFault
					case do:
						return twentytest.DropAfter
					}
					return twentytest.DropBefore
				})
				state := func() any {
					return srv.State("company", "person", "workspaceMember", "task", "taskTarget", "note", "noteTarget", "perioRecord", "attachment")
				}
				return state, []string{"TWENTY_URL=" + srv.URL, "TWENTY_API_KEY=" + cliSecret}
			},
		},
		{
			name: "odoo",
			project: func(t *testing.T) string {
				dir := newOdooProject(t, 16)
				r := cli(t, "", "map", "odoo", "--confirm", "--by", "test", "--project", dir)
				require.Equal(t, 0, r.code, r.stderr)
				return dir
			},
			start: func(t *testing.T, kill func(string, int) (bool, bool)) (func() any, []string) {
				s := odootest.New(odootest.Options{Password: odooSecret})
				t.Cleanup(s.Close)
				var writes, deletes atomic.Int64
				s.Inject(func(c odootest.Call) odootest.Failure {
					kind, n := "write", 0
					switch c.ORM {
					case "load":
						n = int(writes.Add(1))
					case "unlink":
						kind, n = "delete", int(deletes.Add(1))
					default:
						return odootest.Pass
					}
					now, do := kill(kind, n)
					switch {
					case !now:
						return odootest.Pass
					case do:
						return odootest.DropAfter
					}
					return odootest.DropBefore
				})
				return func() any { return exportertest.OdooState(s) }, []string{"ODOO_URL=" + s.URL, "ODOO_DB=odoo", "ODOO_USER=admin",
					"ODOO_PASSWORD=" + odooSecret, "ODOO_API_KEY="}
			},
		},
	}
}

// child runs the command line in a child process with env added, arms
// the server's kill point at k, and returns whether it was killed.
func child(t *testing.T, env []string, k killPoint, victim *atomic.Pointer[os.Process], args ...string) bool {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "AXIUM2CRM_TEST_AS_CLI=1"), env...)
	if k.log != "" {
		cmd.Env = append(cmd.Env, "AXIUM2CRM_CRASH_AT="+k.log)
	}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	victim.Store(cmd.Process)
	err := cmd.Wait()
	victim.Store(nil)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
	}
	require.NoError(t, err, "the child ended without being killed at %s:\n%s", k, out.String())
	return false
}

// finish runs a command in-process until it succeeds, as a user would
// after a crash: push --resume (or push when the crash came before the run
// was logged), rollback again.
func finish(t *testing.T, args ...string) {
	t.Helper()
	r := cli(t, "", args...)
	if r.code != 0 && args[0] == "push" && strings.Contains(r.stderr, "no unfinished run to resume") {
		r = cli(t, "", args[:len(args)-1]...)
	}
	require.Equal(t, 0, r.code, "%v: %s", args, r.stderr)
}

func killPoints() []killPoint {
	points := []killPoint{
		{server: "write-before", n: 1},
		{server: "write-after", n: 2},
		{server: "write-after", n: 5},
		{log: "log-before:3"},
		{log: "log-after:6"},
	}
	seed, _ := strconv.ParseUint(os.Getenv("AXIUM2CRM_KILL_SEED"), 10, 64)
	runs, _ := strconv.Atoi(os.Getenv("AXIUM2CRM_KILL_RUNS"))
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for i := 0; i < runs; i++ {
		switch rng.IntN(4) {
		case 0:
			points = append(points, killPoint{server: "write-before", n: 1 + rng.IntN(8)})
		case 1:
			points = append(points, killPoint{server: "write-after", n: 1 + rng.IntN(8)})
		case 2:
			points = append(points, killPoint{log: fmt.Sprintf("log-before:%d", 1+rng.IntN(12))})
		default:
			points = append(points, killPoint{log: fmt.Sprintf("log-after:%d", 1+rng.IntN(12))})
		}
	}
	return points
}

func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the command line as child processes")
	}
	for _, target := range crashTargets() {
		t.Run(target.name, func(t *testing.T) {
			// The end state of an uninterrupted push.
			var victim atomic.Pointer[os.Process]
			var point killPoint
			var mu sync.Mutex
			armed := false
			kill := func(kind string, n int) (bool, bool) {
				mu.Lock()
				defer mu.Unlock()
				if !armed || point.log != "" {
					return false, false
				}
				want, mode, _ := strings.Cut(point.server, "-")
				if want != kind || n != point.n {
					return false, false
				}
				if p := victim.Load(); p != nil {
					_ = p.Kill()
				}
				armed = false
				return true, mode == "after"
			}
			arm := func(k killPoint) {
				mu.Lock()
				point, armed = k, k.log == ""
				mu.Unlock()
			}
			refState, refEnv := target.start(t, kill)
			ref := target.project(t)
			for _, e := range refEnv {
				k, v, _ := strings.Cut(e, "=")
				t.Setenv(k, v)
			}
			finish(t, "push", target.name, "--project", ref)
			want := refState()
			require.NotEmpty(t, nonEmpty(want))
			if m, ok := want.(map[string]map[string]any); ok {
				for k := range m {
					require.False(t, strings.HasPrefix(k, "ir.config_parameter "), "the push left the setting %s changed", k)
				}
			}

			t.Run("push killed, rolled back without a resume", func(t *testing.T) {
				state, env := target.start(t, kill)
				for _, e := range env {
					k, v, _ := strings.Cut(e, "=")
					t.Setenv(k, v)
				}
				dir := target.project(t)
				k := killPoint{server: "write-after", n: 3}
				arm(k)
				require.True(t, child(t, env, k, &victim, "push", target.name, "--project", dir), "killed at %s", k)
				finish(t, "rollback", target.name, "--push", strconv.FormatInt(firstPush(t, dir), 10), "--project", dir)
				assert.Empty(t, nonEmpty(state()), "the rollback undid the writes whose answers the kill lost")
				finish(t, "push", target.name, "--project", dir)
				assert.Equal(t, want, state(), "a new push after the rollback starts afresh")
			})

			for _, k := range killPoints() {
				t.Run("push killed at "+k.String(), func(t *testing.T) {
					state, env := target.start(t, kill)
					for _, e := range env {
						k, v, _ := strings.Cut(e, "=")
						t.Setenv(k, v)
					}
					dir := target.project(t)
					arm(k)
					killed := child(t, env, k, &victim, "push", target.name, "--project", dir)
					require.True(t, killed, "the child reached the kill point %s", k)
					finish(t, "push", target.name, "--project", dir, "--resume")
					assert.Equal(t, want, state(), "nothing lost, nothing doubled")

					r := cli(t, "", "push", target.name, "--project", dir, "--json")
					require.Equal(t, 0, r.code, r.stderr)
					assert.Equal(t, want, state(), "a push after the resume changes nothing")

					// Roll back, killed at the first delete once the
					// write was done, then again: the destination is empty.
					runID := firstPush(t, dir)
					arm(killPoint{server: "delete-after", n: 1})
					killed = child(t, env, killPoint{server: "delete-after", n: 1}, &victim, "rollback", target.name, "--push", strconv.FormatInt(runID, 10), "--project", dir)
					require.True(t, killed, "the rollback reached its first delete")
					finish(t, "rollback", target.name, "--push", strconv.FormatInt(runID, 10), "--project", dir)
					assert.Empty(t, nonEmpty(state()), "the rollback left nothing of the push")
				})
			}
		})
	}
}

// firstPush is the project's first push run.
func firstPush(t *testing.T, dir string) int64 {
	t.Helper()
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(dir, warehouse.FileName)})
	require.NoError(t, err)
	defer wh.Close()
	var id int64
	require.NoError(t, wh.DB().QueryRow("SELECT min(run_id) FROM meta.push_run WHERE mode = 'push'").Scan(&id))
	return id
}

// nonEmpty drops empty maps from a state, so an emptied destination
// compares as empty whatever objects it lists.
func nonEmpty(state any) map[string]any {
	out := map[string]any{}
	switch s := state.(type) {
	case map[string]map[string]map[string]any:
		for k, v := range s {
			if len(v) > 0 {
				out[k] = v
			}
		}
	case map[string]map[string]any:
		for k, v := range s {
			out[k] = v
		}
	}
	return out
}
