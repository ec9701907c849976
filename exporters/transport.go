package exporters

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// The transport rules every CRM client applies to its server before any
// call (test with errors.Is).
var (
	// ErrServerURL: the address is not an http(s)://host[:port] URL.
	ErrServerURL = errors.New("not an http(s)://host[:port] URL")
	// ErrURLCredentials: the server URL carries a user or password. It
	// would be recorded as the push target and printed; credentials reach
	// a client through its config only.
	ErrURLCredentials = errors.New("the server URL must not carry a user or password (user:password@); give them through the environment")
	// ErrPlainHTTP: plain http to a host that is not this machine, without
	// the insecure option; the password or API key would travel in clear.
	ErrPlainHTTP = errors.New("plain http sends the password or API key in clear: use https, or --insecure to accept that")
	// ErrSkipVerify: an HTTP client that does not verify certificates.
	ErrSkipVerify = errors.New("the HTTP client skips certificate verification")
)

// ServerURL checks a CRM server's address: an http or https URL with a
// host, without credentials, and https unless the host is loopback
// (127.0.0.0/8, ::1, localhost) or insecure is set. Errors never repeat
// the password.
func ServerURL(raw string, insecure bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if (err == nil && u.User != nil) || (err != nil && RedactURL(raw) != raw) {
		return nil, fmt.Errorf("server URL %s: %w", RedactURL(raw), ErrURLCredentials)
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// url.Parse's error would repeat the URL: not shown.
		return nil, fmt.Errorf("server URL %q: %w", RedactURL(raw), ErrServerURL)
	}
	if u.Scheme == "http" && !insecure && !Loopback(u.Hostname()) {
		return nil, fmt.Errorf("server URL %s: %w", u.Redacted(), ErrPlainHTTP)
	}
	return u, nil
}

// ClearText says whether a call to u sends its credentials readable by
// the network between here and the server: plain http to a host that is
// not this machine (allowed only with insecure).
func ClearText(u *url.URL) bool {
	return u.Scheme == "http" && !Loopback(u.Hostname())
}

// Loopback says whether host is this machine: localhost, 127.0.0.0/8 or
// ::1. Other names are not resolved: what they point at can change.
func Loopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// RedactURL is raw with everything between its scheme and its last @
// (a user and password) replaced by ***. It works on the text, and
// errs on the side of hiding: a password may hold an unescaped / or @,
// and a URL that does not parse is redacted too.
func RedactURL(raw string) string {
	scheme, rest := "", raw
	if i := strings.Index(raw, "://"); i >= 0 {
		scheme, rest = raw[:i+3], raw[i+3:]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		return scheme + "***@" + rest[i+1:]
	}
	return raw
}

// HTTPClient is the client a CRM client sends with: hc (nil: a new one
// with the default transport, which verifies certificates), refused when
// its transport skips certificate verification, and copied so that a
// redirect is followed only to an address ServerURL accepts.
func HTTPClient(hc *http.Client, insecure bool) (*http.Client, error) {
	if hc == nil {
		hc = &http.Client{}
	}
	var tc *tls.Config
	switch t := hc.Transport.(type) {
	case nil:
		tc = http.DefaultTransport.(*http.Transport).TLSClientConfig
	case *http.Transport:
		tc = t.TLSClientConfig
	}
	if tc != nil && tc.InsecureSkipVerify {
		return nil, ErrSkipVerify
	}
	c := *hc
	next := hc.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if _, err := ServerURL(req.URL.String(), insecure); err != nil {
			return fmt.Errorf("redirected: %w", err)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &c, nil
}
