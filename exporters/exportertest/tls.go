package exportertest

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// UntrustedTLS starts an https server whose certificate no known
// authority signed, for a test that a client refuses it (with Insecure
// too: that allows plain http, never an unverified certificate). heard
// says whether any request reached it. It is closed when the test ends.
func UntrustedTLS(t testing.TB) (url string, heard func() bool) {
	var h atomic.Bool
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.Store(true) }))
	// The refused handshakes would be logged to stderr.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL, h.Load
}
