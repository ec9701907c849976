package twenty

import (
	"context"
	"crypto/tls"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/exportertest"
)

// TestClientURLRules: the client refuses a URL with credentials and plain
// http off loopback (unless Insecure) before any call; exporters.ServerURL
// holds the rules, tested in full there.
func TestClientURLRules(t *testing.T) {
	cases := []struct {
		url      string
		insecure bool
		err      error
	}{
		{"https://crm.example.edu", false, nil},
		{"http://127.0.0.1:3000", false, nil},
		{"http://localhost:3000/", false, nil},
		{"http://crm.example.edu", false, exporters.ErrPlainHTTP},
		{"http://crm.example.edu", true, nil},
		{"https://user:" + secretKey + "@crm.example.edu", false, exporters.ErrURLCredentials},
		{"http://user:" + secretKey + "@127.0.0.1:3000", true, exporters.ErrURLCredentials},
	}
	for _, tc := range cases {
		_, err := NewClient(Config{BaseURL: tc.url, APIKey: secretKey, Insecure: tc.insecure})
		if tc.err == nil {
			assert.NoError(t, err, tc.url)
			continue
		}
		require.ErrorIs(t, err, tc.err, tc.url)
		assert.NotContains(t, err.Error(), secretKey)
	}
	_, err := NewClient(Config{BaseURL: "https://crm.example.edu", APIKey: secretKey,
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}})
	require.ErrorIs(t, err, exporters.ErrSkipVerify)
}

// TestClientVerifiesCertificates: a server whose certificate no known
// authority signed is refused, also with Insecure, and hears no key.
func TestClientVerifiesCertificates(t *testing.T) {
	url, heard := exportertest.UntrustedTLS(t)
	for _, insecure := range []bool{false, true} {
		c, err := NewClient(Config{BaseURL: url, APIKey: secretKey, Insecure: insecure, MaxRetries: 1, RetryBase: time.Millisecond})
		require.NoError(t, err)
		_, err = c.Objects(context.Background())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "certificate")
	}
	assert.False(t, heard())
}
