package exporters_test

import (
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters"
)

const pw = "pw-DO-NOT-ECHO-51f0"

func TestServerURL(t *testing.T) {
	cases := []struct {
		name     string
		url      string
		insecure bool
		err      error // nil: accepted
		bad      bool  // refused as malformed
	}{
		{"https anywhere", "https://crm.example.edu", false, nil, false},
		{"https with port and path", "https://crm.example.edu:8443/odoo", false, nil, false},
		{"http to another host", "http://crm.example.edu", false, exporters.ErrPlainHTTP, false},
		{"http to another host with --insecure", "http://crm.example.edu", true, nil, false},
		{"http to an address on the LAN", "http://10.0.0.7:8069", false, exporters.ErrPlainHTTP, false},
		{"http to 127.0.0.1", "http://127.0.0.1:8069", false, nil, false},
		{"http to 127.0.0.0/8", "http://127.4.5.6:3000", false, nil, false},
		{"http to ::1", "http://[::1]:3000", false, nil, false},
		{"http to localhost", "http://localhost:3000", false, nil, false},
		{"http to LOCALHOST", "http://LOCALHOST", false, nil, false},
		{"a name that only starts like localhost", "http://localhost.example.com", false, exporters.ErrPlainHTTP, false},
		{"a name that only starts like 127", "http://127.0.0.1.nip.io", false, exporters.ErrPlainHTTP, false},
		{"credentials over https", "https://admin:" + pw + "@crm.example.edu", false, exporters.ErrURLCredentials, false},
		{"credentials even with --insecure", "http://admin:" + pw + "@crm.example.edu", true, exporters.ErrURLCredentials, false},
		{"credentials to loopback", "http://admin:" + pw + "@127.0.0.1:8069", false, exporters.ErrURLCredentials, false},
		{"a user alone", "https://admin@crm.example.edu", false, exporters.ErrURLCredentials, false},
		{"credentials in a URL that does not parse", "https://admin:" + pw + "%zz@crm.example.edu", false, exporters.ErrURLCredentials, false},
		{"a password with an unescaped slash", "https://admin:DO-NOT-ECHO/1@crm.example.edu", false, exporters.ErrURLCredentials, false},
		{"not http", "ftp://crm.example.edu", false, nil, true},
		{"no host", "https://", false, nil, true},
		{"no scheme", "crm.example.edu", false, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := exporters.ServerURL(tc.url, tc.insecure)
			switch {
			case tc.bad:
				require.ErrorIs(t, err, exporters.ErrServerURL)
			case tc.err != nil:
				require.ErrorIs(t, err, tc.err)
			default:
				require.NoError(t, err)
				assert.Equal(t, tc.url, u.String())
				return
			}
			assert.NotContains(t, err.Error(), pw)
			assert.NotContains(t, err.Error(), "DO-NOT-ECHO")
		})
	}
}

func TestClearText(t *testing.T) {
	for url, want := range map[string]bool{
		"http://crm.example.edu": true, "https://crm.example.edu": false,
		"http://127.0.0.1:8069": false, "http://localhost": false, "http://[::1]": false,
	} {
		u, err := exporters.ServerURL(url, true)
		require.NoError(t, err)
		assert.Equal(t, want, exporters.ClearText(u), url)
	}
}

func TestHTTPClient(t *testing.T) {
	t.Run("a client that skips verification is refused", func(t *testing.T) {
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		_, err := exporters.HTTPClient(hc, true)
		require.ErrorIs(t, err, exporters.ErrSkipVerify)
	})
	t.Run("certificates are verified, also with --insecure", func(t *testing.T) {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
		srv.StartTLS()
		defer srv.Close()
		for _, insecure := range []bool{false, true} {
			hc, err := exporters.HTTPClient(nil, insecure)
			require.NoError(t, err)
			_, err = hc.Get(srv.URL)
			require.Error(t, err, "a self-signed certificate is refused")
			assert.Contains(t, err.Error(), "certificate")
		}
	})
	t.Run("no redirect to plain http off loopback, nor to credentials", func(t *testing.T) {
		var to string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/ok" {
				return
			}
			http.Redirect(w, r, to, http.StatusTemporaryRedirect)
		}))
		defer srv.Close()
		hc, err := exporters.HTTPClient(&http.Client{}, false)
		require.NoError(t, err)
		to = "http://crm.example.edu/steal"
		_, err = hc.Post(srv.URL, "text/plain", nil)
		require.ErrorIs(t, err, exporters.ErrPlainHTTP)
		to = "http://admin:" + pw + "@127.0.0.1/"
		_, err = hc.Post(srv.URL, "text/plain", nil)
		require.ErrorIs(t, err, exporters.ErrURLCredentials)
		to = srv.URL + "/ok"
		res, err := hc.Post(srv.URL, "text/plain", nil)
		require.NoError(t, err, "a redirect to loopback is followed")
		require.NoError(t, res.Body.Close())
	})
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://crm.example.edu/x":                     "https://crm.example.edu/x",
		"https://admin:" + pw + "@crm.example.edu/x":    "https://***@crm.example.edu/x",
		"https://admin:p/w@crm.example.edu/x":           "https://***@crm.example.edu/x",
		"https://admin:" + pw + "%zz@crm.example.edu/x": "https://***@crm.example.edu/x",
		"admin:" + pw + "%zz@crm.example.edu":           "***@crm.example.edu",
	} {
		assert.Equal(t, want, exporters.RedactURL(in))
	}
}
