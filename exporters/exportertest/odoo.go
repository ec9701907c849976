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
	for k, x := range odooKeyed(s) {
		if _, named := back[k]; !named {
			back[k] = x
			bound[strings.Split(k, ",")[0]] = true
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
	// A push leaves Odoo's settings as it found them: lead scoring's
	// start date, which it pauses while it writes, shows only when it is
	// not the seeded one.
	for _, r := range s.Records("ir.config_parameter") {
		if r["key"] == "crm.pls_start_date" && r["value"] != odootest.PLSStartDate {
			out["ir.config_parameter "+r["key"].(string)] = map[string]any{"value": r["value"]}
		}
	}
	return out
}

// OdooKeyedModels are the models whose records the push knows by their
// key field x_axium_xid (the record's external id, repeated on it): it
// writes them by create and does not name them in ir.model.data.
var OdooKeyedModels = []string{"x_perio_record", "crm.lead", "account.move.line", "account.payment"}

// odooKeyed maps "model,id" of every record of a keyed model that carries
// an axium key to that key.
func odooKeyed(s *odootest.Server) map[string]string {
	out := map[string]string{}
	for _, m := range OdooKeyedModels {
		if _, ok := s.Field(m, "x_axium_xid"); !ok {
			continue
		}
		for _, r := range s.Records(m) {
			if x, _ := r["x_axium_xid"].(string); strings.HasPrefix(x, "axium.") {
				out[fmt.Sprintf("%s,%v", m, r["id"])] = x
			}
		}
	}
	return out
}

// OdooOwn counts, per model, the records the migration made: those bound
// to an axium external id (without the ids Odoo gives a delegated parent:
// a product's template, a payment's move, a user's partner) and those of
// a keyed model that carry an axium key and no name.
func OdooOwn(s *odootest.Server) map[string]int {
	out := map[string]int{}
	named := map[string]bool{}
	for _, r := range s.Records("ir.model.data") {
		name := r["name"].(string)
		named[fmt.Sprintf("%s,%d", r["model"], r["res_id"])] = true
		if r["module"] != "axium" || strings.HasSuffix(name, "_product_template") || strings.HasSuffix(name, "_account_move") || strings.HasSuffix(name, "_res_partner") {
			continue
		}
		out[r["model"].(string)]++
	}
	for k := range odooKeyed(s) {
		if !named[k] {
			out[strings.Split(k, ",")[0]]++
		}
	}
	return out
}

// OdooRecord finds the record an external id names, or for a keyed model
// the record that carries it as its key.
func OdooRecord(s *odootest.Server, xid string) (string, int64, bool) {
	if m, id, ok := s.XID(xid); ok {
		return m, id, true
	}
	for k, x := range odooKeyed(s) {
		if x == xid {
			m, id, _ := strings.Cut(k, ",")
			var n int64
			fmt.Sscan(id, &n)
			return m, n, true
		}
	}
	return "", 0, false
}
