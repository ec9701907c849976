package odoo

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/axium2crm/axium2crm/exporters"
	"github.com/axium2crm/axium2crm/exporters/audit"
)

// SchemaAction is one change the schema step makes (or would make).
type SchemaAction struct {
	Kind   string `json:"kind"` // model, field, access, inherited, add options, widen
	Model  string `json:"model"`
	Name   string `json:"name,omitempty"`
	Detail string `json:"detail,omitempty"`

	// An existing field's change: its ir.model.fields id; the options it
	// had, those the push adds, the sequence after the last one and the
	// ids Odoo gave the added ones (add options); its size before and after
	// (widen).
	fieldID          int64
	before, added    [][2]string
	nextSeq          int64
	options          []int64
	oldSize, newSize int
}

// SchemaReport is what the schema step found and did.
type SchemaReport struct {
	Modules map[string]string `json:"modules"` // name → state
	Actions []SchemaAction    `json:"actions"`
	Applied bool              `json:"applied"`
}

// ErrMissingModules: Odoo lacks modules the data needs.
var ErrMissingModules = errors.New("odoo modules not installed")

// ConflictError: a field exists with another type; nothing was changed.
type ConflictError struct{ Conflicts []string }

func (e *ConflictError) Error() string {
	return "the Odoo schema conflicts with odoo.field_plan (nothing was sent):\n  " + strings.Join(e.Conflicts, "\n  ")
}

// Is lets callers test for exporters.ErrSchemaConflict whatever the destination.
func (e *ConflictError) Is(target error) bool { return target == exporters.ErrSchemaConflict }

// modelModules: the module that must be installed for a model.
var modelModules = map[string]string{
	"res.partner": "contacts", "crm.lead": "crm", "calendar.event": "calendar",
	"account.move": "account", "account.move.line": "account", "product.product": "account",
}

// EnsureSchema checks that the modules the plan's models need are
// installed, that existing fields have the planned types, then (unless
// dryRun) creates the missing custom models (with an ir.model.access row
// for base.group_user) and x_ fields. Every check runs before any change.
func EnsureSchema(ctx context.Context, c *Client, plan *Plan, dryRun bool) (*SchemaReport, error) {
	return ensureSchema(ctx, c, plan, dryRun, nil)
}

