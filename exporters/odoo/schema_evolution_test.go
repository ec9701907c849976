package odoo_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
	"github.com/axium2crm/axium2crm/exporters/odoo"
	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
)

// call runs one ORM method and fails the test on an error.
func call(t *testing.T, c *odoo.Client, model, method string, args []any, kw map[string]any) any {
	t.Helper()
	v, err := c.Execute(context.Background(), model, method, args, kw)
	require.NoError(t, err, "%s.%s", model, method)
	return v
}

// fieldID is the ir.model.fields id of model.name, 0 when it does not exist.
func fieldID(t *testing.T, c *odoo.Client, model, name string) int64 {
	t.Helper()
	l := call(t, c, "ir.model.fields", "search", []any{[]any{[]any{"model", "=", model}, []any{"name", "=", name}}}, nil).([]any)
	if len(l) == 0 {
		return 0
	}
	return l[0].(int64)
}

// options are a selection field's values as Odoo holds them.
func options(t *testing.T, c *odoo.Client, field int64) []string {
	t.Helper()
	var out []string
	for _, r := range call(t, c, "ir.model.fields.selection", "search_read", []any{[]any{[]any{"field_id", "=", field}}, []any{"value"}}, nil).([]any) {
		out = append(out, r.(map[string]any)["value"].(string))
	}
	sort.Strings(out)
	return out
}

// partner reads fields of the partner with external id xid (module.name).
func partner(t *testing.T, c *odoo.Client, xid string, fields ...string) map[string]any {
	t.Helper()
	module, name, _ := strings.Cut(xid, ".")
	l := call(t, c, "ir.model.data", "search_read", []any{[]any{[]any{"module", "=", module}, []any{"name", "=", name}},
		[]any{"res_id"}}, nil).([]any)
	require.Len(t, l, 1, xid)
	id := l[0].(map[string]any)["res_id"]
	l = call(t, c, "res.partner", "read", []any{[]any{id}, anyStrings(fields)}, nil).([]any)
	require.Len(t, l, 1, xid)
	return l[0].(map[string]any)
}

