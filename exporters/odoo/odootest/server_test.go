package odootest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/odoo"
	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
)

var protocols = []string{"xmlrpc", "jsonrpc"}

func dial(t *testing.T, s *odootest.Server, proto string) *odoo.Client {
	t.Helper()
	c, err := odoo.Dial(context.Background(), odoo.Config{URL: s.URL, DB: "odoo", User: "admin", Password: "admin", Protocol: proto, Backoff: time.Millisecond})
	require.NoError(t, err)
	return c
}

func exec(t *testing.T, c *odoo.Client, model, method string, args []any, kw map[string]any) (any, error) {
	t.Helper()
	return c.Execute(context.Background(), model, method, args, kw)
}

func TestAuthentication(t *testing.T) {
	s := odootest.New(odootest.Options{APIKey: "key-123", Password: "pw"})
	defer s.Close()
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			ctx := context.Background()
			for _, pw := range []string{"pw", "key-123"} {
				c, err := odoo.Dial(ctx, odoo.Config{URL: s.URL, DB: "odoo", User: "admin", Password: pw, Protocol: proto})
				require.NoError(t, err)
				assert.Equal(t, int64(2), c.UID())
				v, err := c.Version(ctx)
				require.NoError(t, err)
				assert.Equal(t, "17.0", v["server_version"])
			}
			_, err := odoo.Dial(ctx, odoo.Config{URL: s.URL, DB: "odoo", User: "admin", Password: "wrong", Protocol: proto})
			assert.ErrorIs(t, err, odoo.ErrAuthentication)
			_, err = odoo.Dial(ctx, odoo.Config{URL: s.URL, DB: "nope", User: "admin", Password: "pw", Protocol: proto})
			assert.ErrorIs(t, err, odoo.ErrServer)
		})
	}
}

func TestContract(t *testing.T) {
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			s := odootest.New(odootest.Options{})
			defer s.Close()
			c := dial(t, s, proto)
			partners := s.Count("res.partner")

			v, err := exec(t, c, "res.partner", "create", []any{[]any{map[string]any{"name": "A", "email": false}, map[string]any{"name": "B", "is_company": true}}}, nil)
			require.NoError(t, err)
			ids := v.([]any)
			require.Len(t, ids, 2)
			v, err = exec(t, c, "res.partner", "create", []any{map[string]any{"name": "C", "parent_id": ids[1]}}, nil)
			require.NoError(t, err)
			cid := v.(int64)

			cases := []struct {
				name   string
				model  string
				method string
				args   []any
				kind   error
				msg    string
			}{
				{"unknown model", "x_nope", "search", []any{[]any{}}, odoo.ErrValidation, "Object x_nope doesn't exist"},
				{"unknown field", "res.partner", "create", []any{[]any{map[string]any{"name": "D", "x_nope": 1}}}, odoo.ErrServer, "Invalid field 'x_nope'"},
				{"required field", "res.partner", "create", []any{[]any{map[string]any{"name": "E"}, map[string]any{"email": "x@y"}}}, odoo.ErrValidation, "require a name"},
				{"many2one must exist", "res.partner", "create", []any{[]any{map[string]any{"name": "F", "parent_id": 99999}}}, odoo.ErrValidation, "Record does not exist or has been deleted.\n(Record: res.partner(99999,), User: 2)"},
				{"selection value", "res.partner", "create", []any{[]any{map[string]any{"name": "G", "type": "bogus"}}}, odoo.ErrServer, "Wrong value"},
				{"datetime format", "calendar.event", "create", []any{[]any{map[string]any{"name": "H", "start": "2024-01-02T10:00:00+01:00", "stop": "2024-01-02 11:00:00"}}}, odoo.ErrServer, "does not match format"},
				{"write missing record", "res.partner", "write", []any{[]any{99999}, map[string]any{"name": "x"}}, odoo.ErrValidation, "does not exist"},
				{"private method", "res.partner", "_create", []any{}, odoo.ErrAccess, "Private methods"},
				{"unknown method", "res.partner", "frobnicate", []any{}, odoo.ErrServer, "does not exist"},
				{"custom field needs x_", "ir.model.fields", "create", []any{[]any{map[string]any{"model_id": modelID(t, c, "res.partner"), "name": "medical_alert", "ttype": "char", "field_description": "Alert"}}}, odoo.ErrValidation, "starts with 'x_'"},
				{"custom model needs x_", "ir.model", "create", []any{[]any{map[string]any{"name": "Perio", "model": "perio_record"}}}, odoo.ErrValidation, "must start with 'x_'"},
				{"xid unique per module and name", "ir.model.data", "create", []any{[]any{map[string]any{"module": "base", "name": "us", "model": "res.country", "res_id": 1}}}, odoo.ErrValidation, "already exists"},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					_, err := exec(t, c, tc.model, tc.method, tc.args, nil)
					require.Error(t, err)
					assert.ErrorIs(t, err, tc.kind)
					assert.Contains(t, err.Error(), tc.msg)
				})
			}
			assert.Equal(t, partners+3, s.Count("res.partner"), "failed calls are rolled back whole")

			// Reads answer Odoo's shapes: many2one as [id, name], empty as False.
			v, err = exec(t, c, "res.partner", "read", []any{[]any{cid}, []any{"name", "parent_id", "email"}}, nil)
			require.NoError(t, err)
			rec := v.([]any)[0].(map[string]any)
			assert.Equal(t, []any{ids[1], "B"}, rec["parent_id"])
			assert.Equal(t, false, rec["email"])

			v, err = exec(t, c, "res.partner", "search_read", []any{[]any{[]any{"name", "in", []any{"A", "C"}}}}, map[string]any{"fields": []any{"name"}, "limit": 5})
			require.NoError(t, err)
			assert.Len(t, v, 2)
			v, err = exec(t, c, "res.partner", "search_count", []any{[]any{"|", []any{"name", "=", "A"}, []any{"is_company", "=", true}}}, nil)
			require.NoError(t, err)
			assert.Equal(t, int64(3), v, "A, B and the main company")

			_, err = exec(t, c, "res.partner", "write", []any{[]any{cid}, map[string]any{"email": "c@example.org"}}, nil)
			require.NoError(t, err)
			_, err = exec(t, c, "res.partner", "unlink", []any{[]any{ids[0]}}, nil)
			require.NoError(t, err)
			assert.Equal(t, partners+2, s.Count("res.partner"))

			v, err = exec(t, c, "res.partner", "fields_get", []any{}, map[string]any{"attributes": []any{"type"}})
			require.NoError(t, err)
			assert.Equal(t, "many2one", v.(map[string]any)["parent_id"].(map[string]any)["type"])
		})
	}
}