// ensureSchema is EnsureSchema that logs, when log is set, each change
// write-ahead: pending under its name before it is sent, created (or
// updated) once Odoo answered (schema_wal.go), so a push stopped in
// between is settled from Odoo's data model and rollback --schema knows
// every change the push made.
func ensureSchema(ctx context.Context, c *Client, plan *Plan, dryRun bool, log func([]audit.Entry) error) (*SchemaReport, error) {
	wal := func(entries []audit.Entry) error {
		if log == nil || len(entries) == 0 {
			return nil
		}
		return log(entries)
	}
	rep := &SchemaReport{Modules: map[string]string{}}
	need := map[string]bool{"contacts": true}
	for _, o := range plan.Objects {
		if m := modelModules[o.Model]; m != "" {
			need[m] = true
		}
	}
	names := sortedKeys(need)
	v, err := c.Execute(ctx, "ir.module.module", "search_read", []any{[]any{[]any{"name", "in", anyList(names)}}},
		map[string]any{"fields": []any{"name", "state"}})
	if err != nil {
		return nil, fmt.Errorf("check installed modules: %w", err)
	}
	for _, r := range records(v) {
		rep.Modules[str(r["name"])] = str(r["state"])
	}
	var missing []string
	for _, n := range names {
		if rep.Modules[n] != "installed" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return rep, fmt.Errorf("%w: %s (install them in Odoo's Apps, then run again)", ErrMissingModules, strings.Join(missing, ", "))
	}

	// Custom models: those the object plan marks custom, or x_ ones the
	// field plan names.
	custom := map[string]string{}
	for _, o := range plan.Objects {
		if o.IsCustom || strings.HasPrefix(o.Model, "x_") {
			custom[o.Model] = o.Description
		}
	}
	for _, f := range plan.Fields {
		if strings.HasPrefix(f.Model, "x_") {
			if _, ok := custom[f.Model]; !ok {
				custom[f.Model] = ""
			}
		}
	}
	modelIDs := map[string]int64{}
	allModels := map[string]bool{}
	for _, f := range plan.Fields {
		allModels[f.Model] = true
	}
	for m := range custom {
		allModels[m] = true
	}
	v, err = c.Execute(ctx, "ir.model", "search_read", []any{[]any{[]any{"model", "in", anyList(sortedKeys(allModels))}}},
		map[string]any{"fields": []any{"model"}})
	if err != nil {
		return nil, fmt.Errorf("read models: %w", err)
	}
	for _, r := range records(v) {
		modelIDs[str(r["model"])] = num(r["id"])
	}
	var conflicts []string
	for m := range allModels {
		if _, ok := modelIDs[m]; !ok && custom[m] == "" && !strings.HasPrefix(m, "x_") {
			conflicts = append(conflicts, fmt.Sprintf("model %s does not exist in Odoo (is its module installed?)", m))
		}
	}

	// Existing fields of every planned model.
	existing := map[string]map[string]map[string]any{}
	v, err = c.Execute(ctx, "ir.model.fields", "search_read", []any{[]any{[]any{"model", "in", anyList(sortedKeys(allModels))}}},
		map[string]any{"fields": []any{"model", "name", "ttype", "relation", "state", "size", "index"}})
	if err != nil {
		return nil, fmt.Errorf("read fields: %w", err)
	}
	for _, r := range records(v) {
		m := str(r["model"])
		if existing[m] == nil {
			existing[m] = map[string]map[string]any{}
		}
		existing[m][str(r["name"])] = r
	}
	var toCreate []PlanField
	var evolve []PlanField // fields that exist with the planned type
	for _, f := range plan.Fields {
		e, ok := existing[f.Model][f.Name]
		if !ok && f.Model != "" && strings.HasPrefix(f.Model, "x_") && f.Name == "x_name" && modelIDs[f.Model] == 0 {
			// ir.model gives every new custom model x_name (char).
			if f.Type != "char" {
				conflicts = append(conflicts, fmt.Sprintf("%s.x_name: Odoo creates it as char, the plan wants %s", f.Model, f.Type))
			}
			continue
		}
		switch {
		case ok && str(e["ttype"]) != f.Type:
			conflicts = append(conflicts, fmt.Sprintf("%s.%s is %s in Odoo, the plan wants %s", f.Model, f.Name, str(e["ttype"]), f.Type))
		case ok && f.Relation != "" && str(e["relation"]) != f.Relation:
			conflicts = append(conflicts, fmt.Sprintf("%s.%s points to %s in Odoo, the plan wants %s", f.Model, f.Name, str(e["relation"]), f.Relation))
		case !ok && !strings.HasPrefix(f.Name, "x_"):
			conflicts = append(conflicts, fmt.Sprintf("%s.%s is a standard field Odoo does not have (is its module installed?)", f.Model, f.Name))
		case !ok:
			toCreate = append(toCreate, f)
		default:
			evolve = append(evolve, f)
		}
	}
	changes, more, err := fieldChanges(ctx, c, plan, evolve, existing)
	if err != nil {
		return nil, err
	}
	conflicts = append(conflicts, more...)
	if len(conflicts) > 0 {
		sort.Strings(conflicts)
		return rep, &ConflictError{Conflicts: conflicts}
	}

	var guser int64
	if len(custom) > 0 {
		ids, err := c.resolveXIDs(ctx, []string{"base.group_user"})
		if err != nil {
			return nil, err
		}
		x, ok := ids["base.group_user"]
		if !ok {
			return nil, fmt.Errorf("base.group_user not found in Odoo")
		}
		guser = x.ID
	}
	for _, m := range sortedKeys(custom) {
		if modelIDs[m] == 0 {
			rep.Actions = append(rep.Actions, SchemaAction{Kind: "model", Model: m, Detail: custom[m]})
			if !dryRun {
				desc := custom[m]
				if desc == "" {
					desc = m
				}
				a := rep.Actions[len(rep.Actions)-1]
				if err := wal(pendingOf(a)); err != nil {
					return rep, err
				}
				got, err := createSchema(ctx, c, "ir.model", []map[string]any{{"name": desc, "model": m}}, findModels(c, []string{m}))
				if err != nil {
					return rep, fmt.Errorf("create model %s: %w", m, err)
				}
				modelIDs[m] = got[0]
				if err := wal(doneOf(a)); err != nil {
					return rep, err
				}
			}
		}
		has := false
		if modelIDs[m] != 0 {
			v, err := c.Execute(ctx, "ir.model.access", "search_count", []any{[]any{[]any{"model_id", "=", modelIDs[m]}, []any{"group_id", "=", guser}}}, nil)
			if err != nil {
				return rep, fmt.Errorf("read access of %s: %w", m, err)
			}
			has = num(v) > 0
		}
		if !has {
			rep.Actions = append(rep.Actions, SchemaAction{Kind: "access", Model: m, Name: "base.group_user", Detail: "read, write, create, unlink"})
			if !dryRun {
				got, err := createSchema(ctx, c, "ir.model.access", []map[string]any{{
					"name": "axium2crm " + m + " user", "model_id": modelIDs[m], "group_id": guser,
					"perm_read": true, "perm_write": true, "perm_create": true, "perm_unlink": true}}, findAccess(c, modelIDs[m], guser))
				if err != nil {
					return rep, fmt.Errorf("grant access to %s: %w", m, err)
				}
				// Odoo 17 keeps its creator's ACL cache stale after this create
				// (no create right on the model) until the next cache clear;
				// an empty write clears it.
				if _, err := c.Execute(ctx, "ir.model.access", "write", []any{anyList64(got), map[string]any{}}, nil); err != nil {
					return rep, fmt.Errorf("refresh access to %s: %w", m, err)
				}
			}
		}
	}
	// Fields pointing at custom models go after the models exist; one call
	// per model, one2many fields last (their inverse many2one first).
	var plain, inverse []PlanField
	for _, f := range toCreate {
		rep.Actions = append(rep.Actions, SchemaAction{Kind: "field", Model: f.Model, Name: f.Name, Detail: f.Type})
		if f.Type == "one2many" {
			inverse = append(inverse, f)
		} else {
			plain = append(plain, f)
		}
	}
	if !dryRun {
		vals := func(f PlanField) map[string]any {
			v := map[string]any{"model_id": modelIDs[f.Model], "name": f.Name, "ttype": f.Type,
				"field_description": f.Description, "required": f.Required}
			if f.Relation != "" {
				v["relation"] = f.Relation
			}
			if f.RelationField != "" {
				v["relation_field"] = f.RelationField
			}
			if f.Type == "many2one" && f.Required {
				// Odoo refuses a required many2one whose ondelete is the
				// default set null.
				v["on_delete"] = "cascade"
			}
			if f.Type == "selection" {
				v["selection"] = pySelection(f.Selection)
			}
			if f.Name == createKey {
				// Records are found by it (a resume, verify, rollback):
				// Odoo gives an indexed field a btree index.
				v["index"] = true
			}
			return v
		}
		byModel := map[string][]PlanField{}
		for _, f := range plain {
			byModel[f.Model] = append(byModel[f.Model], f)
		}
		for _, m := range sortedKeys(byModel) {
			// A model inheriting another (res.users from res.partner through
			// partner_id) gains the fields just created on its parent.
			v, err := c.Execute(ctx, "ir.model.fields", "search_read", []any{[]any{[]any{"model", "=", m}}}, map[string]any{"fields": []any{"name"}})
			if err != nil {
				return rep, fmt.Errorf("read fields of %s: %w", m, err)
			}
			have := map[string]bool{}
			for _, r := range records(v) {
				have[str(r["name"])] = true
			}
			var todo []PlanField
			for _, f := range byModel[m] {
				if !have[f.Name] {
					todo = append(todo, f)
					continue
				}
				for i, a := range rep.Actions {
					if a.Kind == "field" && a.Model == m && a.Name == f.Name {
						rep.Actions[i].Detail += " (inherited: created with its parent model's field)"
						rep.Actions[i].Kind = "inherited"
					}
				}
			}
			if len(todo) == 0 {
				continue
			}
			if err := wal(fieldEntries(todo, audit.Pending)); err != nil {
				return rep, err
			}
			if _, err := createSchema(ctx, c, "ir.model.fields", mapSlice(todo, vals), findFields(c, todo)); err != nil {
				return rep, fmt.Errorf("create fields on %s: %w", m, err)
			}
			if err := wal(fieldEntries(todo, audit.Create)); err != nil {
				return rep, err
			}
		}
		if len(inverse) > 0 {
			if err := wal(fieldEntries(inverse, audit.Pending)); err != nil {
				return rep, err
			}
			if _, err := createSchema(ctx, c, "ir.model.fields", mapSlice(inverse, vals), findFields(c, inverse)); err != nil {
				return rep, fmt.Errorf("create one2many fields: %w", err)
			}
			if err := wal(fieldEntries(inverse, audit.Create)); err != nil {
				return rep, err
			}
		}
	}
	if err := applyFieldChanges(ctx, c, changes, dryRun, wal); err != nil {
		return rep, err
	}
	rep.Actions = append(rep.Actions, changes...)
	rep.Applied = !dryRun
	return rep, nil
}