func anyStrings(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// secondExport changes the warehouse as a later export and `run` would:
// a gender code the first export did not have on three patients, chart
// numbers longer than the field a person made by hand holds, and a custom
// field the first export did not have.
func secondExport(t *testing.T, f *fixture) {
	t.Helper()
	exec1(t, f.db, `UPDATE odoo.field_plan SET selection = '[["f","Female"],["m","Male"],["x","Non-binary"]]' WHERE name = 'x_gender'`)
	exec1(t, f.db, `UPDATE odoo.res_partner_patient SET x_gender = 'x' WHERE _source_key IN ('1', '2', '3')`)
	exec1(t, f.db, `UPDATE odoo.res_partner_patient SET x_chart_number = 'CHART-' || lpad(_source_key, 6, '0')`)
	exec1(t, f.db, `ALTER TABLE odoo.res_partner_patient ADD COLUMN x_referral_note VARCHAR`)
	exec1(t, f.db, `UPDATE odoo.res_partner_patient SET x_referral_note = 'Referred by Dr ' || _source_key`)
	exec1(t, f.db, `INSERT INTO odoo.field_plan (model, name, field_description, ttype, selection, relation, required, is_custom)
		VALUES ('res.partner', 'x_referral_note', 'Referral note', 'char', NULL, NULL, false, true)`)
	f.confirm(t)
}

// TestSchemaEvolution: a second export brings a new selection value, a
// longer text and a new custom field. Before any record moves the push adds
// the option to the existing x_ field, widens the char field a person made
// with a size (Odoo would keep 8 characters of each value, silently), and
// creates the field; every change is in the report and the audit log with
// what it was before, the records land whole, and rollback --schema of
// that push removes the option it added (not the ones there before, nor
// one a person added by hand), restores the size and removes the field.
func TestSchemaEvolution(t *testing.T) {
	schemaEvolution(t, connect(t, newServer(t, odootest.Options{}), "xmlrpc"))
}

// TestIntegrationSchemaEvolution runs it against a real Odoo (a fresh
// database: the field and the external ids stay there).
func TestIntegrationSchemaEvolution(t *testing.T) {
	schemaEvolution(t, realOdoo(t, "xmlrpc"))
}

func schemaEvolution(t *testing.T, c *odoo.Client) {
	ctx := context.Background()
	f := newFixture(t, 9)

	// A field a person made before the migration, 8 characters long.
	partnerModel := call(t, c, "ir.model", "search", []any{[]any{[]any{"model", "=", "res.partner"}}}, nil).([]any)[0]
	call(t, c, "ir.model.fields", "create", []any{[]any{map[string]any{"model_id": partnerModel, "name": "x_chart_number",
		"ttype": "char", "size": 8, "field_description": "Chart number"}}}, nil)
	exec1(t, f.db, `ALTER TABLE odoo.res_partner_patient ADD COLUMN x_gender VARCHAR`)
	exec1(t, f.db, `ALTER TABLE odoo.res_partner_patient ADD COLUMN x_chart_number VARCHAR`)
	exec1(t, f.db, `UPDATE odoo.res_partner_patient SET x_gender = CASE WHEN CAST(_source_key AS INTEGER) % 2 = 0 THEN 'f' ELSE 'm' END,
		x_chart_number = 'C' || lpad(_source_key, 4, '0')`)
	exec1(t, f.db, `INSERT INTO odoo.field_plan (model, name, field_description, ttype, selection, relation, required, is_custom) VALUES
		('res.partner', 'x_gender', 'Gender', 'selection', '[["f","Female"],["m","Male"]]', NULL, false, true),
		('res.partner', 'x_chart_number', 'Chart number', 'char', NULL, NULL, false, true)`)
	f.confirm(t)
	first, err := odoo.Push(ctx, f.db, c, pushOpts())
	require.NoError(t, err)
	require.Empty(t, first.Failures)
	gender := fieldID(t, c, "res.partner", "x_gender")
	chart := fieldID(t, c, "res.partner", "x_chart_number")
	require.NotZero(t, gender)
	// A person adds an option of their own between the exports.
	call(t, c, "ir.model.fields.selection", "create", []any{[]any{map[string]any{"field_id": gender, "value": "u", "name": "Unknown", "sequence": 10}}}, nil)

	secondExport(t, f)
	dry := pushOpts()
	dry.DryRun = true
	plan, err := odoo.Push(ctx, f.db, c, dry)
	require.NoError(t, err)
	assert.NotEmpty(t, plan.Schema.Actions, "the dry run plans the changes")
	assert.Equal(t, []string{"f", "m", "u"}, options(t, c, gender), "a dry run changes nothing")

	d := odoo.NewDestination(c, odoo.DestinationOptions{TimeZone: newYork, BatchSize: 7, Workers: 2})
	rep, err := d.Push(ctx, f.db, exporters.PushOptions{})
	require.NoError(t, err)
	assert.Empty(t, rep.Refused, "every patient lands, and what hangs on them")
	assert.Equal(t, []string{"f", "m", "u", "x"}, options(t, c, gender), "the new option is added to the field")
	kinds := map[string]exporters.SchemaChange{}
	for _, sc := range rep.Schema {
		kinds[sc.Object+"."+sc.Field] = sc
	}
	assert.Equal(t, "add options", kinds["res.partner.x_gender"].Kind)
	assert.Contains(t, kinds["res.partner.x_gender"].Detail, "x")
	assert.Equal(t, "widen", kinds["res.partner.x_chart_number"].Kind)
	assert.Equal(t, "field", kinds["res.partner.x_referral_note"].Kind)
	p1 := partner(t, c, "axium.patient_00001", "x_gender", "x_chart_number", "x_referral_note")
	assert.Equal(t, "x", p1["x_gender"])
	assert.Equal(t, "CHART-000001", p1["x_chart_number"], "the longer text is kept whole")
	assert.Equal(t, "Referred by Dr 1", p1["x_referral_note"])

	// The log says what each change replaced.
	rows, err := f.db.Query(`SELECT object, dest_id, action, coalesce(pre_image, '') FROM meta.push_record
		WHERE run_id = ? AND table_name = 'odoo.schema' ORDER BY dest_id`, rep.RunID)
	require.NoError(t, err)
	logged := map[string][2]string{}
	for rows.Next() {
		var object, id, action, pre string
		require.NoError(t, rows.Scan(&object, &id, &action, &pre))
		logged[object+" "+id] = [2]string{action, pre}
	}
	require.NoError(t, rows.Err())
	rows.Close()
	assert.Equal(t, "create", logged["ir.model.fields.selection res.partner.x_gender/x"][0])
	assert.JSONEq(t, `[["f","Female"],["m","Male"],["u","Unknown"]]`, logged["ir.model.fields.selection res.partner.x_gender/x"][1],
		"the options before the push")
	assert.Equal(t, "update", logged["ir.model.fields res.partner.x_chart_number"][0])
	assert.JSONEq(t, `{"size": 8}`, logged["ir.model.fields res.partner.x_chart_number"][1])
	assert.Equal(t, "create", logged["ir.model.fields res.partner.x_referral_note"][0])
	assert.Len(t, logged, 3, "nothing else changed the data model")

	// A third push changes nothing more.
	again, err := odoo.Push(ctx, f.db, c, pushOpts())
	require.NoError(t, err)
	assert.Empty(t, again.Schema.Actions)

	rb, err := odoo.Rollback(ctx, f.db, c, odoo.RollbackOptions{PushRun: rep.RunID, Schema: true})
	require.NoError(t, err)
	assert.NotEmpty(t, rb.Schema)
	assert.Equal(t, []string{"f", "m", "u"}, options(t, c, gender), "only the option the push added is gone")
	assert.NotZero(t, fieldID(t, c, "res.partner", "x_gender"), "the field the first push made stays")
	assert.Zero(t, fieldID(t, c, "res.partner", "x_referral_note"), "the field the push made is gone")
	size := call(t, c, "ir.model.fields", "read", []any{[]any{chart}, []any{"size"}}, nil).([]any)[0].(map[string]any)["size"]
	assert.EqualValues(t, 8, size, "the size before the push")
	p1 = partner(t, c, "axium.patient_00001", "x_gender", "x_chart_number")
	assert.Equal(t, "m", p1["x_gender"], "the patient's value before the push")
	assert.Equal(t, "C0001", p1["x_chart_number"])

	// Run again: nothing left to undo.
	rb, err = odoo.Rollback(ctx, f.db, c, odoo.RollbackOptions{PushRun: rep.RunID, Schema: true})
	require.NoError(t, err)
	assert.Empty(t, rb.Schema)
	assert.Equal(t, []string{"f", "m", "u"}, options(t, c, gender))
}

// TestSchemaEvolutionConflicts: what Odoo does not let the push change is
// a conflict reported before anything moves: a longer text than a base
// field's size (a module defines it), and a new value for a selection a
// module defines.
func TestSchemaEvolutionConflicts(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 4)
	s := newServer(t, odootest.Options{})
	c := connect(t, s, "xmlrpc")
	s.SetFieldSize("res.partner", "ref", 4)
	exec1(t, f.db, `ALTER TABLE odoo.res_partner_patient ADD COLUMN ref VARCHAR`)
	exec1(t, f.db, `UPDATE odoo.res_partner_patient SET ref = 'REF-' || _source_key`)
	exec1(t, f.db, `INSERT INTO odoo.field_plan (model, name, field_description, ttype, selection, relation, required, is_custom) VALUES
		('res.partner', 'ref', 'Reference', 'char', NULL, NULL, false, false),
		('res.partner', 'type', 'Address Type', 'selection', '[["contact","Contact"],["billing","Billing"]]', NULL, false, false)`)
	f.confirm(t)
	partners := s.Count("res.partner")
	_, err := odoo.Push(ctx, f.db, c, pushOpts())
	require.ErrorIs(t, err, exporters.ErrSchemaConflict)
	assert.Contains(t, err.Error(), "res.partner.ref")
	assert.Contains(t, err.Error(), "res.partner.type")
	assert.Equal(t, partners, s.Count("res.partner"), "nothing was sent")
	for _, cl := range s.Calls() {
		assert.NotEqual(t, "load", cl.ORM, "no record moved")
	}
}

