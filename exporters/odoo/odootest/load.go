package odootest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// load is Model.load(fields, rows) as the CSV import uses it: fields may
// be "id" (external id), ".id" (database id), "f", "f/id" (reference by
// external id), "f/.id". Values are text. Each row is created or, when its
// external id exists, written. Any error rolls the whole call back and
// answers ids False, with one message per error.
func (st *store) load(m *Model, fields []string, rows []any, tz string) (any, error) {
	// Datetimes are read in the context's time zone (the user has none
	// here), as ir.fields.converter._input_tz does.
	st.loadTZ = time.UTC
	if tz != "" {
		loc, err := time.LoadLocation(tz)
		if err == nil {
			st.loadTZ = loc
		}
	}
	type col struct {
		name, sub string
		fl        *Field
	}
	cols := make([]col, len(fields))
	for i, f := range fields {
		name, sub, _ := strings.Cut(f, "/")
		if f == "id" || f == ".id" {
			cols[i] = col{name: f}
			continue
		}
		fl, ok := m.Fields[name]
		if !ok {
			// Not an import message: Odoo 17 faults with a KeyError.
			return nil, serverError("KeyError: %s", pyRepr(name))
		}
		cols[i] = col{name: name, sub: sub, fl: fl}
	}
	sp := st.savepoint()
	var ids []any
	messages := []any{}
	for i, rv := range rows {
		row, ok := rv.([]any)
		if !ok || len(row) != len(fields) {
			return nil, serverError("ValueError: row %d has %d values for %d fields", i, len(row), len(fields))
		}
		msg := func(field, text string) {
			messages = append(messages, map[string]any{"type": "error", "message": text, "record": int64(i),
				"rows": map[string]any{"from": int64(i), "to": int64(i)}, "field": field})
		}
		vals := map[string]any{}
		var xid string
		var dbid int64
		failed := false
		for j, c := range cols {
			text, _ := row[j].(string)
			switch {
			case c.name == "id":
				xid = text
				if xid != "" && !strings.Contains(xid, ".") {
					xid = "__import__." + xid
				}
				continue
			case c.name == ".id":
				dbid, _ = strconv.ParseInt(text, 10, 64)
				continue
			}
			v, err := st.importValue(m, c.fl, c.sub, text)
			if err != nil {
				msg(c.name, err.Error())
				failed = true
				continue
			}
			vals[c.name] = v
		}
		if failed {
			continue
		}
		rsp := st.savepoint()
		id, err := st.upsert(m, xid, dbid, vals)
		if err != nil {
			st.rollbackTo(rsp)
			text := asFault(err).msg
			if strings.HasPrefix(text, "Contacts require") {
				text = "'" + text + "'" // Odoo 17 keeps the quotes of this one
			}
			msg("", text)
			continue
		}
		ids = append(ids, id)
	}
	if len(messages) > 0 {
		st.rollbackTo(sp)
		return map[string]any{"ids": false, "messages": messages, "nextrow": int64(0)}, nil
	}
	if ids == nil {
		ids = []any{}
	}
	return map[string]any{"ids": ids, "messages": messages, "nextrow": int64(0)}, nil
}

func (st *store) upsert(m *Model, xid string, dbid int64, vals map[string]any) (int64, error) {
	if xid != "" {
		if model, id, ok := st.lookupXID(xid); ok {
			if model != m.Name {
				return 0, validationError("For external id %s when trying to create/update a record of model %s found record of different model %s (%d)",
					xid, m.Name, model, st.xidID(xid))
			}
			if st.exists(m.Name, id) {
				return id, st.write(m, []int64{id}, vals)
			}
		}
	} else if dbid != 0 {
		return dbid, st.write(m, []int64{dbid}, vals)
	}
	ids, err := st.create(m, []any{vals})
	if err != nil {
		return 0, err
	}
	if xid != "" {
		module, name := splitXID(xid)
		if old, ok := st.xids.get(xid); ok {
			// A dangling external id (its record was deleted) is reused.
			st.del("ir.model.data", old)
			st.delXID(xid)
		}
		st.seedXID(module, name, m.Name, ids[0])
		st.setField("ir.model.data", st.xidID(xid), "noupdate", false)
		if in, ok := inherits[m.Name]; ok {
			// _inherits: the delegated parent gets an external id too.
			pname := name + "_" + strings.ReplaceAll(in[0], ".", "_")
			if _, taken := st.xids.get(xidKey(module, pname)); !taken {
				st.seedXID(module, pname, in[0], num(st.tables[m.Name].row(ids[0])[in[1]]))
				st.setField("ir.model.data", st.xidID(xidKey(module, pname)), "noupdate", false)
			}
		}
	}
	return ids[0], nil
}

