// Package odoo pushes the warehouse's odoo.* tables into an Odoo server over
// XML-RPC (default) or JSON-RPC, and writes them as Odoo import CSVs.
//
// The client speaks the external API of Odoo 17/18: /xmlrpc/2/common and
// /xmlrpc/2/object, or /jsonrpc. Faults become *Fault errors matching
// ErrServer, ErrValidation, ErrAccessDenied or ErrAccess; transport failures
// are retried with backoff, faults never are. The password or API key comes
// only from Config and is scrubbed from every error the client returns.
package odoo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/odoo/internal/xmlrpc"
)

// Config says how to reach and log in to Odoo. Only cmd/ fills it from the
// environment; nothing here reads environment variables.
type Config struct {
	URL  string
	DB   string
	User string
	// Password is the user's password or, preferably, an API key.
	Password string
	// Protocol is "xmlrpc" (default) or "jsonrpc".
	Protocol string
	// HTTPClient defaults to a client with a 5-minute timeout. One that
	// skips certificate verification is refused.
	HTTPClient *http.Client
	// Insecure allows plain http to a host that is not loopback: the
	// password then travels in clear in every call. Without it such a URL
	// is refused (exporters.ServerURL); certificates are verified either
	// way.
	Insecure bool
	// Retries is how many times a transport failure is retried (default 3;
	// negative for none). Backoff is the first wait (default 500ms), doubled
	// each time with jitter.
	Retries int
	Backoff time.Duration
}

// String never shows the password.
func (c Config) String() string {
	return fmt.Sprintf("odoo.Config{URL: %s, DB: %s, User: %s, Protocol: %s}", redactURL(c.URL), c.DB, c.User, c.protocol())
}

// GoString never shows the password either (%#v).
func (c Config) GoString() string { return c.String() }

func (c Config) protocol() string {
	if c.Protocol == "" {
		return "xmlrpc"
	}
	return c.Protocol
}

// Caller is one RPC protocol. Call invokes service.method(args...) and
// returns the decoded result: nil, bool, int64, float64, string, []byte,
// []any or map[string]any. A fault is returned as *Fault; a failure to
// reach the server or read its answer as *TransportError.
type Caller interface {
	Call(ctx context.Context, service, method string, args []any) (any, error)
}

// NewCaller returns the Caller for cfg.Protocol. It refuses a URL that
// carries credentials, and plain http off loopback unless cfg.Insecure.
func NewCaller(cfg Config) (Caller, error) {
	u, err := exporters.ServerURL(strings.TrimRight(cfg.URL, "/"), cfg.Insecure)
	if err != nil {
		return nil, fmt.Errorf("odoo: %w", err)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 5 * time.Minute}
	}
	if hc, err = exporters.HTTPClient(hc, cfg.Insecure); err != nil {
		return nil, fmt.Errorf("odoo: %w", err)
	}
	switch cfg.protocol() {
	case "xmlrpc":
		return &xmlrpcCaller{base: u.String(), http: hc}, nil
	case "jsonrpc":
		return &jsonrpcCaller{url: u.String() + "/jsonrpc", http: hc}, nil
	}
	return nil, fmt.Errorf("odoo protocol %q: use xmlrpc or jsonrpc", cfg.Protocol)
}

type xmlrpcCaller struct {
	base string
	http *http.Client
}

