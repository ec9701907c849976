package odootest

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Record is one stored record: field name → value as Odoo holds it.
type Record map[string]any

type table struct {
	model *Model
	rows  map[int64]Record
	next  int64
}

// store holds every model's records. Every execute_kw call runs in one
// transaction: a failure undoes all its changes, as Odoo's cursor does.
type store struct {
	models    map[string]*Model
	tables    map[string]*table
	xids      map[string]int64 // "module.name" → ir.model.data id
	installed map[string]bool
	staleACL  map[string]bool
	denied    map[string]bool // models the user has no rights on (DenyAccess)
	undo      []func()
	loadTZ    *time.Location
	// defaultReceivable is the receivable account of a partner without
	// its own (Odoo's ir.property default); moveLines, by move, its
	// journal items (payment.go).
	defaultReceivable int64
	moveLines         map[int64]map[int64]bool
}

func (s *store) begin()  { s.undo = s.undo[:0] }
func (s *store) commit() { s.undo = s.undo[:0] }
func (s *store) rollback() {
	for i := len(s.undo) - 1; i >= 0; i-- {
		s.undo[i]()
	}
	s.undo = s.undo[:0]
}

// savepoint and rollbackTo let load undo one record while keeping others.
func (s *store) savepoint() int { return len(s.undo) }
func (s *store) rollbackTo(sp int) {
	for i := len(s.undo) - 1; i >= sp; i-- {
		s.undo[i]()
	}
	s.undo = s.undo[:sp]
}

func (s *store) model(name string) (*Model, bool) {
	m, ok := s.models[name]
	if !ok || !moduleInstalled(s.installed, m.Module) {
		return nil, false
	}
	return m, true
}

func (s *store) put(model string, r Record) {
	t := s.tables[model]
	id := r["id"].(int64)
	old, had := t.rows[id]
	t.rows[id] = r
	s.undo = append(s.undo, func() {
		if had {
			t.rows[id] = old
		} else {
			delete(t.rows, id)
		}
	})
	if model == "account.move.line" && (!had || num(old["move_id"]) != num(r["move_id"])) {
		if had {
			s.indexLine(old, false)
		}
		s.indexLine(r, true)
	}
}

func (s *store) del(model string, id int64) {
	t := s.tables[model]
	old, had := t.rows[id]
	if !had {
		return
	}
	delete(t.rows, id)
	s.undo = append(s.undo, func() { t.rows[id] = old })
	if model == "account.move.line" {
		s.indexLine(old, false)
	}
}

func (s *store) newID(model string) int64 {
	t := s.tables[model]
	t.next++
	id := t.next
	s.undo = append(s.undo, func() {
		if t.next == id {
			t.next--
		}
	})
	return id
}

func (s *store) addModel(m *Model) {
	s.models[m.Name] = m
	if s.tables[m.Name] == nil {
		s.tables[m.Name] = &table{model: m, rows: map[int64]Record{}}
	}
	name := m.Name
	s.undo = append(s.undo, func() { delete(s.models, name); delete(s.tables, name) })
}

func (s *store) addField(m *Model, fl *Field) {
	m.Fields[fl.Name] = fl
	s.undo = append(s.undo, func() { delete(m.Fields, fl.Name) })
}

func (s *store) setXID(module, name string, id int64) {
	k := module + "." + name
	old, had := s.xids[k]
	s.xids[k] = id
	s.undo = append(s.undo, func() {
		if had {
			s.xids[k] = old
		} else {
			delete(s.xids, k)
		}
	})
}

func (s *store) delXID(k string) {
	old, had := s.xids[k]
	if !had {
		return
	}
	delete(s.xids, k)
	s.undo = append(s.undo, func() { s.xids[k] = old })
}

// lookupXID returns the model and res_id an external id names.
func (s *store) lookupXID(xid string) (string, int64, bool) {
	id, ok := s.xids[xid]
	if !ok {
		return "", 0, false
	}
	r := s.tables["ir.model.data"].rows[id]
	return r["model"].(string), r["res_id"].(int64), true
}

func (s *store) exists(model string, id int64) bool {
	t := s.tables[model]
	if t == nil {
		return false
	}
	_, ok := t.rows[id]
	return ok
}

// ids returns a model's ids in ascending order.
func (s *store) ids(model string) []int64 {
	t := s.tables[model]
	out := make([]int64, 0, len(t.rows))
	for id := range t.rows {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (s *store) displayName(model string, id int64) string {
	r := s.tables[model].rows[id]
	for _, k := range []string{"name", "x_name", "login"} {
		if v, ok := r[k].(string); ok {
			return v
		}
	}
	return fmt.Sprintf("%s,%d", model, id)
}

// emptyValue is what Odoo returns for an unset field.
func emptyValue(fl *Field) any {
	switch fl.Type {
	case "integer", "many2one_reference":
		return int64(0)
	case "float", "monetary":
		return 0.0
	case "one2many", "many2many":
		return []int64{}
	}
	return false
}

func xidKey(module, name string) string { return module + "." + name }

func splitXID(xid string) (string, string) {
	i := strings.IndexByte(xid, '.')
	if i < 0 {
		return "", xid
	}
	return xid[:i], xid[i+1:]
}
