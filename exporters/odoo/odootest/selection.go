package odootest

import (
	"fmt"
	"sort"
	"strings"
)

// Odoo 17 keeps a selection field's options as ir.model.fields.selection
// records (odoo/addons/base/models/ir_model.py, IrModelSelection): the
// registry gives the field the options of its records, ordered by
// sequence then id, and ir.model.fields' selection (a Char marked
// deprecated) is computed from them; writing that Char runs
// _update_selection, which inserts, updates and removes records to match.
// What the server enforces, as Odoo does:
//   - options of a base (non-manual) field cannot be created or removed;
//   - a value is unique per field;
//   - removing an option of a manual field that is not required clears
//     it on the records holding it (_process_ondelete: "set null");
//   - a char field with a size keeps at most size characters of a value
//     (fields.Char.convert_to_column), silently;
//   - properties of a base field cannot be written.

// selectionModel is the model of a selection field's options.
const selectionModel = "ir.model.fields.selection"

// baseFieldError is Odoo's refusal to change a field a module defines.
func baseFieldError() *fault {
	return userError("Properties of base fields cannot be altered in this manner! Please modify them through Python code, preferably through a custom addon!")
}

// fieldOf returns the field an ir.model.fields row describes.
func (st *store) fieldOf(row Record) (*Model, *Field) {
	model, _ := row["model"].(string)
	name, _ := row["name"].(string)
	m := st.models[model]
	if m == nil {
		return nil, nil
	}
	return m, m.Fields[name]
}

// selectionRows are the options of field fieldID as records, in Odoo's order.
func (st *store) selectionRows(fieldID int64) []Record {
	var out []Record
	for _, r := range st.all(selectionModel) {
		if num(r["field_id"]) == fieldID {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if a, b := num(out[i]["sequence"]), num(out[j]["sequence"]); a != b {
			return a < b
		}
		return num(out[i]["id"]) < num(out[j]["id"])
	})
	return out
}

// putSelectionRows stores options of a field as records, sequence from 0,
// as the reflection of a field and _update_selection do.
func (st *store) putSelectionRows(fieldID int64, opts [][2]string) {
	for i, o := range opts {
		id := st.newID(selectionModel)
		st.put(selectionModel, Record{"id": id, "field_id": fieldID, "value": o[0], "name": o[1], "sequence": int64(i)})
	}
}

// syncSelection gives a field the options its records hold, and its
// ir.model.fields row the selection text Odoo computes from them. A field
// res.users inherits from res.partner follows the partner's.
func (st *store) syncSelection(fieldID int64) {
	row, ok := st.tables["ir.model.fields"].lookup(fieldID)
	if !ok {
		return
	}
	var opts [][2]string
	for _, r := range st.selectionRows(fieldID) {
		opts = append(opts, [2]string{fmt.Sprint(r["value"]), fmt.Sprint(r["name"])})
	}
	m, fl := st.fieldOf(row)
	if fl != nil {
		st.setSelection(fl, opts)
		if m.Name == "res.partner" {
			if uf := st.models["res.users"].Fields[fl.Name]; uf != nil && uf.Custom {
				st.setSelection(uf, opts)
			}
		}
	}
	nr := Record{}
	for k, v := range row {
		nr[k] = v
	}
	nr["selection"] = pySelection(opts)
	st.put("ir.model.fields", nr)
}

func (st *store) setSelection(fl *Field, opts [][2]string) {
	old := fl.Selection
	fl.Selection = opts
	st.undo = append(st.undo, func() { fl.Selection = old })
}

func (st *store) setSize(fl *Field, size int) {
	old := fl.Size
	fl.Size = size
	st.undo = append(st.undo, func() { fl.Size = old })
}

