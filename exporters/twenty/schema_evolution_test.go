package twenty

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/audit"
	"github.com/axium2crm/axium2crm/exporters/twenty/twentytest"
)

// selectValues are the option values of object.field in the workspace, by
// position, and the field's id.
func selectValues(t *testing.T, srv *twentytest.Server, object, field string) ([]string, string) {
	t.Helper()
	o, ok := srv.Object(object)
	require.True(t, ok, object)
	for _, f := range o.Fields {
		if f.Name != field {
			continue
		}
		opts := append([]twentytest.Option(nil), f.Options...)
		sort.Slice(opts, func(i, j int) bool { return opts[i].Position < opts[j].Position })
		var out []string
		for _, x := range opts {
			out = append(out, x.Value)
		}
		return out, f.ID
	}
	return nil, ""
}

// TestSchemaEvolution: a second export brings a patient status the first
// did not have, and a custom field. The push adds the option to the field
// that exists (made by the first push, then edited by a person, who left a
// gap in the positions: Twenty refuses two options at one position) and
// creates the field before any record moves; the report and the audit log
// say so, the records land, and rollback --schema of that push removes
// the option it added (not the person's, nor those there before) and the
// field it made.
func TestSchemaEvolution(t *testing.T) {
	ctx := context.Background()
	wh, _ := openFixture(t, fixtureOpts{People: 10})
	passTests(t, wh)
	srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
	first, err := Push(ctx, wh.DB(), pushOpts(t, srv, nil))
	require.NoError(t, err)
	require.Empty(t, first.Failures)

	// A person adds two options by hand and deletes the first one again:
	// positions 0, 1 and 3 are taken.
	c, _ := testClient(t, srv, nil)
	values, fieldID := selectValues(t, srv, "person", "patientStatus")
	require.Equal(t, []string{"ACTIVE", "INACTIVE"}, values)
	o, _ := srv.Object("person")
	var opts []Option
	for _, f := range o.Fields {
		if f.ID == fieldID {
			for _, x := range f.Options {
				opts = append(opts, Option{ID: x.ID, Value: x.Value, Label: x.Label, Position: x.Position})
			}
		}
	}
	require.NoError(t, c.SetOptions(ctx, fieldID, append(opts, Option{Value: "TRANSFERRED", Label: "Transferred", Position: 3})))

	// The second export: a status on three patients the first did not
	// have, and a custom field.
	for _, q := range []string{
		`UPDATE twenty.field_plan SET options = '[{"value":"ACTIVE","label":"Active","position":0},{"value":"DECEASED","label":"Deceased","position":1},{"value":"INACTIVE","label":"Inactive","position":2}]'
			WHERE field_name = 'patientStatus'`,
		`UPDATE twenty.person SET patient_status = 'DECEASED' WHERE _source_key IN ('P1', 'P2', 'P3')`,
		`ALTER TABLE twenty.person ADD COLUMN referral_note VARCHAR`,
		`UPDATE twenty.person SET referral_note = 'Referred by Dr ' || _source_key`,
		`INSERT INTO twenty.field_plan VALUES ('person', 'referral_note', 'referralNote', 'Referral Note', 'TEXT', true, NULL, NULL, NULL, NULL, NULL)`,
	} {
		_, err := wh.DB().Exec(q)
		require.NoError(t, err, q)
	}
	confirmMap(t, wh)

	dry := pushOpts(t, srv, nil)
	dry.DryRun = true
	plan, err := Push(ctx, wh.DB(), dry)
	require.NoError(t, err)
	require.NotEmpty(t, plan.Schema)
	values, _ = selectValues(t, srv, "person", "patientStatus")
	assert.Equal(t, []string{"ACTIVE", "INACTIVE", "TRANSFERRED"}, values, "a dry run changes nothing")

	rep, err := Push(ctx, wh.DB(), pushOpts(t, srv, nil))
	require.NoError(t, err)
	assert.Empty(t, rep.Failures, "every patient lands")
	values, _ = selectValues(t, srv, "person", "patientStatus")
	assert.Equal(t, []string{"ACTIVE", "INACTIVE", "TRANSFERRED", "DECEASED"}, values, "the option is added after the others")
	kinds := map[string]SchemaAction{}
	for _, a := range rep.Schema {
		kinds[a.Object+"."+a.Field] = a
	}
	assert.Equal(t, "add options", kinds["person.patientStatus"].Kind)
	assert.Equal(t, "DECEASED", kinds["person.patientStatus"].Detail)
	assert.Equal(t, "create field", kinds["person.referralNote"].Kind)
	var p1 string
	require.NoError(t, wh.DB().QueryRow(`SELECT id FROM twenty.person WHERE _source_key = 'P1'`).Scan(&p1))
	rec, _ := srv.Record("person", p1)
	assert.Equal(t, "DECEASED", rec["patientStatus"])
	assert.Equal(t, "Referred by Dr P1", rec["referralNote"])

	// The log names the option the push added, and the field it made.
	rows, err := wh.DB().Query(`SELECT table_name, object, dest_id, action FROM meta.push_record
		WHERE run_id = ? AND table_name LIKE 'twenty:metadata/%' AND action = 'create' ORDER BY table_name, dest_id`, rep.RunID)
	require.NoError(t, err)
	var logged [][4]string
	for rows.Next() {
		var e [4]string
		require.NoError(t, rows.Scan(&e[0], &e[1], &e[2], &e[3]))
		logged = append(logged, e)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	require.Len(t, logged, 2)
	assert.Equal(t, [4]string{SchemaFieldsTable, "person.referralNote", logged[0][2], "create"}, logged[0])
	assert.Equal(t, [4]string{SchemaOptionsTable, "person.patientStatus", fieldID + "/DECEASED", "create"}, logged[1])
	// Each was logged pending before it was sent, and the answer settled it.
	var pendings int
	require.NoError(t, wh.DB().QueryRow(`SELECT count(*) FROM meta.push_record WHERE run_id = ? AND table_name LIKE 'twenty:metadata/%' AND action = 'pending'`, rep.RunID).Scan(&pendings))
	assert.Equal(t, 2, pendings)
	unsettled, err := audit.UnsettledOf(ctx, wh.DB(), rep.RunID)
	require.NoError(t, err)
	assert.Empty(t, unsettled)

	// Without --schema the data-model changes stay; with it they go.
	rb, err := Rollback(ctx, wh.DB(), RollbackOptions{Client: c, PushRun: rep.RunID})
	require.NoError(t, err)
	assert.Equal(t, 2, rb.SchemaLeft)
	rb, err = Rollback(ctx, wh.DB(), RollbackOptions{Client: c, PushRun: rep.RunID, Schema: true})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"option person.patientStatus DECEASED", "field person.referralNote"}, rb.Schema)
	values, _ = selectValues(t, srv, "person", "patientStatus")
	assert.Equal(t, []string{"ACTIVE", "INACTIVE", "TRANSFERRED"}, values, "only the option the push added is gone")
	o, _ = srv.Object("person")
	for _, f := range o.Fields {
		assert.NotEqual(t, "referralNote", f.Name, "the field the push made is gone")
	}
	rec, _ = srv.Record("person", p1)
	assert.Equal(t, "ACTIVE", rec["patientStatus"], "the patient's value before the push")

	// Again: nothing left to undo.
	rb, err = Rollback(ctx, wh.DB(), RollbackOptions{Client: c, PushRun: rep.RunID, Schema: true})
	require.NoError(t, err)
	assert.Empty(t, rb.Schema)
}