func (x *xmlrpcCaller) Call(ctx context.Context, service, method string, args []any) (any, error) {
	body, err := xmlrpc.EncodeCall(method, args...)
	if err != nil {
		return nil, err
	}
	var v any
	err = post(ctx, x.http, x.base+"/xmlrpc/2/"+service, "text/xml", body, func(resp []byte) error {
		var err error
		v, err = xmlrpc.DecodeResponseBytes(resp)
		var f *xmlrpc.Fault
		if errors.As(err, &f) {
			return newXMLFault(f.Code, f.String)
		}
		if err != nil {
			return &TransportError{Op: "read answer", Err: err, Sent: true}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

type jsonrpcCaller struct {
	url  string
	http *http.Client
	seq  atomic.Int64
}

func (j *jsonrpcCaller) Call(ctx context.Context, service, method string, args []any) (any, error) {
	req := map[string]any{
		"jsonrpc": "2.0", "method": "call", "id": j.seq.Add(1),
		"params": map[string]any{"service": service, "method": method, "args": nilToFalse(args)},
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	var out struct {
		Result any `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Data    struct {
				Name    string `json:"name"`
				Message string `json:"message"`
				Debug   string `json:"debug"`
			} `json:"data"`
		} `json:"error"`
	}
	err = post(ctx, j.http, j.url, "application/json", body, func(resp []byte) error {
		dec := json.NewDecoder(bytes.NewReader(resp))
		dec.UseNumber()
		if err := dec.Decode(&out); err != nil {
			return &TransportError{Op: "read answer", Err: fmt.Errorf("not a JSON-RPC answer: %w", err), Sent: true}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out.Error != nil {
		msg := out.Error.Data.Message
		if msg == "" {
			msg = out.Error.Message
		}
		return nil, &Fault{Code: codeForName(out.Error.Data.Name), Name: out.Error.Data.Name, Message: msg, Debug: out.Error.Data.Debug}
	}
	return normalizeJSON(out.Result), nil
}

// normalizeJSON gives JSON results the types XML-RPC results have.
func normalizeJSON(v any) any {
	switch v := v.(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, _ := v.Float64()
		return f
	case []any:
		for i := range v {
			v[i] = normalizeJSON(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = normalizeJSON(v[k])
		}
	}
	return v
}

// nilToFalse replaces nil by false: Odoo's empty value on both protocols.
func nilToFalse(v any) any {
	switch t := v.(type) {
	case nil:
		return false
	case []any:
		out := make([]any, len(t))
		for i := range t {
			out[i] = nilToFalse(t[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = nilToFalse(x)
		}
		return out
	}
	return v
}

// post sends body and hands the answer to read, whose error it returns.
// The bytes read is given are valid only during the call (ReadPooled).
func post(ctx context.Context, hc *http.Client, u, ctype string, body []byte, read func([]byte) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", ctype)
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &TransportError{Op: "POST " + redactURL(u), Err: unwrapURLError(err), Sent: !isDialError(err)}
	}
	defer resp.Body.Close()
	err = xmlrpc.ReadPooled(resp.Body, resp.ContentLength, func(b []byte) error {
		if resp.StatusCode == http.StatusTooManyRequests {
			return &TransportError{Op: "POST " + redactURL(u), Err: fmt.Errorf("HTTP %s", resp.Status),
				Throttled: true, RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
		}
		if resp.StatusCode != http.StatusOK {
			return &TransportError{Op: "POST " + redactURL(u), Err: fmt.Errorf("HTTP %s", resp.Status), Sent: true}
		}
		return read(b)
	})
	var rerr *xmlrpc.ReadError
	if errors.As(err, &rerr) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &TransportError{Op: "read answer", Err: rerr.Err, Sent: true}
	}
	return err
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func redactURL(s string) string { return exporters.RedactURL(s) }

// Client is a logged-in connection to one Odoo database.
type Client struct {
	cfg    Config
	caller Caller
	uid    int64
}

// Target is the server and database the client talks to, as the audit
// log records a run's target.
func (c *Client) Target() string { return c.cfg.URL + " db " + c.cfg.DB }

// Dial logs in and returns a client. A wrong login or password is
// ErrAuthentication (Odoo answers False, not a fault).
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	caller, err := NewCaller(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Retries == 0 {
		cfg.Retries = 3
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	c := &Client{cfg: cfg, caller: caller}
	v, err := c.call(ctx, "common", "authenticate", []any{cfg.DB, cfg.User, cfg.Password, map[string]any{}}, true)
	if err != nil {
		return nil, fmt.Errorf("log in to %s as %s: %w", redactURL(cfg.URL), cfg.User, err)
	}
	uid, ok := v.(int64)
	if !ok || uid == 0 {
		return nil, fmt.Errorf("log in to %s database %s as %s: %w", redactURL(cfg.URL), cfg.DB, cfg.User, ErrAuthentication)
	}
	c.uid = uid
	return c, nil
}

// UID is the logged-in user's database id.
func (c *Client) UID() int64 { return c.uid }

// Version is common.version(): server_version, protocol_version, ...
func (c *Client) Version(ctx context.Context) (map[string]any, error) {
	v, err := c.call(ctx, "common", "version", nil, true)
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	return m, nil
}

// nonIdempotent methods are retried only when the request never left.
// load is not among them: this package always loads with an id column,
// and sending the same external ids again updates what the first call
// created.
var nonIdempotent = map[string]bool{"create": true, "copy": true, "message_post": true}

// Execute calls model.method(*args, **kwargs) through execute_kw. A fault
// no record caused (AccessDenied, AccessError, a missing model, a load
// column the model lacks) comes back as a *StopError wrapping the *Fault.
func (c *Client) Execute(ctx context.Context, model, method string, args []any, kwargs map[string]any) (any, error) {
	if args == nil {
		args = []any{}
	}
	if kwargs == nil {
		kwargs = map[string]any{}
	}
	v, err := c.call(ctx, "object", "execute_kw",
		[]any{c.cfg.DB, c.uid, c.cfg.Password, model, method, nilToFalse(args), nilToFalse(kwargs)}, !nonIdempotent[method])
	var f *Fault
	if errors.As(err, &f) {
		f.Model, f.Method = model, method
		// A refused password, missing rights or a missing model: say what
		// to do. The *StopError unwraps to the fault.
		if s := stopFault(f); s != nil {
			return v, s
		}
	}
	return v, err
}

// maxThrottled bounds the 429s one call waits out: a storm of them is
// the server asking to slow down, not failing, so it has its own budget
// beside Retries.
const maxThrottled = 50

func (c *Client) call(ctx context.Context, service, method string, args []any, idempotent bool) (any, error) {
	wait := c.cfg.Backoff
	throttled := 0
	for attempt := 0; ; {
		v, err := c.caller.Call(ctx, service, method, args)
		if err == nil {
			return v, nil
		}
		err = c.scrub(err)
		var te *TransportError
		if !errors.As(err, &te) {
			return nil, err
		}
		var d time.Duration
		if te.Throttled {
			throttled++
			if throttled > maxThrottled {
				return nil, err
			}
			d = te.RetryAfter
			if d <= 0 {
				d = jitter(min(c.cfg.Backoff<<min(throttled-1, 6), 30*time.Second))
			}
		} else {
			if attempt >= c.cfg.Retries || (te.Sent && !idempotent) {
				return nil, err
			}
			attempt++
			d = jitter(wait)
			wait *= 2
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(d):
		}
	}
}

// jitter is a wait in [d/2, d].
func jitter(d time.Duration) time.Duration { return d/2 + rand.N(d/2+1) }

// scrub removes the password from an error's text, wherever it came from.
func (c *Client) scrub(err error) error {
	if err == nil || c.cfg.Password == "" || !strings.Contains(err.Error(), c.cfg.Password) {
		return err
	}
	var f *Fault
	if errors.As(err, &f) {
		g := *f
		g.Message = strings.ReplaceAll(g.Message, c.cfg.Password, "***")
		g.Debug = strings.ReplaceAll(g.Debug, c.cfg.Password, "***")
		return &g
	}
	var te *TransportError
	if errors.As(err, &te) {
		return &TransportError{Op: te.Op, Err: errors.New(strings.ReplaceAll(te.Err.Error(), c.cfg.Password, "***")), Sent: te.Sent,
			Throttled: te.Throttled, RetryAfter: te.RetryAfter}
	}
	return errors.New(strings.ReplaceAll(err.Error(), c.cfg.Password, "***"))
}