func modelID(t *testing.T, c *odoo.Client, model string) int64 {
	t.Helper()
	v, err := c.Execute(context.Background(), "ir.model", "search", []any{[]any{[]any{"model", "=", model}}}, nil)
	require.NoError(t, err)
	require.Len(t, v, 1)
	return v.([]any)[0].(int64)
}

func TestCustomFieldsAndModels(t *testing.T) {
	s := odootest.New(odootest.Options{})
	defer s.Close()
	c := dial(t, s, "xmlrpc")
	_, err := exec(t, c, "ir.model.fields", "create", []any{[]any{
		map[string]any{"model_id": modelID(t, c, "res.partner"), "name": "x_medical_alert", "ttype": "char", "field_description": "Medical alert"},
		map[string]any{"model_id": modelID(t, c, "res.partner"), "name": "x_partner_type", "ttype": "selection", "field_description": "Type",
			"selection": "[('patient', 'Patient'), ('guarantor', 'Guarantor')]"},
	}}, nil)
	require.NoError(t, err)
	f, ok := s.Field("res.partner", "x_partner_type")
	require.True(t, ok)
	assert.Equal(t, [][2]string{{"patient", "Patient"}, {"guarantor", "Guarantor"}}, f.Selection)
	_, err = exec(t, c, "res.partner", "create", []any{[]any{map[string]any{"name": "P", "x_medical_alert": "latex", "x_partner_type": "patient"}}}, nil)
	require.NoError(t, err)
	_, err = exec(t, c, "res.partner", "create", []any{[]any{map[string]any{"name": "P", "x_partner_type": "other"}}}, nil)
	assert.ErrorIs(t, err, odoo.ErrServer)

	// A custom model is unusable until ir.model.access opens it.
	v, err := exec(t, c, "ir.model", "create", []any{[]any{map[string]any{"name": "Perio record", "model": "x_perio_record"}}}, nil)
	require.NoError(t, err)
	mid := v.([]any)[0].(int64)
	_, err = exec(t, c, "ir.model.fields", "create", []any{[]any{map[string]any{"model_id": mid, "name": "x_partner_id", "ttype": "many2one", "relation": "res.partner", "field_description": "Patient"}}}, nil)
	require.NoError(t, err)
	_, err = exec(t, c, "x_perio_record", "create", []any{[]any{map[string]any{"x_name": "exam 1"}}}, nil)
	assert.ErrorIs(t, err, odoo.ErrAccess)
	_, gid, ok := s.XID("base.group_user")
	require.True(t, ok)
	v, err = exec(t, c, "ir.model.access", "create", []any{[]any{map[string]any{"name": "perio user", "model_id": mid, "group_id": gid,
		"perm_read": true, "perm_write": true, "perm_create": true, "perm_unlink": true}}}, nil)
	require.NoError(t, err)
	acl := v.([]any)
	// Odoo 17's stale ACL cache: the creator of the access row still may not create...
	_, err = exec(t, c, "x_perio_record", "create", []any{[]any{map[string]any{"x_name": "exam 1"}}}, nil)
	assert.ErrorIs(t, err, odoo.ErrAccess)
	// ...until an empty write on the row clears it.
	_, err = exec(t, c, "ir.model.access", "write", []any{acl, map[string]any{}}, nil)
	require.NoError(t, err)
	_, err = exec(t, c, "x_perio_record", "create", []any{[]any{map[string]any{"x_name": "exam 1"}}}, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, s.Count("x_perio_record"))
}

