package odoo

import (
	"context"
	"fmt"
	"strings"
)

// xidCount counts the axium external ids bound to a model, those Odoo
// gives a delegated parent (<xid>_<parent model>) left out: one
// search_count, the records of the model the migration holds.
func (c *Client) xidCount(ctx context.Context, model string) (int, error) {
	v, err := c.Execute(ctx, "ir.model.data", "search_count", []any{[]any{
		[]any{"module", "=", "axium"}, []any{"model", "=", model},
		[]any{"name", "not like", "_" + strings.ReplaceAll(model, ".", "_")}}}, nil)
	if err != nil {
		return 0, fmt.Errorf("count the axium external ids of %s: %w", model, err)
	}
	return int(num(v)), nil
}

// xidPage looks up one page of external ids of module axium in one call,
// however many the page holds (resolveXIDs asks 1,000 a call).
func (c *Client) xidPage(ctx context.Context, xids []string) (map[string]XIDTarget, error) {
	names := make([]any, 0, len(xids))
	for _, x := range xids {
		if n, ok := strings.CutPrefix(x, "axium."); ok {
			names = append(names, n)
		}
	}
	out := map[string]XIDTarget{}
	if len(names) == 0 {
		return out, nil
	}
	v, err := c.Execute(ctx, "ir.model.data", "search_read",
		[]any{[]any{[]any{"module", "=", "axium"}, []any{"name", "in", names}}},
		map[string]any{"fields": []any{"name", "model", "res_id"}})
	if err != nil {
		return nil, fmt.Errorf("look up external ids: %w", err)
	}
	for _, r := range records(v) {
		out["axium."+str(r["name"])] = XIDTarget{Model: str(r["model"]), ID: num(r["res_id"])}
	}
	return out, nil
}