// TestSchemaChangeWhoseAnswerNeverCame: the run stops after Twenty made a
// custom object but before its answer reached the log (here the push's
// context ends while Twenty works on the create). The pending entry,
// written before the create was sent, names it; the rollback settles it
// by reading the data model and removes it with --schema, and a resume
// settles it as created instead of creating it again.
func TestSchemaChangeWhoseAnswerNeverCame(t *testing.T) {
	for _, then := range []string{"rollback", "resume"} {
		t.Run(then, func(t *testing.T) {
			wh, _ := openFixture(t, fixtureOpts{People: 4})
			passTests(t, wh)
			srv := twentytest.New(t, twentytest.Options{RateLimit: -1})
			ctx := context.Background()
			_, had := srv.Object("perioRecord")
			require.False(t, had)
			pctx, stop := context.WithCancel(ctx)
			srv.FailWhen(func(_ int, r *http.Request) twentytest.Fault {
				if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/rest/metadata/objects") {
					stop() // the process is gone by the time Twenty answers
				}
				return twentytest.NoFault
			})
			rep, err := Push(pctx, wh.DB(), pushOpts(t, srv, nil))
			require.Error(t, err)
			srv.FailWhen(nil)
			_, made := srv.Object("perioRecord")
			require.True(t, made, "Twenty made the object")
			unsettled, err := audit.UnsettledOf(ctx, wh.DB(), rep.RunID)
			require.NoError(t, err)
			require.NotEmpty(t, unsettled, "the create is pending in the log, by name")

			switch then {
			case "rollback":
				c, _ := testClient(t, srv, nil)
				rb, err := Rollback(ctx, wh.DB(), RollbackOptions{Client: c, PushRun: rep.RunID, Schema: true})
				require.NoError(t, err)
				assert.Contains(t, rb.Schema, "object perioRecord")
				_, still := srv.Object("perioRecord")
				assert.False(t, still, "the rollback removed the object whose answer never came")
			case "resume":
				o := pushOpts(t, srv, nil)
				o.Resume = true
				objectCreates := 0
				srv.FailWhen(func(_ int, r *http.Request) twentytest.Fault {
					if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/rest/metadata/objects") {
						objectCreates++
					}
					return twentytest.NoFault
				})
				rep2, err := Push(ctx, wh.DB(), o)
				srv.FailWhen(nil)
				require.NoError(t, err)
				assert.Equal(t, rep.RunID, rep2.RunID)
				var n int
				require.NoError(t, wh.DB().QueryRow(`SELECT count(*) FROM meta.push_record WHERE run_id = ? AND table_name = ? AND action = 'create' AND object = 'perioRecord'`,
					rep.RunID, SchemaObjectsTable).Scan(&n))
				assert.Equal(t, 1, n, "logged created once, by the settling")
				assert.Zero(t, objectCreates, "the resume does not send the create again")
				assert.Empty(t, rep2.Failures)
			}
			unsettled, err = audit.UnsettledOf(ctx, wh.DB(), rep.RunID)
			require.NoError(t, err)
			assert.Empty(t, unsettled)
		})
	}
}
