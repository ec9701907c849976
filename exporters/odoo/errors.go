package odoo

import (
	"errors"
	"fmt"
	"strings"
	"time"
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
	// Throttled is an HTTP 429 (from Odoo's proxy or a rate limiter in
	// front of it): the call was refused before it did anything, so it is
	// sent again, whatever its method, after RetryAfter (the header's
	// value; zero when it had none).
	Throttled  bool
	RetryAfter time.Duration
}

func (e *TransportError) Error() string { return fmt.Sprintf("%s: %v", e.Op, e.Err) }
func (e *TransportError) Unwrap() error { return e.Err }

// StopError is a failure of a call that no record it carried caused: the
// password or API key was refused, the user lacks the rights on the model,
// or the model (or a column) does not exist. Sending the records again,
// alone or in smaller batches, would fail the same way, so a push stops on
// it and blames no record. It unwraps to the Odoo fault, so errors.Is with
// ErrAccessDenied, ErrAccess or ErrValidation still tells the kind.
type StopError struct {
	Model string
	// Advice says what to do before pushing again with --resume.
	Advice string
	Err    error
}

func (e *StopError) Error() string { return fmt.Sprintf("%v: %s", e.Err, e.Advice) }
func (e *StopError) Unwrap() error { return e.Err }

// stopFault is the StopError a fault must end the run with, or nil when
// the fault is about the records: a value Odoo does not accept, a
// required field missing, a reference to a missing record.
func stopFault(f *Fault) *StopError {
	switch {
	case f.Code == FaultAccessDenied:
		return &StopError{Model: f.Model, Err: f, Advice: "Odoo refused the password or API key (changed, revoked or expired): " +
			"set ODOO_PASSWORD or ODOO_API_KEY to a valid one for ODOO_USER, then push again with --resume"}
	case f.Code == FaultAccess:
		return &StopError{Model: f.Model, Err: f, Advice: fmt.Sprintf("the Odoo user lacks the rights on %s this push needs "+
			"(read, create, write): add the user to a group that has them (Settings > Users & Companies), "+
			"or push as a user who has them, then push again with --resume", orModel(f.Model))}
	case f.Code == FaultValidation && strings.HasPrefix(f.Message, "Object ") && strings.HasSuffix(f.Message, " doesn't exist"):
		// odoo/service/model.py execute_cr: env.get(model) is None.
		return &StopError{Model: f.Model, Err: f, Advice: fmt.Sprintf("the Odoo database has no model %s: install the module "+
			"that provides it, or review the map (axium2crm map odoo); the push creates custom x_ models before any record", orModel(f.Model))}
	case f.Code == FaultServer && f.Method == "load" && strings.HasPrefix(f.Message, "KeyError"):
		// load looks every column up in the model's fields before reading
		// any row: a missing field fails every row alike.
		return &StopError{Model: f.Model, Err: f, Advice: fmt.Sprintf("%s has no such field: review the map "+
			"(axium2crm map odoo); the push creates custom x_ fields before any record", orModel(f.Model))}
	}
	return nil
}

func orModel(m string) string {
	if m == "" {
		return "the model"
	}
	return m
}

// loadStop is the error a load call must stop the run with, or nil when
// the call succeeded or failed because of the records it carried (then
// splitting the batch isolates them). res and err are what Execute
// answered. Besides the faults stopFault names and errors that are not
// Odoo faults, it stops on a refused load whose every error message is
// missing rights: Odoo's load catches the AccessError of each record
// (a UserError) and reports it as that record's message, ids False, rather
// than as a fault (odoo/models.py load; at most 10 such messages, then a
// warning), so without this a missing right would fail the records one by
// one.
func loadStop(model string, res any, err error) error {
	if err != nil {
		var s *StopError
		var f *Fault
		if errors.As(err, &s) || !errors.As(err, &f) {
			return err
		}
		if s := stopFault(f); s != nil {
			return s
		}
		return nil
	}
	m, _ := res.(map[string]any)
	if _, isList := m["ids"].([]any); isList {
		return nil
	}
	msgs, _ := m["messages"].([]any)
	var first string
	for _, x := range msgs {
		mm, _ := x.(map[string]any)
		if t, _ := mm["type"].(string); t != "error" {
			continue
		}
		text, _ := mm["message"].(string)
		if !accessMessage(text) {
			return nil
		}
		if first == "" {
			first = text
		}
	}
	if first == "" {
		return nil
	}
	f := &Fault{Code: FaultAccess, Name: "odoo.exceptions.AccessError", Message: first, Model: model, Method: "load"}
	if s := stopFault(f); s != nil {
		return s
	}
	return f
}

// accessMessage is the text of an AccessError raised by Odoo's model
// access check (ir.model.access check) or record rules.
func accessMessage(s string) bool {
	return strings.HasPrefix(s, "You are not allowed to ") ||
		strings.Contains(s, "Due to security restrictions, you are not allowed to")
}
