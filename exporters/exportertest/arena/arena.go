// Package arena holds what the in-process CRM test servers share to keep
// a school's records compact: append-only chunks of encoded records found
// by an offset, and field names numbered once.
package arena

import "encoding/binary"

// A Chunks' chunks start small and double up to maxChunk; an offset is
// its chunk's index << 32 | the offset in that chunk.
const (
	minChunk = 64 << 10
	maxChunk = 32 << 20
)

// Chunks holds encoded records.
type Chunks struct{ chunks [][]byte }

// Add keeps enc and returns where it starts.
func (c *Chunks) Add(enc []byte) uint64 {
	last := len(c.chunks) - 1
	if last < 0 || len(c.chunks[last])+len(enc) > cap(c.chunks[last]) {
		size := minChunk
		if last >= 0 {
			size = min(2*cap(c.chunks[last]), maxChunk)
		}
		c.chunks = append(c.chunks, make([]byte, 0, max(size, len(enc))))
		last++
	}
	off := uint64(last)<<32 | uint64(len(c.chunks[last]))
	c.chunks[last] = append(c.chunks[last], enc...)
	return off
}

// At is the bytes from off to the end of its chunk.
func (c *Chunks) At(off uint64) []byte { return c.chunks[off>>32][off&(1<<32-1):] }

// Len is the number of chunks.
func (c *Chunks) Len() int { return len(c.chunks) }

// Names numbers field names.
type Names struct {
	ids   map[string]uint64
	names []string
}

// ID is name's number, given on first use.
func (n *Names) ID(name string) uint64 {
	if n.ids == nil {
		n.ids = map[string]uint64{}
	}
	id, ok := n.ids[name]
	if !ok {
		id = uint64(len(n.names))
		n.ids[name] = id
		n.names = append(n.names, name)
	}
	return id
}

// Lookup is name's number, false when no record has held the field.
func (n *Names) Lookup(name string) (uint64, bool) {
	id, ok := n.ids[name]
	return id, ok
}

// Name is the name numbered id.
func (n *Names) Name(id uint64) string { return n.names[id] }

// AppendMap appends m's size, then each field as its name's number and
// its value as val appends it.
func (n *Names) AppendMap(b []byte, m map[string]any, val func([]byte, any) []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(m)))
	for k, v := range m {
		b = binary.AppendUvarint(b, n.ID(k))
		b = val(b, v)
	}
	return b
}

// ReadMap reads what AppendMap wrote, each value with val, and says how
// many bytes it took.
func (n *Names) ReadMap(b []byte, val func([]byte) (any, int)) (map[string]any, int) {
	size, used := binary.Uvarint(b)
	m := make(map[string]any, size)
	for range size {
		id, w := binary.Uvarint(b[used:])
		used += w
		v, vw := val(b[used:])
		used += vw
		m[n.Name(id)] = v
	}
	return m, used
}

// ReadSome is ReadMap of the fields numbered in want only, passing over
// the others with skip (which says how many bytes a value takes): a look
// at a few fields of a record without making the rest.
func (n *Names) ReadSome(b []byte, want []uint64, val func([]byte) (any, int), skip func([]byte) int) map[string]any {
	size, used := binary.Uvarint(b)
	m := make(map[string]any, len(want))
	for range size {
		id, w := binary.Uvarint(b[used:])
		used += w
		wanted := false
		for _, x := range want {
			wanted = wanted || x == id
		}
		if !wanted {
			used += skip(b[used:])
			continue
		}
		v, vw := val(b[used:])
		used += vw
		m[n.Name(id)] = v
	}
	return m
}

// Frame is body after its length: one record as Chunks keeps it.
func Frame(body []byte) []byte {
	out := binary.AppendUvarint(make([]byte, 0, len(body)+binary.MaxVarintLen64), uint64(len(body)))
	return append(out, body...)
}

// Unframe is the body of the record that starts b, and the bytes the
// record takes.
func Unframe(b []byte) ([]byte, int) {
	n, w := binary.Uvarint(b)
	return b[w : w+int(n)], w + int(n)
}
