package models

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/loaders"
	"github.com/axium2crm/axium2crm/sql/warehouse"
)

func TestCarriedNames(t *testing.T) {
	long := strings.Repeat("Very Long Header ", 8)
	cases := []struct {
		name     string
		recorded []CarriedColumn
		raw      []string
		want     map[string][2]string // header → Twenty, Odoo name; "" when only checked for validity
	}{
		{name: "words", raw: []string{"Medical Alert (free text)", "Patient's 2nd Phone", "e.g. Notes", "#"},
			want: map[string][2]string{
				"Medical Alert (free text)": {"medicalAlertFreeText", "x_medical_alert_free_text"},
				"Patient's 2nd Phone":       {"patients2NdPhone", "x_patients_2_nd_phone"},
				"e.g. Notes":                {"egNotes", "x_eg_notes"},
				"#":                         {"", ""},
			}},
		{name: "a leading digit", raw: []string{"2021 Balance"},
			want: map[string][2]string{"2021 Balance": {"field2021Balance", "x_2021_balance"}}},
		{name: "taken by the plans", raw: []string{"Insurance", "Chart Number", "Allergy List", "Address"},
			want: map[string][2]string{"Insurance": {"", "x_insurance"}, "Chart Number": {"", ""},
				"Allergy List": {"allergyList", ""}, "Address": {"", "x_address"}}},
		{name: "too long", raw: []string{long}},
		{name: "recorded first", recorded: []CarriedColumn{{Object: "patient", RawColumn: "Remark", TwentyField: "remarks",
			OdooField: "x_remarks", Label: "Remarks"}}, raw: []string{"Remarks"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := nameCarried("patient", tc.recorded, tc.raw)
			require.Len(t, got, len(tc.raw))
			seen := map[string]bool{}
			for _, c := range tc.recorded {
				seen[strings.ToLower(c.TwentyField)], seen[strings.ToLower(c.OdooField)], seen["label "+strings.ToLower(c.Label)] = true, true, true
			}
			for _, c := range got {
				assert.True(t, validTwenty(c.TwentyField), "%q", c.TwentyField)
				assert.True(t, validOdoo(c.OdooField), "%q", c.OdooField)
				assert.False(t, carryTargets["patient"].twenty[strings.ToLower(c.TwentyField)], c.TwentyField)
				assert.False(t, carryTargets["patient"].odoo[c.OdooField], c.OdooField)
				for _, k := range []string{strings.ToLower(c.TwentyField), strings.ToLower(c.OdooField), "label " + strings.ToLower(c.Label)} {
					assert.False(t, seen[k], "%s given twice", k)
					seen[k] = true
				}
				assert.LessOrEqual(t, len(c.TwentyField), 63)
				assert.LessOrEqual(t, len(c.OdooField), 63)
				if w, ok := tc.want[c.RawColumn]; ok {
					if w[0] != "" {
						assert.Equal(t, w[0], c.TwentyField, c.RawColumn)
					}
					if w[1] != "" {
						assert.Equal(t, w[1], c.OdooField, c.RawColumn)
					}
				}
			}
		})
	}
	// A suffix depends on the header alone: another header arriving
	// later does not rename a column.
	a := nameCarried("patient", nil, []string{"Insurance"})
	b := nameCarried("patient", nil, []string{"Insurance", "Insurance Notes", "Aaa"})
	assert.Equal(t, a[0], b[1])
	// A label a person field already has is told apart.
	assert.Equal(t, "Insurance (axiUm column)", a[0].Label)
}

// TestCarryReservedNames checks the names nameCarried keeps clear of
// against what the field plans give a person and a partner (a column of
// an empty warehouse: the plans' fixed rows are there all the same), and
// checks camelName against the SQL macro util.camel_name that names the
// custom-form fields.
func TestCarryReservedNames(t *testing.T) {
	ctx := context.Background()
	wh, err := warehouse.Open(ctx, warehouse.Options{Path: filepath.Join(t.TempDir(), "w.duckdb")})
	require.NoError(t, err)
	defer wh.Close()
	set, err := Read(Embedded())
	require.NoError(t, err)
	rep, err := set.Run(ctx, wh.DB(), RunOptions{Sources: Sources(loaders.DefaultSpecs()), TempDir: t.TempDir(),
		Select: []string{"+twenty_field_plan", "+odoo_field_plan"}})
	require.NoError(t, err)
	for _, r := range rep.Results {
		require.Equal(t, "success", r.Status, "%s: %s", r.Model, r.Message)
	}
	for object, plan := range map[string][2]string{"patient": {"person", "res.partner"}, "appointment": {"task", "calendar.event"}} {
		target := carryTargets[object]
		rows, err := wh.DB().Query(`SELECT field_name, label FROM twenty.field_plan
			WHERE object_name_singular = ? AND table_column <> 'extra_fields' AND NOT starts_with(coalesce(description, ''), 'Carried')
			UNION ALL SELECT target_field_label, NULL FROM twenty.field_plan WHERE relation_target_object = ?`, plan[0], plan[0])
		require.NoError(t, err)
		n := 0
		for rows.Next() {
			var name string
			var label *string
			require.NoError(t, rows.Scan(&name, &label))
			if label == nil { // a relation's inverse field
				name = camelName(name)
			} else {
				assert.True(t, target.labels[strings.ToLower(*label)], "%s label %q", object, *label)
			}
			assert.True(t, target.twenty[strings.ToLower(name)], "%s field %q", object, name)
			n++
		}
		require.NoError(t, rows.Err())
		rows.Close()
		require.Greater(t, n, 10, object)
		rows, err = wh.DB().Query(`SELECT name FROM odoo.field_plan WHERE model = ? AND starts_with(name, 'x_')
			AND NOT starts_with(coalesce(note, ''), 'carried')`, plan[1])
		require.NoError(t, err)
		n = 0
		for rows.Next() {
			var name string
			require.NoError(t, rows.Scan(&name))
			assert.True(t, target.odoo[name], "%s field %q", object, name)
			n++
		}
		require.NoError(t, rows.Err())
		rows.Close()
		require.Greater(t, n, 5, object)
	}

	for _, h := range []string{"Medical Alert (free text)", "Patient's 2nd Phone", "e.g. Notes", "a b c d", "HHX Are you under a physician’s care now?",
		"X-Ray 3D", "2021 Balance", "ÉTAT civil", "#", "Remarks_2", "IDNumber", "co-pay %"} {
		var want *string
		require.NoError(t, wh.DB().QueryRow("SELECT util.camel_name(?)", h).Scan(&want))
		got := camelName(h)
		if want == nil {
			assert.Empty(t, got, h)
		} else {
			assert.Equal(t, *want, got, h)
		}
	}
}