// pySelection is str() of a list of pairs, as _compute_selection writes it.
func pySelection(opts [][2]string) string {
	parts := make([]string, len(opts))
	for i, o := range opts {
		parts[i] = fmt.Sprintf("(%s, %s)", pyRepr(o[0]), pyRepr(o[1]))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// beforeSelectionCreate checks a new option: its field is a manual
// selection field, and the value is new to it.
func (st *store) beforeSelectionCreate(r Record) error {
	fid := num(r["field_id"])
	row, ok := st.tables["ir.model.fields"].lookup(fid)
	if !ok {
		return missingError("ir.model.fields", fid)
	}
	if row["ttype"] != "selection" && row["ttype"] != "reference" {
		return validationError("The operation cannot be completed: the field %s.%s is not a selection field.", row["model"], row["name"])
	}
	if row["state"] != "manual" {
		return baseFieldError()
	}
	for _, o := range st.selectionRows(fid) {
		if o["value"] == r["value"] {
			return validationError("The operation cannot be completed: Selections values must be unique per field")
		}
	}
	return nil
}

// dropSelection removes an option: refused on a base field; on a manual
// field that is not required the records holding the value lose it.
func (st *store) dropSelection(id int64) error {
	r := st.tables[selectionModel].row(id)
	fid := num(r["field_id"])
	row := st.tables["ir.model.fields"].row(fid)
	if row["state"] != "manual" {
		return baseFieldError()
	}
	if m, fl := st.fieldOf(row); fl != nil && !fl.Required {
		st.clearValue(m, fl.Name, r["value"])
		if m.Name == "res.partner" {
			if um := st.models["res.users"]; um != nil && um.Fields[fl.Name] != nil {
				st.clearValue(um, fl.Name, r["value"])
			}
		}
	}
	st.del(selectionModel, id)
	st.syncSelection(fid)
	return nil
}

// clearValue sets field name to False on the records of m holding v.
func (st *store) clearValue(m *Model, name string, v any) {
	for _, rid := range st.ids(m.Name) {
		old := st.tables[m.Name].row(rid)
		if old[name] != v {
			continue
		}
		nr := Record{}
		for k, x := range old {
			nr[k] = x
		}
		nr[name] = false
		st.put(m.Name, nr)
	}
}

// afterSelectionWrite applies an option's new value to the records
// holding the old one (Odoo updates the column), then the field's options.
func (st *store) afterSelectionWrite(old, r Record) {
	fid := num(r["field_id"])
	if old["value"] != r["value"] {
		if m, fl := st.fieldOf(st.tables["ir.model.fields"].row(fid)); fl != nil {
			for _, rid := range st.ids(m.Name) {
				rec := st.tables[m.Name].row(rid)
				if rec[fl.Name] == old["value"] {
					nr := Record{}
					for k, x := range rec {
						nr[k] = x
					}
					nr[fl.Name] = r["value"]
					st.put(m.Name, nr)
				}
			}
		}
	}
	st.syncSelection(fid)
}

// writeFieldDef applies what a write of an ir.model.fields row changes in
// the field itself: only a manual field's properties may change; size
// resizes a char field; selection rewrites the options as
// _update_selection does (new values inserted, labels and order updated,
// values no longer listed removed).
func (st *store) writeFieldDef(id int64, old Record, vals map[string]any) error {
	if old["state"] != "manual" {
		return baseFieldError()
	}
	row := st.tables["ir.model.fields"].row(id)
	m, fl := st.fieldOf(row)
	if fl == nil {
		return nil
	}
	if v, ok := vals["size"]; ok {
		size := int(num(v))
		if size < 0 {
			return validationError("The operation cannot be completed: Size of the field cannot be negative.")
		}
		if fl.Type == "char" {
			st.setSize(fl, size)
			if m.Name == "res.partner" {
				if uf := st.models["res.users"].Fields[fl.Name]; uf != nil && uf.Custom {
					st.setSize(uf, size)
				}
			}
		}
	}
	if v, ok := vals["selection"]; ok && (fl.Type == "selection" || fl.Type == "reference") {
		text, _ := v.(string)
		if text == "" {
			text = "[]"
		}
		opts, err := parseSelection(text)
		if err != nil {
			return serverError("ValueError: malformed selection %v", v)
		}
		cur := map[string]Record{}
		for _, r := range st.selectionRows(id) {
			cur[fmt.Sprint(r["value"])] = r
		}
		want := map[string]bool{}
		for i, o := range opts {
			want[o[0]] = true
			r, had := cur[o[0]]
			if !had {
				nid := st.newID(selectionModel)
				st.put(selectionModel, Record{"id": nid, "field_id": id, "value": o[0], "name": o[1], "sequence": int64(i)})
				continue
			}
			if r["name"] != o[1] || num(r["sequence"]) != int64(i) {
				nr := Record{}
				for k, x := range r {
					nr[k] = x
				}
				nr["name"], nr["sequence"] = o[1], int64(i)
				st.put(selectionModel, nr)
			}
		}
		for value, r := range cur {
			if !want[value] {
				if err := st.dropSelection(num(r["id"])); err != nil {
					return err
				}
			}
		}
		st.syncSelection(id)
	}
	return nil
}

// dropFieldSelections removes the options of a field being removed
// (ondelete cascade).
func (st *store) dropFieldSelections(fieldID int64) {
	for _, r := range st.selectionRows(fieldID) {
		st.del(selectionModel, num(r["id"]))
	}
}

// truncate keeps at most size characters of a char value, as Odoo does.
func truncate(s string, size int) string {
	if size <= 0 {
		return s
	}
	if r := []rune(s); len(r) > size {
		return string(r[:size])
	}
	return s
}

// SetFieldSize gives a char field a size, as the module defining it would
// (a base field, whose size the exporter cannot change).
func (s *Server) SetFieldSize(model, name string, size int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.st.models[model]
	if m == nil || m.Fields[name] == nil {
		return
	}
	m.Fields[name].Size = size
	for _, r := range s.st.all("ir.model.fields") {
		if r["model"] == model && r["name"] == name {
			s.st.setField("ir.model.fields", r["id"].(int64), "size", int64(size))
		}
	}
}
