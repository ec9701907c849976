package exportertest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/axium2crm/axium2crm/exporters/odoo/odootest"
)

// OdooState is what an Odoo test server holds of the migration: every
// record bound to an "axium." external id, by that id, with references
// written as external ids, and without what the server sets itself
// (database ids, create and write dates) or fields the model no longer
// has (rollback --schema: Odoo drops the column, the test server keeps
// the value). Two servers that took the same writes compare equal. With
// models named, only their records; else those of every model.
func OdooState(s *odootest.Server, models ...string) map[string]map[string]any {
	back := map[string]string{}
	bound := map[string]bool{}
	for _, r := range s.Records("ir.model.data") {
		back[fmt.Sprintf("%s,%d", r["model"], r["res_id"])] = r["module"].(string) + "." + r["name"].(string)
		if r["module"] == "axium" {
			bound[r["model"].(string)] = true
		}
	}
	if len(models) == 0 {
		for m := range bound {
			models = append(models, m)
		}
		sort.Strings(models)
	}
	ref := func(model string, id any) string { return back[fmt.Sprintf("%s,%d", model, id)] }
	out := map[string]map[string]any{}
	for _, m := range models {
		for _, r := range s.Records(m) {
			xid := ref(m, r["id"])
			if !strings.HasPrefix(xid, "axium.") {
				continue
			}
			v := map[string]any{}
			for k, x := range r {
				f, ok := s.Field(m, k)
				if k == "id" || k == "create_date" || k == "write_date" || !ok {
					continue
				}
				switch {
				case f.Type == "many2one":
					if id, ok := x.(int64); ok && id != 0 {
						x = ref(f.Relation, id)
					}
				case f.Type == "many2many" || f.Type == "one2many":
					var names []string
					if ids, ok := x.([]int64); ok {
						for _, id := range ids {
							names = append(names, ref(f.Relation, id))
						}
					}
					sort.Strings(names)
					x = strings.Join(names, ",")
				case k == "res_id":
					x = ref(fmt.Sprint(r["res_model"]), x) + ref(fmt.Sprint(r["model"]), x)
				}
				v[k] = x
			}
			out[xid] = v
		}
	}
	return out
}