// TestSchemaChangeWhoseAnswerNeverCame: the push stops after Odoo made
// custom fields and before their answer came back. The fields were logged
// pending by name before they were sent, so a rollback --schema settles
// them from Odoo's data model and removes them, and a resume settles them
// as created without sending them again.
func TestSchemaChangeWhoseAnswerNeverCame(t *testing.T) {
	for _, then := range []string{"rollback", "resume"} {
		t.Run(then, func(t *testing.T) {
			ctx := context.Background()
			s := newServer(t, odootest.Options{})
			c := connect(t, s, "xmlrpc")
			f := newFixture(t, 4)
			pctx, stop := context.WithCancel(ctx)
			s.Inject(func(call odootest.Call) odootest.Failure {
				if call.Model == "ir.model.fields" && call.ORM == "create" {
					stop()                    // the process is gone by the time Odoo answers,
					return odootest.DropAfter // and the answer never reaches it
				}
				return odootest.Pass
			})
			rep, err := odoo.Push(pctx, f.db, c, pushOpts())
			require.Error(t, err)
			s.Inject(nil)
			unsettled, err := audit.UnsettledOf(ctx, f.db, rep.RunID)
			require.NoError(t, err)
			var fields []string
			for _, u := range unsettled {
				if u.Table == "odoo.schema" && u.Object == "ir.model.fields" {
					fields = append(fields, u.DestID)
				}
			}
			require.NotEmpty(t, fields, "the creates are pending in the log, by name")
			field := func(name string) int64 {
				i := strings.LastIndex(name, ".")
				return fieldID(t, c, name[:i], name[i+1:])
			}
			for _, name := range fields {
				require.NotZero(t, field(name), "Odoo made %s", name)
			}

			switch then {
			case "rollback":
				rb, err := odoo.Rollback(ctx, f.db, c, odoo.RollbackOptions{PushRun: rep.RunID, Schema: true})
				require.NoError(t, err)
				for _, name := range fields {
					assert.Contains(t, rb.Schema, name)
					assert.Zero(t, field(name), "the rollback removed %s, whose answer never came", name)
				}
			case "resume":
				o := pushOpts()
				o.Resume = true
				rep2, err := odoo.Push(ctx, f.db, c, o)
				require.NoError(t, err)
				assert.Equal(t, rep.RunID, rep2.RunID)
				assert.Empty(t, rep2.Failures)
				for _, name := range fields {
					var n int
					require.NoError(t, f.db.QueryRow(`SELECT count(*) FROM meta.push_record WHERE run_id = ? AND table_name = 'odoo.schema'
						AND dest_id = ? AND action = 'create'`, rep.RunID, name).Scan(&n))
					assert.Equal(t, 1, n, "%s logged created once, by the settling", name)
				}
				for _, tr := range rep2.Schema.Actions {
					for _, name := range fields {
						assert.NotEqual(t, name, tr.Model+"."+tr.Name, "the resume does not create %s again", name)
					}
				}
			}
			unsettled, err = audit.UnsettledOf(ctx, f.db, rep.RunID)
			require.NoError(t, err)
			assert.Empty(t, unsettled)
		})
	}
}

