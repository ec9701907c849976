package odoo

import (
	"context"
	"crypto/tls"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/exportertest"
)

// TestClientURLRules: Dial refuses a URL with credentials and plain http
// off loopback (unless Insecure) before any call; exporters.ServerURL
// holds the rules, tested in full there.
func TestClientURLRules(t *testing.T) {
	var calls atomic.Int64
	s, _ := wireServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = w.Write(xmlOK(2))
	})
	port := s.URL[len("http://127.0.0.1"):]
	cases := []struct {
		url      string
		insecure bool
		err      error
	}{
		{s.URL, false, nil},
		{"http://localhost" + port, false, nil},
		{"http://crm.example.edu", false, exporters.ErrPlainHTTP},
		{"https://admin:" + secret + "@crm.example.edu", false, exporters.ErrURLCredentials},
		{"https://admin:" + secret + "@crm.example.edu", true, exporters.ErrURLCredentials},
		{"http://admin:" + secret + "@127.0.0.1" + port, false, exporters.ErrURLCredentials},
	}
	for _, tc := range cases {
		for _, proto := range []string{"xmlrpc", "jsonrpc"} {
			cfg := Config{URL: tc.url, DB: "db", User: "admin", Password: secret, Protocol: proto, Insecure: tc.insecure, Retries: -1}
			_, err := NewCaller(cfg)
			if tc.err == nil {
				assert.NoError(t, err, tc.url)
				continue
			}
			require.ErrorIs(t, err, tc.err, tc.url)
			assert.NotContains(t, err.Error(), secret)
			before := calls.Load()
			_, err = Dial(context.Background(), cfg)
			require.ErrorIs(t, err, tc.err, tc.url)
			assert.NotContains(t, err.Error(), secret)
			assert.Equal(t, before, calls.Load(), "refused before any call")
		}
	}
	c, err := Dial(context.Background(), Config{URL: s.URL, DB: "db", User: "admin", Password: secret})
	require.NoError(t, err, "loopback over http")
	assert.Equal(t, int64(2), c.UID())
	_, err = NewCaller(Config{URL: "http://crm.example.edu", Insecure: true})
	assert.NoError(t, err)
	_, err = NewCaller(Config{URL: "https://crm.example.edu",
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}})
	require.ErrorIs(t, err, exporters.ErrSkipVerify)
}

// TestClientVerifiesCertificates: a server whose certificate no known
// authority signed is refused, also with Insecure, and never hears the
// password.
func TestClientVerifiesCertificates(t *testing.T) {
	url, heard := exportertest.UntrustedTLS(t)
	for _, insecure := range []bool{false, true} {
		_, err := Dial(context.Background(), Config{URL: url, DB: "db", User: "admin", Password: secret, Insecure: insecure, Retries: -1})
		var te *TransportError
		require.ErrorAs(t, err, &te)
		assert.Contains(t, err.Error(), "certificate")
	}
	assert.False(t, heard())
}
