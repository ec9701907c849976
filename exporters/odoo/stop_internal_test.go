package odoo

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
)

// loadStop reads what load answered, as a real Odoo 17 answers it.
func TestLoadStop(t *testing.T) {
	refused := func(msgs ...string) map[string]any {
		var l []any
		for i, m := range msgs {
			l = append(l, map[string]any{"type": "error", "message": m, "record": int64(i)})
		}
		l = append(l, map[string]any{"type": "warning", "message": "Found more than 10 errors and more than one error per 10 records, interrupted to avoid showing too many errors."})
		return map[string]any{"ids": false, "messages": l}
	}
	notAllowed := "You are not allowed to create 'Calendar Event' (calendar.event) records.\n\nNo group currently allows this operation.\n\nContact your administrator to request access if necessary."
	transport := &TransportError{Op: "load", Err: errors.New("connection reset")}
	cases := []struct {
		name string
		res  any
		err  error
		stop bool
		is   error
	}{
		{"loaded", map[string]any{"ids": []any{int64(1)}, "messages": []any{}}, nil, false, nil},
		{"a bad value", refused("Value 'alien' not found in selection field 'x_partner_type'"), nil, false, nil},
		{"every record refused for missing rights", refused(notAllowed, notAllowed), nil, true, ErrAccess},
		{"rights and a bad value", refused(notAllowed, "Value 'alien' not found"), nil, false, nil},
		{"password refused", nil, &Fault{Code: FaultAccessDenied, Message: "Access Denied"}, true, ErrAccessDenied},
		{"access error fault", nil, &Fault{Code: FaultAccess, Message: notAllowed}, true, ErrAccess},
		{"missing model", nil, &Fault{Code: FaultValidation, Message: "Object x_perio_record doesn't exist"}, true, ErrValidation},
		{"missing column", nil, &Fault{Code: FaultServer, Method: "load", Message: "KeyError: 'x_birthdate'"}, true, ErrServer},
		{"record validation", nil, &Fault{Code: FaultValidation, Message: "The operation cannot be completed: a mandatory field is not set."}, false, nil},
		{"missing record", nil, &Fault{Code: FaultValidation, Message: "Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: 2)"}, false, nil},
		{"transport", nil, transport, true, transport},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := loadStop("calendar.event", c.res, c.err)
			if !c.stop {
				assert.NoError(t, err)
				return
			}
			assert.Error(t, err)
			assert.ErrorIs(t, err, c.is)
		})
	}
}