func TestLoad(t *testing.T) {
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			s := odootest.New(odootest.Options{})
			defer s.Close()
			c := dial(t, s, proto)
			fields := []any{"id", "name", "parent_id/id", "is_company"}
			v, err := exec(t, c, "res.partner", "load", []any{fields, []any{
				[]any{"axium.guarantor_1", "Guarantor One", "", "0"},
				[]any{"axium.patient_1", "Patient One", "axium.guarantor_1", "0"},
				[]any{"loose", "No module", "", ""},
			}}, nil)
			require.NoError(t, err)
			res := v.(map[string]any)
			require.Empty(t, res["messages"])
			require.Len(t, res["ids"], 3)
			model, pid, ok := s.XID("axium.patient_1")
			require.True(t, ok)
			assert.Equal(t, "res.partner", model)
			_, _, ok = s.XID("__import__.loose")
			assert.True(t, ok, "an external id without a module gets __import__.")
			n := s.Count("res.partner")

			// Loading the same id again updates.
			v, err = exec(t, c, "res.partner", "load", []any{[]any{"id", "email"}, []any{[]any{"axium.patient_1", "p1@example.org"}}}, nil)
			require.NoError(t, err)
			assert.Equal(t, []any{pid}, v.(map[string]any)["ids"])
			assert.Equal(t, n, s.Count("res.partner"))

			// One bad row: nothing is loaded, ids False, a message per error.
			v, err = exec(t, c, "res.partner", "load", []any{fields, []any{
				[]any{"axium.patient_2", "Patient Two", "axium.guarantor_1", "0"},
				[]any{"axium.patient_3", "Patient Three", "axium.guarantor_404", "0"},
				[]any{"axium.patient_4", "Patient Four", "base.us", "0"},
			}}, nil)
			require.NoError(t, err)
			res = v.(map[string]any)
			assert.Equal(t, false, res["ids"])
			msgs := res["messages"].([]any)
			require.Len(t, msgs, 2)
			assert.Contains(t, msgs[0].(map[string]any)["message"], "No matching record found for external id 'axium.guarantor_404'")
			assert.Contains(t, msgs[1].(map[string]any)["message"], "expected model 'res.partner', found 'res.country'")
			assert.Equal(t, n, s.Count("res.partner"))
			_, _, ok = s.XID("axium.patient_2")
			assert.False(t, ok, "rolled back with the rest")

			// The record's own external id naming another model's record.
			v, err = exec(t, c, "res.partner", "load", []any{[]any{"id", "name"}, []any{[]any{"base.us", "Not a country"}}}, nil)
			require.NoError(t, err)
			assert.Contains(t, v.(map[string]any)["messages"].([]any)[0].(map[string]any)["message"], "found record of different model res.country")
		})
	}
}

func TestModules(t *testing.T) {
	s := odootest.New(odootest.Options{Modules: []string{"base", "contacts", "calendar"}})
	defer s.Close()
	c := dial(t, s, "xmlrpc")
	v, err := exec(t, c, "ir.module.module", "search_read", []any{[]any{[]any{"name", "in", []any{"contacts", "crm", "calendar", "account"}}}},
		map[string]any{"fields": []any{"name", "state"}})
	require.NoError(t, err)
	states := map[string]any{}
	for _, r := range v.([]any) {
		states[r.(map[string]any)["name"].(string)] = r.(map[string]any)["state"]
	}
	assert.Equal(t, map[string]any{"contacts": "installed", "crm": "uninstalled", "calendar": "installed", "account": "uninstalled"}, states)
	_, err = exec(t, c, "crm.lead", "search", []any{[]any{}}, nil)
	assert.ErrorIs(t, err, odoo.ErrValidation)
	assert.False(t, s.HasModel("account.move"))
	assert.True(t, s.HasModel("calendar.event"))
}

func TestFaultInjection(t *testing.T) {
	cases := []struct {
		name    string
		failure odootest.Failure
		method  string
		wantErr bool
		created int
	}{
		{"dropped before a read: retried", odootest.DropBefore, "search_read", false, 0},
		{"502 on a read: retried", odootest.BadGateway, "search_read", false, 0},
		{"dropped after a create: done but unknown, not resent", odootest.DropAfter, "create", true, 1},
		{"dropped before a create: not resent either", odootest.DropBefore, "create", true, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := odootest.New(odootest.Options{})
			defer s.Close()
			c := dial(t, s, "xmlrpc")
			before := s.Count("res.partner")
			s.FailNth(1, tc.failure)
			args := []any{[]any{}}
			if tc.method == "create" {
				args = []any{[]any{map[string]any{"name": "X"}}}
			}
			_, err := exec(t, c, "res.partner", tc.method, args, nil)
			if tc.wantErr {
				var te *odoo.TransportError
				assert.ErrorAs(t, err, &te)
			} else {
				assert.NoError(t, err)
			}
			assert.Equal(t, before+tc.created, s.Count("res.partner"))
		})
	}
}
