package odoo_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/odoo"
	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
)

// A password changed (or an API key revoked) while a push runs stops it
// at once: Odoo's AccessDenied is not the records' fault, so no batch is
// split and no record is logged as failed.
func TestPushStopsWhenThePasswordIsRevoked(t *testing.T) {
	for _, proto := range []string{"xmlrpc", "jsonrpc"} {
		t.Run(proto, func(t *testing.T) {
			f := newFixture(t, 60)
			s := newServer(t, odootest.Options{})
			var loads, revokedAt int64
			s.Inject(func(c odootest.Call) odootest.Failure {
				if c.ORM == "load" && c.Model == "res.partner" {
					loads++
					if loads == 2 {
						revokedAt = c.N
						return odootest.Revoke
					}
				}
				return odootest.Pass
			})
			rep, err := odoo.Push(context.Background(), f.db, connect(t, s, proto), pushOpts())
			require.Error(t, err)
			var stop *odoo.StopError
			require.ErrorAs(t, err, &stop, "%v", err)
			assert.ErrorIs(t, err, odoo.ErrAccessDenied)
			assert.Contains(t, err.Error(), "ODOO_API_KEY", "the error says what to do")
			require.Positive(t, revokedAt, "the password was revoked during the push")
			after := int64(len(s.Calls())) - revokedAt + 1
			assert.Less(t, after, int64(10), "calls from the revocation on")
			assertNoRecordBlamed(t, f, rep)
		})
	}
}

// Rights the user lacks on a model stop the push the same way. Odoo's
// load does not fault for them: it reports each record's AccessError as
// that record's message.
func TestPushStopsWhenRightsAreMissing(t *testing.T) {
	f := newFixture(t, 30)
	s := newServer(t, odootest.Options{})
	s.DenyAccess("calendar.event")
	rep, err := odoo.Push(context.Background(), f.db, connect(t, s, "xmlrpc"), pushOpts())
	require.Error(t, err)
	var stop *odoo.StopError
	require.ErrorAs(t, err, &stop, "%v", err)
	assert.ErrorIs(t, err, odoo.ErrAccess)
	assert.Contains(t, err.Error(), "calendar.event")
	assert.Contains(t, err.Error(), "group", "the error says what to do")
	var eventLoads int
	for _, c := range s.Calls() {
		if c.Model == "calendar.event" && c.ORM == "load" {
			eventLoads++
		}
	}
	assert.LessOrEqual(t, eventLoads, 2, "one refused load per connection, not split")
	assertNoRecordBlamed(t, f, rep)
}

func assertNoRecordBlamed(t *testing.T, f *fixture, rep *odoo.Report) {
	t.Helper()
	if rep != nil {
		assert.Empty(t, rep.Failures, "no record is blamed for the credentials or rights")
	}
	var failed int
	require.NoError(t, f.db.QueryRow(`SELECT count(*) FROM meta.push_record WHERE action = 'fail'`).Scan(&failed))
	assert.Zero(t, failed, "no record failure logged")
}

// The kinds of Odoo errors the push must stop on, as real Odoo 17 sends
// them, and the record faults it must keep isolating.
func TestStopErrorKeepsTheFaultKind(t *testing.T) {
	f := &odoo.Fault{Code: odoo.FaultAccessDenied, Message: "Access Denied", Model: "res.partner", Method: "load"}
	err := error(&odoo.StopError{Model: "res.partner", Err: f, Advice: "set ODOO_API_KEY"})
	assert.True(t, errors.Is(err, odoo.ErrAccessDenied))
	var got *odoo.Fault
	require.ErrorAs(t, err, &got)
	assert.Equal(t, "res.partner.load: odoo access denied: Access Denied: set ODOO_API_KEY", err.Error())
}