// pySelection writes options as the Python literal ir.model.fields.selection holds.
func pySelection(opts [][2]string) string {
	parts := make([]string, len(opts))
	for i, o := range opts {
		parts[i] = "(" + pyString(o[0]) + ", " + pyString(o[1]) + ")"
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func pyString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\r", `\r`)
	return "'" + r.Replace(s) + "'"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func anyList(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

func records(v any) []map[string]any {
	l, _ := v.([]any)
	out := make([]map[string]any, 0, len(l))
	for _, x := range l {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func ids(v any) []int64 {
	if n, ok := v.(int64); ok {
		return []int64{n}
	}
	l, _ := v.([]any)
	out := make([]int64, 0, len(l))
	for _, x := range l {
		out = append(out, num(x))
	}
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	}
	return 0
}

// XIDTarget is what an external id names.
type XIDTarget struct {
	Model string
	ID    int64
}

// resolveXIDs looks external ids up in ir.model.data, 1000 names a call.
// Ids that do not exist are absent from the result.
func (c *Client) resolveXIDs(ctx context.Context, xids []string) (map[string]XIDTarget, error) {
	byModule := map[string][]string{}
	for _, x := range xids {
		mod, name, ok := strings.Cut(x, ".")
		if !ok {
			mod, name = "__import__", x
		}
		byModule[mod] = append(byModule[mod], name)
	}
	out := map[string]XIDTarget{}
	for _, mod := range sortedKeys(byModule) {
		names := byModule[mod]
		for start := 0; start < len(names); start += 1000 {
			chunk := names[start:min(start+1000, len(names))]
			v, err := c.Execute(ctx, "ir.model.data", "search_read",
				[]any{[]any{[]any{"module", "=", mod}, []any{"name", "in", anyList(chunk)}}},
				map[string]any{"fields": []any{"module", "name", "model", "res_id"}})
			if err != nil {
				return nil, fmt.Errorf("look up external ids: %w", err)
			}
			for _, r := range records(v) {
				out[str(r["module"])+"."+str(r["name"])] = XIDTarget{Model: str(r["model"]), ID: num(r["res_id"])}
			}
		}
	}
	return out, nil
}

func anyList64(s []int64) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}
