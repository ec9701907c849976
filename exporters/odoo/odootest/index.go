package odootest

import "hash/maphash"

// A school-sized store holds tens of millions of external ids and
// indexed values. Kept as Go maps of strings and interfaces, each is a few
// heap objects of pointers that the garbage collector marks again on every
// cycle: at 25 million records the collector took both cores. The two
// structures below hold the same in maps without pointers (a string key
// hashed, a single id stored flat), so the collector skips their buckets.

// xidMap is "module.name" → ir.model.data id. Each name is kept once in a
// byte arena, so a look-up compares the name exactly; a name whose hash
// another name already holds goes to a small map of its own.
type xidMap struct {
	hash  func(string) uint64
	slots map[uint64]xidSlot
	names []byte
	other map[string]int64
}

type xidSlot struct {
	id     int64
	off, n uint64 // the name in names
}

func newXIDMap() *xidMap {
	return &xidMap{hash: stringHash(), slots: map[uint64]xidSlot{}, other: map[string]int64{}}
}

// stringHash is a 64-bit hash of strings with a seed of its own.
func stringHash() func(string) uint64 {
	seed := maphash.MakeSeed()
	return func(s string) uint64 { return maphash.String(seed, s) }
}

// holds reports whether slot s holds name k (no copy of the name made).
func (x *xidMap) holds(s xidSlot, k string) bool { return string(x.names[s.off:s.off+s.n]) == k }

func (x *xidMap) get(k string) (int64, bool) {
	if id, ok := x.other[k]; ok {
		return id, true
	}
	s, ok := x.slots[x.hash(k)]
	if !ok || !x.holds(s, k) {
		return 0, false
	}
	return s.id, true
}

func (x *xidMap) set(k string, id int64) {
	if _, ok := x.other[k]; ok {
		x.other[k] = id
		return
	}
	h := x.hash(k)
	s, ok := x.slots[h]
	switch {
	case ok && x.holds(s, k):
		s.id = id
	case ok:
		x.other[k] = id
		return
	default:
		s = xidSlot{id: id, off: uint64(len(x.names)), n: uint64(len(k))}
		x.names = append(x.names, k...)
	}
	x.slots[h] = s
}

func (x *xidMap) del(k string) {
	if _, ok := x.other[k]; ok {
		delete(x.other, k)
		return
	}
	h := x.hash(k)
	if s, ok := x.slots[h]; ok && x.holds(s, k) {
		delete(x.slots, h) // its bytes stay in the arena
	}
}

// fieldIndex is one field's hash index: value → ids, in no order. An
// int64 value is its own key; a string is hashed, so the ids of two
// strings with one hash share a key (a search checks every candidate
// against its domain, so it only reads more); nil and booleans, a few
// keys, keep a plain map. A key with one id holds it flat; only keys with
// more hold a slice.
type fieldIndex struct {
	hash  func(string) uint64
	ints  map[int64]int64
	intsN map[int64][]int64
	strs  map[uint64]int64
	strsN map[uint64][]int64
	other map[any][]int64
}

func newFieldIndex() *fieldIndex {
	return &fieldIndex{hash: stringHash(), ints: map[int64]int64{}, intsN: map[int64][]int64{},
		strs: map[uint64]int64{}, strsN: map[uint64][]int64{}, other: map[any][]int64{}}
}

// get is the ids of key k (a string's may include another string's). The
// slice is the index's: a caller copies it before changing it.
func (ix *fieldIndex) get(k any) []int64 {
	switch v := k.(type) {
	case int64:
		return flatGet(ix.ints, ix.intsN, v)
	case string:
		return flatGet(ix.strs, ix.strsN, ix.hash(v))
	}
	return ix.other[k]
}

func (ix *fieldIndex) add(k any, id int64) {
	switch v := k.(type) {
	case int64:
		flatAdd(ix.ints, ix.intsN, v, id)
	case string:
		flatAdd(ix.strs, ix.strsN, ix.hash(v), id)
	default:
		ix.other[k] = append(ix.other[k], id)
	}
}

func (ix *fieldIndex) drop(k any, id int64) {
	switch v := k.(type) {
	case int64:
		flatDrop(ix.ints, ix.intsN, v, id)
	case string:
		flatDrop(ix.strs, ix.strsN, ix.hash(v), id)
	default:
		ix.other[k] = dropID(ix.other[k], id)
	}
}

func flatGet[K comparable](one map[K]int64, many map[K][]int64, k K) []int64 {
	if ids, ok := many[k]; ok {
		return ids
	}
	if id, ok := one[k]; ok {
		return []int64{id}
	}
	return nil
}

func flatAdd[K comparable](one map[K]int64, many map[K][]int64, k K, id int64) {
	if ids, ok := many[k]; ok {
		many[k] = append(ids, id)
		return
	}
	if first, ok := one[k]; ok {
		delete(one, k)
		many[k] = []int64{first, id}
		return
	}
	one[k] = id
}

func flatDrop[K comparable](one map[K]int64, many map[K][]int64, k K, id int64) {
	if ids, ok := many[k]; ok {
		ids = dropID(ids, id)
		switch len(ids) {
		case 0:
			delete(many, k)
		case 1:
			delete(many, k)
			one[k] = ids[0]
		default:
			many[k] = ids
		}
		return
	}
	if cur, ok := one[k]; ok && cur == id {
		delete(one, k)
	}
}
