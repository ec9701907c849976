package twentytest

import (
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/google/uuid"

	"github.com/axium2crm/axium2crm/exporters/exportertest/arena"
)

// table holds one object's records. Without Options.Compact they are the
// maps themselves; with it each record is kept encoded (codec.go) in
// append-only chunks and found by its id, so that a school's tens of
// millions of records fit in memory whole and a verify can read them back.
//
// Besides the records a table keeps what makes calls on a large store cost
// what they cost Twenty's database: the ids in order (a list page seeks its
// cursor), the live count (a list's totalCount) and the stored unique values
// (a write's duplicate check), each kept up to date by put and del.
type table struct {
	obj   *Object
	plain map[string]map[string]any

	compact bool
	codec   *codec
	at      map[[16]byte]uint64 // id → where its encoding starts
	chunks  arena.Chunks

	// ids in order, rebuilt when an id came or went since the last list.
	order    []string
	orderK   [][16]byte
	unsorted bool

	live int // records not soft-deleted
	// uniq holds every stored record's unique values (soft-deleted ones
	// included, as Twenty's unique indexes do), by field and normalised
	// value; nil until a write needs it.
	uniq map[string]map[string][]string
}

func (s *Server) newTable(o *Object) *table {
	t := &table{obj: o, compact: s.opt.Compact, codec: s.codec, chunks: arena.Chunks{Disk: s.disk}}
	if t.compact {
		t.at = map[[16]byte]uint64{}
	} else {
		t.plain = map[string]map[string]any{}
	}
	return t
}

// key is a compact table's key for id; ok is false for an id that is not
// a UUID in its canonical form (validate refuses those).
func key(id string) (k [16]byte, ok bool) {
	u, err := uuid.Parse(id)
	if err != nil || u.String() != id {
		return k, false
	}
	return u, true
}

func (t *table) len() int {
	if t.compact {
		return len(t.at)
	}
	return len(t.plain)
}

func (t *table) has(id string) bool {
	if t.compact {
		k, ok := key(id)
		_, found := t.at[k]
		return ok && found
	}
	_, ok := t.plain[id]
	return ok
}

// get is the record with id. A compact table answers a decoded copy, a plain
// one the stored map: a caller that changes it puts it back.
func (t *table) get(id string) (map[string]any, bool) {
	if !t.compact {
		r, ok := t.plain[id]
		return r, ok
	}
	k, ok := key(id)
	if !ok {
		return nil, false
	}
	off, ok := t.at[k]
	if !ok {
		return nil, false
	}
	return t.decodeAt(off), true
}

func (t *table) decodeAt(off uint64) map[string]any {
	rec, _ := t.codec.decode(t.chunks.At(off))
	return rec
}

// edit is a copy of the record with id to change and put back (a plain
// table's put must still see the record as it was).
func (t *table) edit(id string) (map[string]any, bool) {
	r, ok := t.get(id)
	if ok && !t.compact {
		r = maps.Clone(r)
	}
	return r, ok
}

// put stores rec as the record with id (which validate made a UUID).
func (t *table) put(id string, rec map[string]any) {
	old, had := t.get(id)
	if had {
		if old["deletedAt"] == nil {
			t.live--
		}
		t.unindex(id, old)
	} else {
		t.unsorted = true
	}
	if rec["deletedAt"] == nil {
		t.live++
	}
	t.index(id, rec)
	if !t.compact {
		t.plain[id] = rec
		return
	}
	k, ok := key(id)
	if !ok {
		panic("twentytest: a compact store keeps UUID ids only: " + id)
	}
	enc := t.codec.encode(rec)
	if off, ok := t.at[k]; ok {
		t.at[k] = t.chunks.Replace(off, enc)
		return
	}
	t.at[k] = t.chunks.Add(enc)
}

// del removes the record with id. A compact table leaves its encoding in
// its chunk.
func (t *table) del(id string) {
	old, had := t.get(id)
	if !had {
		return
	}
	if old["deletedAt"] == nil {
		t.live--
	}
	t.unindex(id, old)
	t.unsorted = true
	if t.compact {
		k, _ := key(id)
		delete(t.at, k)
		return
	}
	delete(t.plain, id)
}

// each calls fn with every record, in no order, until fn answers false.
// A compact table decodes each record for the call.
func (t *table) each(fn func(id string, rec map[string]any) bool) {
	if !t.compact {
		for id, r := range t.plain {
			if !fn(id, r) {
				return
			}
		}
		return
	}
	for k, off := range t.at {
		if !fn(uuid.UUID(k).String(), t.decodeAt(off)) {
			return
		}
	}
}

