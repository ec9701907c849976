package odootest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/axium2crm/axium2crm/exporters/exportertest/arena"
)

// Record is one stored record: field name → value as Odoo holds it.
type Record map[string]any

type table struct {
	model *Model
	rows  map[int64]Record // a plain table's records
	next  int64

	// A compact table's (codec set): records encoded (compact.go), where
	// each one's encoding starts.
	codec  *codec
	at     offsets
	chunks arena.Chunks

	// What makes a search on a school-sized store cost what it costs
	// PostgreSQL, kept up to date by set and remove: the ids in order
	// (valid unless unsorted), and hash indexes of the fields an equality
	// leaf has asked for (value → ids, in no order). A field holding a
	// value Odoo's equality does not compare as Go does (a float, a list)
	// is not indexed.
	sorted   []int64
	unsorted bool
	index    map[string]*fieldIndex
	noIndex  map[string]bool
}

// set stores r as record id.
func (t *table) set(id int64, r Record) {
	old, had := t.lookup(id)
	if t.codec == nil {
		t.rows[id] = r
	} else {
		t.store(id, r)
	}
	if !had {
		if n := len(t.sorted); !t.unsorted && (n == 0 || id > t.sorted[n-1]) {
			t.sorted = append(t.sorted, id)
		} else {
			t.unsorted = true
		}
	}
	for f, ix := range t.index {
		k, ok := t.indexKey(f, r[f])
		if had {
			was, wasOK := t.indexKey(f, old[f])
			if wasOK && ok && was == k {
				continue
			}
			if wasOK {
				ix.drop(was, id)
			}
		}
		if !ok {
			t.dropIndex(f)
			continue
		}
		ix.add(k, id)
	}
}

// remove deletes record id.
func (t *table) remove(id int64) {
	old, had := t.lookup(id)
	if !had {
		return
	}
	delete(t.rows, id)
	t.at.del(id)
	t.unsorted = true
	for f, ix := range t.index {
		if k, ok := t.indexKey(f, old[f]); ok {
			ix.drop(k, id)
		}
	}
}

func dropID(ids []int64, id int64) []int64 {
	for i, x := range ids {
		if x == id {
			ids[i] = ids[len(ids)-1]
			return ids[:len(ids)-1]
		}
	}
	return ids
}

func (t *table) dropIndex(f string) {
	delete(t.index, f)
	if t.noIndex == nil {
		t.noIndex = map[string]bool{}
	}
	t.noIndex[f] = true
}

// indexKey is the key a stored value is indexed by: what the domain's
// equality compares it as (a many2one's 0 is False).
func (t *table) indexKey(f string, v any) (any, bool) {
	switch x := v.(type) {
	case nil, string, bool:
		return v, true
	case int64:
		if fl := t.model.Fields[f]; x == 0 && fl != nil && fl.Type == "many2one" {
			return false, true
		}
		return v, true
	}
	return nil, false
}

// indexOf is field f's index, built on first use; nil when f holds values
// it cannot index.
func (t *table) indexOf(f string) *fieldIndex {
	if ix, ok := t.index[f]; ok {
		return ix
	}
	if t.noIndex[f] || t.model.Fields[f] == nil {
		return nil
	}
	ix := newFieldIndex()
	only := []string{f} // a compact record decodes the one field
	for _, id := range t.ids() {
		k, ok := t.indexKey(f, t.rowFields(id, only)[f])
		if !ok {
			t.dropIndex(f)
			return nil
		}
		ix.add(k, id)
	}
	if t.index == nil {
		t.index = map[string]*fieldIndex{}
	}
	t.index[f] = ix
	return ix
}

// ids are the table's ids in ascending order. The slice is the table's:
// a caller does not change it, and may keep it while records come and go.
func (t *table) ids() []int64 {
	if t.unsorted || len(t.sorted) != t.len() {
		out := make([]int64, 0, t.len())
		for id := range t.rows {
			out = append(out, id)
		}
		out = t.at.appendIDs(out)
		slices.Sort(out)
		t.sorted, t.unsorted = out, false
	}
	return t.sorted
}

// store holds every model's records. Every execute_kw call runs in one
// transaction: a failure undoes all its changes, as Odoo's cursor does.
type store struct {
	codec     *codec      // set when tables are compact (Options.Compact)
	disk      *arena.Disk // where compact tables keep records (Options.ChunkDir), nil: the heap
	models    map[string]*Model
	tables    map[string]*table
	xids      *xidMap // "module.name" → ir.model.data id
	installed map[string]bool
	staleACL  map[string]bool
	denied    map[string]bool // models the user has no rights on (DenyAccess)
	undo      []func()
	loadTZ    *time.Location
	// defaultReceivable is the receivable account of a partner without
	// its own (Odoo's ir.property default).
	defaultReceivable int64
	// scoring is what lead scoring counted (scoring.go).
	scoring ScoringStats
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
	old, had := t.lookup(id)
	t.set(id, r)
	s.undo = append(s.undo, func() {
		if had {
			t.set(id, old)
		} else {
			t.remove(id)
		}
	})
}

// setField sets one field of a stored record.
func (s *store) setField(model string, id int64, f string, v any) {
	r := maps.Clone(s.tables[model].row(id))
	r[f] = v
	s.put(model, r)
}

func (s *store) del(model string, id int64) {
	t := s.tables[model]
	old, had := t.lookup(id)
	if !had {
		return
	}
	t.remove(id)
	s.undo = append(s.undo, func() { t.set(id, old) })
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
		s.tables[m.Name] = s.newTable(m)
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
	old, had := s.xids.get(k)
	s.xids.set(k, id)
	s.undo = append(s.undo, func() {
		if had {
			s.xids.set(k, old)
		} else {
			s.xids.del(k)
		}
	})
}

func (s *store) delXID(k string) {
	old, had := s.xids.get(k)
	if !had {
		return
	}
	s.xids.del(k)
	s.undo = append(s.undo, func() { s.xids.set(k, old) })
}

// xidID is the ir.model.data id of external id k (0: none).
func (s *store) xidID(k string) int64 {
	id, _ := s.xids.get(k)
	return id
}

// lookupXID returns the model and res_id an external id names.
func (s *store) lookupXID(xid string) (string, int64, bool) {
	id, ok := s.xids.get(xid)
	if !ok {
		return "", 0, false
	}
	r := s.tables["ir.model.data"].row(id)
	return r["model"].(string), r["res_id"].(int64), true
}

func (s *store) exists(model string, id int64) bool {
	t := s.tables[model]
	return t != nil && t.has(id)
}

// all is every record of a model, in id order: a snapshot the caller may
// change the store under.
func (s *store) all(model string) []Record {
	t := s.tables[model]
	out := make([]Record, 0, t.len())
	t.each(func(_ int64, r Record) bool {
		out = append(out, r)
		return true
	})
	return out
}

// newTable is an empty table of model m, compact when the store is.
func (s *store) newTable(m *Model) *table {
	if s.codec != nil {
		return &table{model: m, codec: s.codec, chunks: arena.Chunks{Disk: s.disk}}
	}
	return &table{model: m, rows: map[int64]Record{}}
}

// ids returns a model's ids in ascending order (see table.ids).
func (s *store) ids(model string) []int64 {
	return s.tables[model].ids()
}

var nameFields = []string{"name", "x_name", "login"}

func (s *store) displayName(model string, id int64) string {
	r := s.tables[model].rowFields(id, nameFields)
	for _, k := range nameFields {
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
