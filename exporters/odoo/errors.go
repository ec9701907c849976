package odoo

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel kinds of Odoo errors. A *Fault matches exactly one of them with
// errors.Is, by its XML-RPC fault code (or, over JSON-RPC, the exception
// class Odoo names in error.data.name).
var (
	// ErrServer is fault code 1: any other exception (unknown method,
	// invalid field, a bug); the fault string is a traceback.
	ErrServer = errors.New("odoo server error")
	// ErrValidation is fault code 2: UserError, ValidationError,
	// MissingError. The data was refused; sending it again will not help.
	ErrValidation = errors.New("odoo refused the data")
	// ErrAccessDenied is fault code 3: wrong login, password or API key.
	ErrAccessDenied = errors.New("odoo access denied")
	// ErrAccess is fault code 4: the user lacks the rights for the call.
	ErrAccess = errors.New("odoo access error")
	// ErrAuthentication is authenticate answering False: the login or
	// password (API key) is wrong. Odoo does not fault for this.
	ErrAuthentication = errors.New("odoo authentication failed: check the login and password or API key")
)

// Fault codes of Odoo's /xmlrpc/2 endpoints.
const (
	FaultServer       = 1
	FaultValidation   = 2
	FaultAccessDenied = 3
	FaultAccess       = 4
)

// Fault is an error Odoo returned for a call.
type Fault struct {
	Code int
	// Name is the exception class when Odoo gave it (JSON-RPC), e.g.
	// odoo.exceptions.ValidationError.
	Name string
	// Message is Odoo's message; for code 1 the last line of the traceback.
	Message string
	// Debug is the full traceback when Odoo sent one.
	Debug string
	// Model and Method name the call that failed.
	Model, Method string
}

func (f *Fault) Error() string {
	kind := f.Name
	if kind == "" {
		kind = faultKind(f.Code).Error()
	}
	where := f.Method
	if f.Model != "" {
		where = f.Model + "." + f.Method
	}
	return fmt.Sprintf("%s: %s: %s", where, kind, f.Message)
}

// Is matches the fault's sentinel kind.
func (f *Fault) Is(target error) bool { return target == faultKind(f.Code) }

func faultKind(code int) error {
	switch code {
	case FaultValidation:
		return ErrValidation
	case FaultAccessDenied:
		return ErrAccessDenied
	case FaultAccess:
		return ErrAccess
	}
	return ErrServer
}

// newXMLFault turns an XML-RPC fault into a *Fault.
func newXMLFault(code int, s string) *Fault {
	f := &Fault{Code: code, Message: strings.TrimSpace(s)}
	if code == FaultServer || code == 0 {
		f.Code = FaultServer
		f.Debug = s
		f.Message = lastLine(s)
	}
	return f
}

// codeForName maps an Odoo exception class to its XML-RPC fault code, as
// odoo/addons/base/controllers/rpc.py does.
func codeForName(name string) int {
	switch name {
	case "odoo.exceptions.AccessError":
		return FaultAccess
	case "odoo.exceptions.AccessDenied":
		return FaultAccessDenied
	case "odoo.exceptions.UserError", "odoo.exceptions.ValidationError", "odoo.exceptions.MissingError",
		"odoo.exceptions.RedirectWarning", "odoo.exceptions.CacheMiss":
		return FaultValidation
	}
	return FaultServer
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return l
		}
	}
	return ""
}

// TransportError is a failure to reach Odoo or to read its answer: the
// only kind of error a call is retried on.
type TransportError struct {
	Op  string
	Err error
	// Sent is false when the request certainly never reached the server
	// (the connection could not be made), so even a create may be retried.
	Sent bool
}

func (e *TransportError) Error() string { return fmt.Sprintf("%s: %v", e.Op, e.Err) }
func (e *TransportError) Unwrap() error { return e.Err }
