package odootest

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/axium2crm/axium2crm/exporters/exportertest/arena"
)

// A compact table (Options.Compact) keeps each record encoded in
// append-only chunks instead of as a map: a map of a few dozen fields
// costs some 4 KB a record, too much for a school's five million records
// per 100,000 patients. A record decodes to the values it was stored with,
// of the same Go types (int64, float64, string, bool, nil, []int64 and
// lists and maps of them).

// codec numbers field names once per store.
type codec struct{ names arena.Names }

func newCodec() *codec { return &codec{} }

const (
	cNil byte = iota
	cFalse
	cTrue
	cInt
	cFloat
	cString
	cIDs  // []int64
	cList // []any
	cMap  // map[string]any
	cRecord
)

func (c *codec) encode(r Record) []byte {
	return arena.Frame(c.names.AppendMap(make([]byte, 0, 128), r, c.appendValue))
}

func (c *codec) decode(b []byte) Record {
	body, _ := arena.Unframe(b)
	m, _ := c.names.ReadMap(body, c.value)
	return m
}

// decodeFields is decode of the named fields only (those the record
// holds).
func (c *codec) decodeFields(b []byte, fields []string) Record {
	body, _ := arena.Unframe(b)
	want := make([]uint64, 0, len(fields))
	for _, f := range fields {
		if id, ok := c.names.Lookup(f); ok {
			want = append(want, id)
		}
	}
	return c.names.ReadSome(body, want, c.value, c.skip)
}

// skip is how many bytes the value that starts b takes.
func (c *codec) skip(b []byte) int {
	switch b[0] {
	case cNil, cFalse, cTrue:
		return 1
	case cInt:
		_, w := binary.Varint(b[1:])
		return 1 + w
	case cFloat:
		return 9
	case cString:
		n, w := binary.Uvarint(b[1:])
		return 1 + w + int(n)
	case cIDs:
		n, used := binary.Uvarint(b[1:])
		used++
		for range n {
			_, w := binary.Varint(b[used:])
			used += w
		}
		return used
	case cList:
		n, used := binary.Uvarint(b[1:])
		used++
		for range n {
			used += c.skip(b[used:])
		}
		return used
	case cMap, cRecord:
		n, used := binary.Uvarint(b[1:])
		used++
		for range n {
			_, w := binary.Uvarint(b[used:])
			used += w
			used += c.skip(b[used:])
		}
		return used
	}
	panic("odootest: corrupt compact record")
}

func (c *codec) appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, cNil)
	case bool:
		if x {
			return append(b, cTrue)
		}
		return append(b, cFalse)
	case int64:
		return binary.AppendVarint(append(b, cInt), x)
	case float64:
		return binary.LittleEndian.AppendUint64(append(b, cFloat), math.Float64bits(x))
	case string:
		b = binary.AppendUvarint(append(b, cString), uint64(len(x)))
		return append(b, x...)
	case []int64:
		b = binary.AppendUvarint(append(b, cIDs), uint64(len(x)))
		for _, i := range x {
			b = binary.AppendVarint(b, i)
		}
		return b
	case []any:
		b = binary.AppendUvarint(append(b, cList), uint64(len(x)))
		for _, e := range x {
			b = c.appendValue(b, e)
		}
		return b
	case Record:
		return c.names.AppendMap(append(b, cRecord), x, c.appendValue)
	case map[string]any:
		return c.names.AppendMap(append(b, cMap), x, c.appendValue)
	}
	panic(fmt.Sprintf("odootest: a compact table cannot keep a %T", v))
}

func (c *codec) value(b []byte) (any, int) {
	switch b[0] {
	case cNil:
		return nil, 1
	case cFalse:
		return false, 1
	case cTrue:
		return true, 1
	case cInt:
		i, w := binary.Varint(b[1:])
		return i, 1 + w
	case cFloat:
		return math.Float64frombits(binary.LittleEndian.Uint64(b[1:])), 9
	case cString:
		n, w := binary.Uvarint(b[1:])
		return string(b[1+w : 1+w+int(n)]), 1 + w + int(n)
	case cIDs:
		l, w := readList(b[1:], binary.Varint)
		return l, 1 + w
	case cList:
		l, w := readList(b[1:], c.value)
		return l, 1 + w
	case cMap:
		m, w := c.names.ReadMap(b[1:], c.value)
		return m, 1 + w
	case cRecord:
		m, w := c.names.ReadMap(b[1:], c.value)
		return Record(m), 1 + w
	}
	panic("odootest: corrupt compact record")
}

// readList reads a count, then that many values with read.
func readList[T any](b []byte, read func([]byte) (T, int)) ([]T, int) {
	n, used := binary.Uvarint(b)
	out := make([]T, n)
	for i := range out {
		x, w := read(b[used:])
		out[i] = x
		used += w
	}
	return out, used
}

func (t *table) store(id int64, r Record) {
	enc := t.codec.encode(r)
	if off, ok := t.at.get(id); ok {
		t.at.set(id, t.chunks.Replace(off, enc))
		return
	}
	t.at.set(id, t.chunks.Add(enc))
}

// lookup is record id: a compact table's is decoded for the caller, a
// plain table's is the stored map, which a caller does not change (put a
// changed copy instead).
func (t *table) lookup(id int64) (Record, bool) {
	if t.codec == nil {
		r, ok := t.rows[id]
		return r, ok
	}
	off, ok := t.at.get(id)
	if !ok {
		return nil, false
	}
	return t.codec.decode(t.chunks.At(off)), true
}

// rowFields is record id with at least the named fields, nil when there
// is none: a compact record decodes only those (a search's leaves, a
// read's fields), a plain table gives its stored map, which a caller does
// not change.
func (t *table) rowFields(id int64, fields []string) Record {
	if t.codec == nil {
		return t.rows[id]
	}
	off, ok := t.at.get(id)
	if !ok {
		return nil
	}
	return t.codec.decodeFields(t.chunks.At(off), fields)
}

// row is record id, nil when there is none.
func (t *table) row(id int64) Record {
	r, _ := t.lookup(id)
	return r
}

func (t *table) has(id int64) bool {
	if t.codec == nil {
		_, ok := t.rows[id]
		return ok
	}
	_, ok := t.at.get(id)
	return ok
}

func (t *table) len() int {
	if t.codec == nil {
		return len(t.rows)
	}
	return t.at.len()
}

// each calls fn with every record in id order until fn answers false.
func (t *table) each(fn func(id int64, r Record) bool) {
	for _, id := range t.ids() {
		if !fn(id, t.row(id)) {
			return
		}
	}
}
