package odoo

import (
	"context"
	"fmt"
)

// missingRights is what a dry run reads of the user's access rights, by
// check_access_rights(operation, raise_exception=False), which answers
// without writing: the rights the push needs on each model it writes
// (create and write: load creates or updates) and the one its rollback
// needs (unlink). A model the schema step would create is left out: the
// push grants its access with it.
func missingRights(ctx context.Context, c *Client, plan *Plan, schema *SchemaReport) ([]string, error) {
	created := map[string]bool{}
	if schema != nil {
		for _, a := range schema.Actions {
			if a.Kind == "model" {
				created[a.Model] = true
			}
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, o := range plan.Objects {
		if seen[o.Model] || created[o.Model] {
			continue
		}
		seen[o.Model] = true
		for _, op := range []struct{ mode, what string }{
			{"create", "create them (the push)"}, {"write", "update them (the push)"}, {"unlink", "delete them (a rollback)"},
		} {
			v, err := c.Execute(ctx, o.Model, "check_access_rights", []any{op.mode, false}, nil)
			if err != nil {
				return out, fmt.Errorf("read the access rights on %s: %w", o.Model, err)
			}
			if ok, _ := v.(bool); !ok {
				out = append(out, fmt.Sprintf("the Odoo user may not %s %s records: give the user a group with that right (Settings > Users)", op.what, o.Model))
			}
		}
	}
	return out, nil
}
