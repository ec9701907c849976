package odootest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/axium2crm/axium2crm/exporters/odoo"
	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
)

// TestSelectionOptionsAndSize: a manual selection field's options are
// ir.model.fields.selection records, as in Odoo 17: a value outside them
// is refused by create and by load until an option is created; removing
// an option clears it on the records holding it; writing the deprecated
// selection text rewrites the records; a base field's options and
// properties cannot change; a sized char field keeps the first size
// characters of a value until its size is written.
func TestSelectionOptionsAndSize(t *testing.T) {
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			s := odootest.New(odootest.Options{})
			defer s.Close()
			c := dial(t, s, proto)
			v, err := exec(t, c, "ir.model", "search", []any{[]any{[]any{"model", "=", "res.partner"}}}, nil)
			require.NoError(t, err)
			partner := v.([]any)[0]
			v, err = exec(t, c, "ir.model.fields", "create", []any{[]any{
				map[string]any{"model_id": partner, "name": "x_gender", "ttype": "selection", "field_description": "Gender", "selection": "[('f', 'Female'), ('m', 'Male')]"},
				map[string]any{"model_id": partner, "name": "x_chart", "ttype": "char", "field_description": "Chart", "size": 5},
			}}, nil)
			require.NoError(t, err)
			gender := v.([]any)[0]
			chart := v.([]any)[1]
			options := func() []string {
				t.Helper()
				v, err := exec(t, c, "ir.model.fields.selection", "search_read", []any{[]any{[]any{"field_id", "=", gender}}, []any{"value"}}, nil)
				require.NoError(t, err)
				var out []string
				for _, r := range v.([]any) {
					out = append(out, r.(map[string]any)["value"].(string))
				}
				return out
			}
			assert.Equal(t, []string{"f", "m"}, options(), "the options are records")

			_, err = exec(t, c, "res.partner", "create", []any{map[string]any{"name": "A", "x_gender": "x"}}, nil)
			assert.ErrorIs(t, err, odoo.ErrServer, "a value outside the options")
			res, err := exec(t, c, "res.partner", "load", []any{[]any{"name", "x_gender"}, []any{[]any{"B", "x"}}}, nil)
			require.NoError(t, err)
			assert.Equal(t, false, res.(map[string]any)["ids"], "load refuses it too")

			_, err = exec(t, c, "ir.model.fields.selection", "create", []any{[]any{map[string]any{"field_id": gender, "value": "x", "name": "Other", "sequence": 2}}}, nil)
			require.NoError(t, err)
			assert.Equal(t, []string{"f", "m", "x"}, options())
			f, _ := s.Field("res.partner", "x_gender")
			assert.Equal(t, [][2]string{{"f", "Female"}, {"m", "Male"}, {"x", "Other"}}, f.Selection)
			v, err = exec(t, c, "ir.model.fields", "read", []any{[]any{gender}, []any{"selection"}}, nil)
			require.NoError(t, err)
			assert.Equal(t, "[('f', 'Female'), ('m', 'Male'), ('x', 'Other')]", v.([]any)[0].(map[string]any)["selection"])
			v, err = exec(t, c, "res.partner", "create", []any{map[string]any{"name": "A", "x_gender": "x"}}, nil)
			require.NoError(t, err)
			holder := v.(int64)

			_, err = exec(t, c, "ir.model.fields.selection", "create", []any{[]any{map[string]any{"field_id": gender, "value": "x", "name": "Again"}}}, nil)
			assert.ErrorIs(t, err, odoo.ErrValidation, "a value is unique per field")
			v, err = exec(t, c, "ir.model.fields", "search", []any{[]any{[]any{"model", "=", "res.partner"}, []any{"name", "=", "type"}}}, nil)
			require.NoError(t, err)
			typ := v.([]any)[0]
			_, err = exec(t, c, "ir.model.fields.selection", "create", []any{[]any{map[string]any{"field_id": typ, "value": "x", "name": "X"}}}, nil)
			assert.ErrorIs(t, err, odoo.ErrValidation, "a base field's options cannot change")
			_, err = exec(t, c, "ir.model.fields", "write", []any{[]any{typ}, map[string]any{"field_description": "Kind"}}, nil)
			assert.ErrorIs(t, err, odoo.ErrValidation, "nor its properties")

			// Removing the option clears it where it is held.
			v, err = exec(t, c, "ir.model.fields.selection", "search", []any{[]any{[]any{"field_id", "=", gender}, []any{"value", "=", "x"}}}, nil)
			require.NoError(t, err)
			_, err = exec(t, c, "ir.model.fields.selection", "unlink", []any{v}, nil)
			require.NoError(t, err)
			assert.Equal(t, []string{"f", "m"}, options())
			v, err = exec(t, c, "res.partner", "read", []any{[]any{holder}, []any{"x_gender"}}, nil)
			require.NoError(t, err)
			assert.Equal(t, false, v.([]any)[0].(map[string]any)["x_gender"])

			// The deprecated text: new values inserted, missing ones removed.
			_, err = exec(t, c, "ir.model.fields", "write", []any{[]any{gender}, map[string]any{"selection": "[('m', 'Male'), ('u', 'Unknown')]"}}, nil)
			require.NoError(t, err)
			assert.Equal(t, []string{"m", "u"}, options())

			// Size: silently truncated until widened.
			v, err = exec(t, c, "res.partner", "create", []any{map[string]any{"name": "C", "x_chart": "CH-000123"}}, nil)
			require.NoError(t, err)
			id := v.(int64)
			read := func() any {
				v, err := exec(t, c, "res.partner", "read", []any{[]any{id}, []any{"x_chart"}}, nil)
				require.NoError(t, err)
				return v.([]any)[0].(map[string]any)["x_chart"]
			}
			assert.Equal(t, "CH-00", read())
			_, err = exec(t, c, "ir.model.fields", "write", []any{[]any{chart}, map[string]any{"size": 12}}, nil)
			require.NoError(t, err)
			_, err = exec(t, c, "res.partner", "write", []any{[]any{id}, map[string]any{"x_chart": "CH-000123"}}, nil)
			require.NoError(t, err)
			assert.Equal(t, "CH-000123", read())
			v, err = exec(t, c, "ir.model.fields", "read", []any{[]any{chart}, []any{"size"}}, nil)
			require.NoError(t, err)
			assert.EqualValues(t, 12, v.([]any)[0].(map[string]any)["size"])
		})
	}
}
