package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/odoo"
)

// TestKill9RealOdoo is TestKill9 against the real Odoo ODOO_URL names
// (ODOO_DB, ODOO_USER, ODOO_PASSWORD: use a fresh copy of a database).
// The child talks to Odoo through a proxy in this test that reads each
// call's ORM method, and kills the child at the nth record write (load,
// create, write) or delete (unlink): before forwarding it, or once Odoo
// answered it (the write committed, its answer lost). Every case runs in
// the same database, which each rollback returns to what it held before:
// the end state is compared by external ids (one record per row of the
// project's tables, none missing, none doubled) and by each model's record
// count (the uninterrupted push's after a resume, the count before the
// push after a rollback); `verify odoo` must find every record as pushed.
func TestKill9RealOdoo(t *testing.T) {
	upstream := os.Getenv("ODOO_URL")
	if upstream == "" {
		t.Skip("ODOO_URL not set")
	}
	c, err := odoo.Dial(context.Background(), odoo.Config{URL: upstream, DB: os.Getenv("ODOO_DB"), User: os.Getenv("ODOO_USER"),
		Password: os.Getenv("ODOO_PASSWORD")})
	require.NoError(t, err)

	var victim atomic.Pointer[os.Process]
	var mu sync.Mutex
	var point killPoint
	armed := false
	var writes, deletes int
	arm := func(k killPoint) {
		mu.Lock()
		point, armed, writes, deletes = k, k.log == "", 0, 0
		mu.Unlock()
	}
	// decide counts a call and says whether to kill the child at it, and
	// whether Odoo still gets the call first.
	decide := func(method string) (now, forward bool) {
		mu.Lock()
		defer mu.Unlock()
		kind, n := "", 0
		switch method {
		case "load", "create", "write":
			writes++
			kind, n = "write", writes
		case "unlink":
			deletes++
			kind, n = "delete", deletes
		default:
			return false, true
		}
		want, mode, _ := strings.Cut(point.server, "-")
		if !armed || want != kind || n != point.n {
			return false, true
		}
		armed = false
		return true, mode == "after"
	}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		now, forward := decide(ormMethod(body))
		var res *http.Response
		if forward {
			req, err := http.NewRequestWithContext(r.Context(), r.Method, upstream+r.URL.RequestURI(), bytes.NewReader(body))
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			req.Header = r.Header.Clone()
			if res, err = http.DefaultClient.Do(req); err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			defer res.Body.Close()
		}
		if now {
			if res != nil {
				_, _ = io.Copy(io.Discard, res.Body) // the write is done
			}
			if p := victim.Load(); p != nil {
				_ = p.Kill()
			}
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					_ = conn.Close()
				}
			}
			return
		}
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.StatusCode)
		_, _ = io.Copy(w, res.Body)
	}))
	t.Cleanup(proxy.Close)
	env := []string{"ODOO_URL=" + proxy.URL, "ODOO_DB=" + os.Getenv("ODOO_DB"), "ODOO_USER=" + os.Getenv("ODOO_USER"),
		"ODOO_PASSWORD=" + os.Getenv("ODOO_PASSWORD"), "ODOO_API_KEY="}
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		t.Setenv(k, v)
	}
	project := func(t *testing.T) string {
		dir := newOdooProject(t, 16)
		r := cli(t, "", "map", "odoo", "--confirm", "--by", "test", "--project", dir)
		require.Equal(t, 0, r.code, r.stderr)
		return dir
	}
	require.Empty(t, realXIDs(t, c), "ODOO_DB holds records under the migration's external ids: use a fresh copy")
	// The push pauses lead scoring while it writes: every end state has
	// its start date as it was.
	scoring := plsStartDate(t, c)
	require.NotEmpty(t, scoring)

	// The uninterrupted push and its rollback: what a push leaves, and the
	// counts every rollback must bring back.
	ref := project(t)
	finish(t, "push", "odoo", "--project", ref)
	want := realXIDs(t, c)
	require.NotEmpty(t, want)
	// Odoo makes records of its own beside the pushed ones (a move's
	// receivable line, a user's partner): the counts after a push are
	// those the uninterrupted push left.
	after := map[string]int{}
	for m := range want {
		after[m] = modelCount(t, c, m)
	}
	finish(t, "rollback", "odoo", "--push", strconv.FormatInt(firstPush(t, ref), 10), "--project", ref)
	require.Empty(t, realXIDs(t, c), "the reference rollback")
	before := map[string]int{}
	for m := range want {
		before[m] = modelCount(t, c, m)
	}

	for _, k := range killPoints() {
		t.Run("push killed at "+k.String(), func(t *testing.T) {
			dir := project(t)
			arm(k)
			require.True(t, child(t, env, k, &victim, "push", "odoo", "--project", dir), "the child reached the kill point %s", k)
			finish(t, "push", "odoo", "--project", dir, "--resume")
			assert.Equal(t, want, realXIDs(t, c), "one record per row: nothing lost, nothing doubled")
			assert.Equal(t, scoring, plsStartDate(t, c), "lead scoring set back by the resume")
			for m, n := range after {
				assert.Equal(t, n, modelCount(t, c, m), "%s: as many records as the uninterrupted push left", m)
			}
			r := cli(t, "", "verify", "odoo", "--project", dir)
			assert.Equal(t, 0, r.code, "verify finds every record as pushed: %s%s", r.stdout, r.stderr)

			r = cli(t, "", "push", "odoo", "--project", dir, "--json")
			require.Equal(t, 0, r.code, r.stderr)
			var rep struct {
				Tables []struct {
					Table            string
					Created, Updated int
				} `json:"tables"`
			}
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
			for _, tb := range rep.Tables {
				assert.Zero(t, tb.Created+tb.Updated, "%s: a push after the resume changes nothing", tb.Table)
			}

			runID := strconv.FormatInt(firstPush(t, dir), 10)
			del := killPoint{server: "delete-after", n: 1}
			arm(del)
			require.True(t, child(t, env, del, &victim, "rollback", "odoo", "--push", runID, "--project", dir), "the rollback reached its first delete")
			finish(t, "rollback", "odoo", "--push", runID, "--project", dir)
			assert.Empty(t, realXIDs(t, c), "the rollback left nothing of the push")
			assert.Equal(t, scoring, plsStartDate(t, c), "lead scoring as before the push")
			for m, n := range before {
				assert.Equal(t, n, modelCount(t, c, m), "%s: as many records as before the push", m)
			}
		})
	}
}