// update applies fn to every record and stores what it changed.
func (t *table) update(fn func(rec map[string]any) bool) {
	var changed []string
	var recs []map[string]any
	t.each(func(id string, rec map[string]any) bool {
		if fn(rec) {
			changed, recs = append(changed, id), append(recs, rec)
		}
		return true
	})
	for i, id := range changed {
		t.put(id, recs[i])
	}
}

// match calls fn with each record whose field holds one of values, until
// fn answers false. An id filter looks its records up; another reads every
// record.
func (t *table) match(field string, values map[string]bool, fn func(id string, rec map[string]any) bool) {
	if field == "id" {
		for id := range values {
			if rec, ok := t.get(id); ok && !fn(id, rec) {
				return
			}
		}
		return
	}
	if idx, ok := t.uniqueIndexOf(field, values); ok {
		// A unique composite sub-field (a person's primary e-mail, a
		// company's domain) has Twenty's unique index: the index gives
		// the candidates (its values compared in lower case), and each is
		// checked as the scan below checks every record.
		seen := map[string]bool{}
		for v := range values {
			for _, id := range idx[strings.ToLower(strings.TrimSpace(v))] {
				if seen[id] {
					continue
				}
				seen[id] = true
				if rec, ok := t.get(id); ok && values[filterValue(rec, field)] && !fn(id, rec) {
					return
				}
			}
		}
		return
	}
	t.each(func(id string, rec map[string]any) bool {
		return !values[filterValue(rec, field)] || fn(id, rec)
	})
}

// uniqueIndexOf is the unique index that answers a filter of field by
// values: field is a unique field's indexed sub-field and no value is
// blank (blank values are not indexed).
func (t *table) uniqueIndexOf(field string, values map[string]bool) (map[string][]string, bool) {
	for _, uf := range uniqueFields(t.obj) {
		if uf.uniqueSub == "" || field != uf.Name+"."+uf.uniqueSub {
			continue
		}
		for v := range values {
			if strings.TrimSpace(v) == "" {
				return nil, false
			}
		}
		return t.uniques()[uf.Name], true
	}
	return nil, false
}

// after calls fn with the ids greater than cursor in ascending order until
// fn answers false. A lowercase UUID's text sorts as its bytes do.
func (t *table) after(cursor string, fn func(id string) bool) {
	if t.compact {
		if t.unsorted || t.orderK == nil {
			t.orderK = t.orderK[:0]
			for k := range t.at {
				t.orderK = append(t.orderK, k)
			}
			slices.SortFunc(t.orderK, func(a, b [16]byte) int { return slices.Compare(a[:], b[:]) })
			t.unsorted = false
		}
		i := sort.Search(len(t.orderK), func(i int) bool { return uuid.UUID(t.orderK[i]).String() > cursor })
		for ; i < len(t.orderK); i++ {
			if !fn(uuid.UUID(t.orderK[i]).String()) {
				return
			}
		}
		return
	}
	if t.unsorted || t.order == nil {
		t.order = t.order[:0]
		for id := range t.plain {
			t.order = append(t.order, id)
		}
		sort.Strings(t.order)
		t.unsorted = false
	}
	for i := sort.SearchStrings(t.order, cursor); i < len(t.order); i++ {
		if t.order[i] > cursor && !fn(t.order[i]) {
			return
		}
	}
}

// uniques is the index of the table's unique values, built on first use.
func (t *table) uniques() map[string]map[string][]string {
	if t.uniq == nil {
		t.uniq = map[string]map[string][]string{}
		for _, uf := range uniqueFields(t.obj) {
			t.uniq[uf.Name] = map[string][]string{}
		}
		t.each(func(id string, rec map[string]any) bool {
			t.index(id, rec)
			return true
		})
	}
	return t.uniq
}

func (t *table) index(id string, rec map[string]any) {
	if t.uniq == nil {
		return
	}
	for _, uf := range uniqueFields(t.obj) {
		if v := uniqueValue(uf, rec); v != "" {
			if t.uniq[uf.Name] == nil {
				t.uniq[uf.Name] = map[string][]string{}
			}
			t.uniq[uf.Name][v] = append(t.uniq[uf.Name][v], id)
		}
	}
}

func (t *table) unindex(id string, rec map[string]any) {
	if t.uniq == nil {
		return
	}
	for _, uf := range uniqueFields(t.obj) {
		v := uniqueValue(uf, rec)
		if v == "" {
			continue
		}
		ids := slices.DeleteFunc(t.uniq[uf.Name][v], func(x string) bool { return x == id })
		if len(ids) == 0 {
			delete(t.uniq[uf.Name], v)
		} else {
			t.uniq[uf.Name][v] = ids
		}
	}
}
