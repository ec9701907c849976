package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

// offLoopback serves target on an address of this machine that is not
// loopback, counting the requests; the CRM clients treat it like any
// other host (https or --insecure). Skips when the machine has none.
func offLoopback(t *testing.T, target string) (string, *atomic.Int64) {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	require.NoError(t, err)
	var ip net.IP
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			ip = n.IP
			break
		}
	}
	if ip == nil {
		t.Skip("no network address other than loopback")
	}
	l, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	require.NoError(t, err)
	to, err := url.Parse(target)
	require.NoError(t, err)
	var hits atomic.Int64
	proxy := httputil.NewSingleHostReverseProxy(to)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		proxy.ServeHTTP(w, r)
	}))
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL, &hits
}

// pushRuns counts meta.push_run rows, and those that mention s.
func pushRuns(t *testing.T, dir, s string) (all, with int) {
	t.Helper()
	wh, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(dir, warehouse.FileName)})
	require.NoError(t, err)
	defer wh.Close()
	require.NoError(t, wh.DB().QueryRow("SELECT count(*), count(*) FILTER (contains(CAST(r AS VARCHAR), ?)) FROM meta.push_run r", s).Scan(&all, &with))
	return all, with
}

// TestTransportRules: both CRMs refuse a server URL that carries
// credentials (without repeating the password) and plain http to a host
// that is not this machine unless --insecure, before any call; with
// --insecure every command that reaches the CRM says so on stderr.
func TestTransportRules(t *testing.T) {
	odooDir := newOdooProject(t, 4)
	odooSrv := odooEnv(t)
	twentyDir := newTwentyProject(t, 4)
	twentySrv := twentytest.New(t, twentytest.Options{APIKey: cliSecret, RateLimit: -1})
	t.Setenv("TWENTY_API_KEY", cliSecret)
	for _, c := range []struct {
		crm, env, dir, loopback, title string
	}{
		{"odoo", "ODOO_URL", odooDir, odooSrv.URL, "Odoo password or API key"},
		{"twenty", "TWENTY_URL", twentyDir, twentySrv.URL, "Twenty API key"},
	} {
		commands := [][]string{{"push", c.crm, "--dry-run"}, {"verify", c.crm}, {"rollback", c.crm, "--push", "1"}}
		t.Run(c.crm+" URL with credentials", func(t *testing.T) {
			for _, u := range []string{"https://u:secret@example.com", "http://u:secret@127.0.0.1:1", "https://u:secr%zzet@example.com"} {
				t.Setenv(c.env, u)
				for _, args := range commands {
					r := cli(t, "", append(args, "--project", c.dir)...)
					assert.Equal(t, exitUsage, r.code, "%s %v: %s", u, args, r.stderr)
					assert.Contains(t, r.stderr, "must not carry a user or password", u)
					assert.NotContains(t, r.stdout+r.stderr, "secr", u)
				}
			}
			all, _ := pushRuns(t, c.dir, "secr")
			assert.Zero(t, all, "no run was recorded")
		})
		t.Run(c.crm+" plain http off loopback", func(t *testing.T) {
			remote, hits := offLoopback(t, c.loopback)
			t.Setenv(c.env, remote)
			for _, args := range commands {
				r := cli(t, "", append(args, "--project", c.dir)...)
				assert.Equal(t, exitUsage, r.code, "%v: %s", args, r.stderr)
				assert.Contains(t, r.stderr, "use https, or --insecure")
			}
			assert.Zero(t, hits.Load(), "refused before any call")

			// --insecure: allowed, and said on every run.
			host := remote[len("http://"):]
			for _, args := range commands {
				r := cli(t, "", append(args, "--insecure", "--project", c.dir)...)
				assert.Contains(t, r.stderr, "warning: --insecure: plain http to "+host+": the "+c.title+" travels in clear", args)
			}
			assert.Positive(t, hits.Load())
			r := cli(t, "", "push", c.crm, "--dry-run", "--insecure", "--project", c.dir)
			assert.Equal(t, 0, r.code, r.stderr)
		})
		t.Run(c.crm+" plain http on loopback", func(t *testing.T) {
			t.Setenv(c.env, c.loopback)
			r := cli(t, "", "push", c.crm, "--dry-run", "--project", c.dir)
			assert.Equal(t, 0, r.code, r.stderr)
			assert.NotContains(t, r.stderr, "warning")
		})
	}
}