var (
	xmlParam  = regexp.MustCompile(`(?s)<param>\s*<value>\s*(?:<(?:string|int|i4)>)?(.*?)(?:</(?:string|int|i4)>)?\s*</value>\s*</param>`)
	xmlMethod = regexp.MustCompile(`<methodName>\s*execute_kw\s*</methodName>`)
)

// ormMethod is the ORM method an execute_kw call names (its fifth
// argument), over XML-RPC or JSON-RPC; "" for any other call.
func ormMethod(body []byte) string {
	if xmlMethod.Match(body) {
		if ps := xmlParam.FindAllSubmatch(body, 5); len(ps) == 5 {
			return string(ps[4][1])
		}
		return ""
	}
	var rpc struct {
		Params struct {
			Method string `json:"method"`
			Args   []any  `json:"args"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &rpc) != nil || rpc.Params.Method != "execute_kw" || len(rpc.Params.Args) < 5 {
		return ""
	}
	s, _ := rpc.Params.Args[4].(string)
	return s
}

// realXIDs counts the migration's external ids per model (module axium),
// leaving out those Odoo makes for a delegated parent (a user's partner, a
// payment's move, a product's template).
func realXIDs(t *testing.T, c *odoo.Client) map[string]int {
	t.Helper()
	v, err := c.Execute(context.Background(), "ir.model.data", "search_read", []any{[]any{[]any{"module", "=", "axium"}}},
		map[string]any{"fields": []any{"name", "model"}})
	require.NoError(t, err)
	out := map[string]int{}
	for _, r := range v.([]any) {
		m := r.(map[string]any)
		name := m["name"].(string)
		if strings.HasSuffix(name, "_product_template") || strings.HasSuffix(name, "_account_move") || strings.HasSuffix(name, "_res_partner") {
			continue
		}
		out[m["model"].(string)]++
	}
	return out
}

// modelCount counts a model's records, archived ones included.
func modelCount(t *testing.T, c *odoo.Client, model string) int {
	t.Helper()
	v, err := c.Execute(context.Background(), model, "search_count", []any{[]any{}},
		map[string]any{"context": map[string]any{"active_test": false}})
	require.NoError(t, err)
	n, ok := v.(int64)
	if !ok {
		f, _ := v.(float64)
		n = int64(f)
	}
	return int(n)
}

// plsStartDate is the real Odoo's lead scoring start date.
func plsStartDate(t *testing.T, c *odoo.Client) string {
	t.Helper()
	v, err := c.Execute(context.Background(), "ir.config_parameter", "get_param", []any{"crm.pls_start_date"}, nil)
	require.NoError(t, err)
	s, _ := v.(string)
	return s
}