// importValue converts one import-format text value.
func (st *store) importValue(m *Model, fl *Field, sub, text string) (any, error) {
	switch sub {
	case "id", ".id":
		if fl.Type != "many2one" && fl.Type != "many2many" && fl.Type != "one2many" {
			return nil, fmt.Errorf("Unknown sub-field %s", pyRepr(sub))
		}
		if text == "" {
			if fl.Type == "many2one" {
				return false, nil
			}
			return []any{}, nil
		}
		var ids []any
		for _, ref := range strings.Split(text, ",") {
			ref = strings.TrimSpace(ref)
			var id int64
			if sub == ".id" {
				n, err := strconv.ParseInt(ref, 10, 64)
				if err != nil || !st.exists(fl.Relation, n) {
					return nil, fmt.Errorf("No matching record found for database id '%s' in field '%s'", ref, fl.Description)
				}
				id = n
			} else {
				if !strings.Contains(ref, ".") {
					// Odoo prefixes with the import's current module, empty over RPC.
					ref = "." + ref
				}
				model, rid, ok := st.lookupXID(ref)
				if !ok || !st.exists(model, rid) {
					return nil, fmt.Errorf("No matching record found for external id '%s' in field '%s'", ref, fl.Description)
				}
				if model != fl.Relation {
					return nil, fmt.Errorf("Invalid external ID %s: expected model %s, found %s", ref, pyRepr(fl.Relation), pyRepr(model))
				}
				id = rid
			}
			if fl.Type == "many2one" {
				return id, nil
			}
			ids = append(ids, id)
		}
		return []any{[]any{int64(6), int64(0), ids}}, nil
	case "":
	default:
		return nil, fmt.Errorf("Unknown sub-field %s", pyRepr(sub))
	}
	if text == "" {
		return false, nil
	}
	switch fl.Type {
	case "boolean":
		switch strings.ToLower(text) {
		case "1", "true", "yes":
			return true, nil
		case "0", "false", "no":
			return false, nil
		}
		return nil, fmt.Errorf("Unknown value '%s' for boolean field '%s'", text, fl.Description)
	case "integer":
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("'%s' does not seem to be an integer for field '%s'", text, fl.Description)
		}
		return n, nil
	case "float", "monetary":
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, fmt.Errorf("'%s' does not seem to be a number for field '%s'", text, fl.Description)
		}
		return f, nil
	case "selection":
		for _, o := range fl.Selection {
			if o[0] == text || o[1] == text {
				return o[0], nil
			}
		}
		return nil, fmt.Errorf("Value '%s' not found in selection field '%s'", text, fl.Description)
	case "many2one":
		for _, id := range st.ids(fl.Relation) {
			if st.displayName(fl.Relation, id) == text {
				return id, nil
			}
		}
		return nil, fmt.Errorf("No matching record found for name '%s' in field '%s'", text, fl.Description)
	}
	if fl.Type == "datetime" {
		layout := "2006-01-02 15:04:05"
		if len(text) == 10 {
			// fields.Datetime.from_string takes a bare date as midnight.
			layout = "2006-01-02"
		}
		t, err := time.ParseInLocation(layout, text, st.loadTZ)
		if err != nil {
			return nil, fmt.Errorf("'%s' does not seem to be a valid datetime for field '%s'", text, fl.Description)
		}
		return t.UTC().Format("2006-01-02 15:04:05"), nil
	}
	v, err := st.convert(m, fl, text)
	if err != nil {
		return nil, fmt.Errorf("%s", asFault(err).msg)
	}
	return v, nil
}