// TestKeyFieldMadeWithoutIndexIsIndexed: the perio records' key field
// exists unindexed (made by an earlier build). The next push indexes it
// before any record moves, logging the change with the value before;
// rollback --schema of that push takes the index away again and leaves
// the field (the push did not create it).
func TestKeyFieldMadeWithoutIndexIsIndexed(t *testing.T) {
	keyFieldIndexed(t, connect(t, newServer(t, odootest.Options{}), "xmlrpc"))
}

// TestIntegrationKeyFieldMadeWithoutIndexIsIndexed runs it against a real
// Odoo (a fresh database), where the index is PostgreSQL's.
func TestIntegrationKeyFieldMadeWithoutIndexIsIndexed(t *testing.T) {
	keyFieldIndexed(t, realOdoo(t, "xmlrpc"))
}

func keyFieldIndexed(t *testing.T, c *odoo.Client) {
	ctx := context.Background()
	f := newFixture(t, 9)
	_, err := odoo.Push(ctx, f.db, c, pushOpts())
	require.NoError(t, err)
	key := fieldID(t, c, "x_perio_record", "x_axium_xid")
	require.NotZero(t, key)
	index := func() any {
		return call(t, c, "ir.model.fields", "read", []any{[]any{key}, []any{"index"}}, nil).([]any)[0].(map[string]any)["index"]
	}
	require.Equal(t, true, index(), "a new key field is indexed")
	call(t, c, "ir.model.fields", "write", []any{[]any{key}, map[string]any{"index": false}}, nil)

	rep, err := odoo.Push(ctx, f.db, c, pushOpts())
	require.NoError(t, err)
	var kinds []string
	for _, a := range rep.Schema.Actions {
		kinds = append(kinds, a.Kind+" "+a.Model+"."+a.Name)
	}
	assert.Equal(t, []string{"index x_perio_record.x_axium_xid"}, kinds)
	assert.Equal(t, true, index())
	var pre string
	require.NoError(t, f.db.QueryRow(`SELECT pre_image FROM meta.push_record WHERE run_id = ? AND table_name = 'odoo.schema'
		AND action = 'update' AND dest_id = 'x_perio_record.x_axium_xid'`, rep.RunID).Scan(&pre))
	assert.JSONEq(t, `{"index":false}`, pre)

	again, err := odoo.Push(ctx, f.db, c, pushOpts())
	require.NoError(t, err)
	assert.Empty(t, again.Schema.Actions, "indexed once")

	rb, err := odoo.Rollback(ctx, f.db, c, odoo.RollbackOptions{PushRun: rep.RunID, Schema: true})
	require.NoError(t, err)
	assert.Contains(t, rb.Schema, "x_perio_record.x_axium_xid (index false)")
	assert.Equal(t, false, index())
	assert.Equal(t, key, fieldID(t, c, "x_perio_record", "x_axium_xid"), "the field stays")
}
