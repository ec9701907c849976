package odoo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/odoo/internal/xmlrpc"
)

const secret = "s3cret-api-key-0123456789"

// wireServer answers every call with the canned body the handler picks:
// these tests pin the client's reading of Odoo's answers; the contract
// itself is enforced by odootest.
func wireServer(t *testing.T, h func(n int64, w http.ResponseWriter, r *http.Request)) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(n.Add(1), w, r)
	}))
	t.Cleanup(s.Close)
	return s, &n
}

func xmlFault(code int, msg string) []byte { return xmlrpc.EncodeFault(code, msg) }

func xmlOK(v any) []byte {
	b, err := xmlrpc.EncodeResponse(v)
	if err != nil {
		panic(err)
	}
	return b
}

func TestFaultCodesMapToKinds(t *testing.T) {
	cases := []struct {
		code int
		msg  string
		kind error
		want string
	}{
		{1, "Traceback (most recent call last):\n  File \"x.py\"\nValueError: Invalid field 'x_nope' on model 'res.partner'\n", ErrServer, "Invalid field 'x_nope'"},
		{2, "The operation cannot be completed: a mandatory field is not set.", ErrValidation, "mandatory field"},
		{3, "Access Denied", ErrAccessDenied, "Access Denied"},
		{4, "You are not allowed to create 'Contact' (res.partner) records.", ErrAccess, "not allowed"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.code), func(t *testing.T) {
			s, _ := wireServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					_, _ = w.Write(xmlOK(2))
					return
				}
				_, _ = w.Write(xmlFault(tc.code, tc.msg))
			})
			c, err := Dial(context.Background(), Config{URL: s.URL, DB: "db", User: "admin", Password: secret})
			require.NoError(t, err)
			_, err = c.Execute(context.Background(), "res.partner", "create", []any{[]any{map[string]any{}}}, nil)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.kind)
			for _, other := range []error{ErrServer, ErrValidation, ErrAccessDenied, ErrAccess} {
				if other != tc.kind {
					assert.NotErrorIs(t, err, other)
				}
			}
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), "res.partner.create")
		})
	}
}

func TestJSONRPCErrorsMapByName(t *testing.T) {
	cases := []struct {
		name string
		kind error
	}{
		{"odoo.exceptions.ValidationError", ErrValidation},
		{"odoo.exceptions.UserError", ErrValidation},
		{"odoo.exceptions.AccessDenied", ErrAccessDenied},
		{"odoo.exceptions.AccessError", ErrAccess},
		{"builtins.ValueError", ErrServer},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := wireServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":2}`)
					return
				}
				_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": 2, "error": map[string]any{
					"code": 200, "message": "Odoo Server Error",
					"data": map[string]any{"name": tc.name, "message": "bad thing", "debug": "Traceback ..."}}})
			})
			c, err := Dial(context.Background(), Config{URL: s.URL, DB: "db", User: "admin", Password: secret, Protocol: "jsonrpc"})
			require.NoError(t, err)
			_, err = c.Execute(context.Background(), "res.partner", "write", []any{[]any{1}, map[string]any{}}, nil)
			assert.ErrorIs(t, err, tc.kind)
			assert.Contains(t, err.Error(), "bad thing")
		})
	}
}

func TestAuthenticateFalseIsAnError(t *testing.T) {
	for _, proto := range []string{"xmlrpc", "jsonrpc"} {
		t.Run(proto, func(t *testing.T) {
			s, _ := wireServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
				if proto == "jsonrpc" {
					_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":false}`)
					return
				}
				_, _ = w.Write(xmlOK(false))
			})
			_, err := Dial(context.Background(), Config{URL: s.URL, DB: "db", User: "admin", Password: secret, Protocol: proto})
			assert.ErrorIs(t, err, ErrAuthentication)
			assert.NotContains(t, err.Error(), secret)
		})
	}
}

func TestRetriesTransportErrorsOnly(t *testing.T) {
	cases := []struct {
		name      string
		method    string
		fail      func(w http.ResponseWriter)
		wantCalls int64
		wantErr   error
	}{
		{"502 then ok on a read", "search_read", func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) }, 3, nil},
		{"dropped connection then ok on a read", "search_read", hijackClose, 3, nil},
		{"validation error is never retried", "create", func(w http.ResponseWriter) { _, _ = w.Write(xmlFault(2, "no")) }, 2, ErrValidation},
		{"a create whose request was sent is not retried", "create", hijackClose, 2, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, calls := wireServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
				switch n {
				case 1:
					_, _ = w.Write(xmlOK(2))
				case 2:
					tc.fail(w)
				default:
					_, _ = w.Write(xmlOK([]any{}))
				}
			})
			c, err := Dial(context.Background(), Config{URL: s.URL, DB: "db", User: "admin", Password: secret, Backoff: time.Millisecond})
			require.NoError(t, err)
			_, err = c.Execute(context.Background(), "res.partner", tc.method, []any{[]any{}}, nil)
			assert.Equal(t, tc.wantCalls, calls.Load())
			switch {
			case tc.wantErr != nil:
				assert.ErrorIs(t, err, tc.wantErr)
			case tc.wantCalls == 2:
				var te *TransportError
				assert.ErrorAs(t, err, &te)
			default:
				assert.NoError(t, err)
			}
		})
	}
}

func hijackClose(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	// A server that echoes the request back inside its fault, the worst case.
	s, _ := wireServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if n == 1 {
			_, _ = w.Write(xmlOK(2))
			return
		}
		if n == 2 {
			_, _ = w.Write(xmlFault(1, "Traceback\nValueError: "+string(b)))
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write(b)
	})
	cfg := Config{URL: s.URL, DB: "db", User: "admin", Password: secret, Retries: -1}
	c, err := Dial(context.Background(), cfg)
	require.NoError(t, err)
	_, err = c.Execute(context.Background(), "res.partner", "read", []any{[]any{1}}, nil)
	require.Error(t, err)
	var f *Fault
	require.ErrorAs(t, err, &f)
	assert.NotContains(t, err.Error(), secret)
	assert.NotContains(t, f.Debug, secret)
	assert.Contains(t, f.Debug, "***", "the echo was scrubbed, not lost")
	_, err = c.Execute(context.Background(), "res.partner", "read", []any{[]any{1}}, nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secret)
	for _, s := range []string{cfg.String(), fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg)} {
		assert.NotContains(t, s, secret)
	}
	_, err = Dial(context.Background(), Config{URL: "http://admin:" + secret + "@127.0.0.1:1", Password: secret, Retries: -1})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secret)
}

func TestDialErrorsAreRetriedEvenForCreate(t *testing.T) {
	_, err := Dial(context.Background(), Config{URL: "http://127.0.0.1:1", Password: secret, Retries: 2, Backoff: time.Millisecond})
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.False(t, te.Sent)
	assert.True(t, strings.Contains(err.Error(), "connect"), err.Error())
	assert.False(t, errors.Is(err, ErrValidation))
}
